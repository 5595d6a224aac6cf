"""The epsilon explorers speak the edition's language (issue 13).

Every word they show is marked in gc_explorer.py and gc_epsilon.py (``N_`` where a constant is
defined, ``_`` or ``pgettext`` where it is shown), and comes out of the gettext catalog of the
language that gc_i18n chooses; what code compares (models, methods, verdicts, backprop choices)
stays English. These tests compile catalogs with Babel into scratch editions (a marker and a
catalog, as an edition ships them) and speak them with gc_i18n: a small Spanish catalog, a
Chinese one (whose words matplotlib must draw with Chinese glyphs), and a pseudo-translation of
every marked string, which shows that nothing on show was left in English.
"""

import ast
import html
import itertools
import re
import string
import warnings
from contextlib import ExitStack

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo

import gc_epsilon as numerics
import gc_explorer
import gc_i18n
from course import ROOT

MODULES = ("gc_explorer.py", "gc_epsilon.py")
#: The marking functions, and the index of the message among their arguments.
MARKERS = {"_": 0, "N_": 0, "pgettext": 1}

#: A few entries of a Spanish catalog: msgid, or (context, msgid) -> translation.
SPANISH = {
    "method": "método",
    ("finite difference", "centered"): "centrada",
    ("finite difference", "forward"): "hacia adelante",
    "network": "red",
    "your {function}": "tu {function}",
    "relative difference": "diferencia relativa",
    "threshold {threshold}": "umbral {threshold}",
    ("gradient verdict", "agrees"): "coincide",
    ("gradient verdict", "disagrees"): "discrepa",
    "fails: the gradient disagrees, by far more than the step can explain":
        "falla: el gradiente discrepa, mucho más de lo que el paso puede explicar",
    "{verdict} (threshold {threshold})": "{verdict} (umbral {threshold})",
    "marker at ε = {epsilon}, difference = {difference}": "marcador en ε = {epsilon}, diferencia = {difference}",
    "{method}, {precision}: difference {difference} at ε = {epsilon} (fails); lowest {lowest}, at ε = {best}":
        "{method}, {precision}: diferencia {difference} en ε = {epsilon} (falla); la menor {lowest}, en ε = {best}",
}


def write_catalog(entries, path, lang="es"):
    """Compile ``entries`` (msgid, or (context, msgid) -> text) into the .mo file ``path``, with Babel."""
    catalog = Catalog(locale=lang, domain=gc_i18n.DOMAIN)
    for key, text in entries.items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        catalog.add(msgid, text, context=context)
    with path.open("wb") as out:
        write_mo(out, catalog)


@pytest.fixture
def speak(tmp_path, monkeypatch):
    """``speak(entries, lang="es")``: from then on in this test, gc_i18n speaks ``lang`` from that catalog.

    As an edition does: a folder holds the marker naming its language and its compiled
    catalog, and gc_i18n's ``speaking_edition`` speaks that folder's language.
    """
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(gc_i18n.VARIABLE, raising=False)
    numbers = itertools.count()
    with ExitStack() as editions:
        def speak(entries, lang="es"):
            folder = tmp_path / f"edition-{next(numbers)}"
            folder.mkdir()
            (folder / gc_i18n.MARKER).write_text(f"{lang}\n", encoding="utf-8")
            write_catalog(entries, folder / gc_i18n.CATALOG, lang)
            editions.enter_context(gc_i18n.speaking_edition(folder))
            assert gc_i18n.language() == lang

        yield speak


def labels(toggle):
    """What a toggle's buttons say, whether its options are plain values or (label, value) pairs."""
    return [option[0] if isinstance(option, tuple) else option for option in toggle.options]


def values(toggle):
    return tuple(option[1] if isinstance(option, tuple) else option for option in toggle.options)


def verdict_words(explorer):
    """Block -> the verdict word of the breakdown's table, as shown."""
    return dict(re.findall(r"data-block='(\w+)'.*?class='gc-block-verdict'[^>]*>([^<]+)<", explorer.breakdown.value))


# --------------------------------------------------------------- a Spanish catalog


def test_controls_say_their_labels_in_the_language_and_keep_their_values(speak, solved):
    speak(SPANISH)
    explorer = gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"],
                                           gradient_check_n=solved["gradient_check_n"])
    # Translated where the catalog has the words; the rest stays English.
    assert explorer.method.description == "método"
    assert labels(explorer.method) == ["centrada", "hacia adelante", "complex-step"]
    assert labels(explorer.model) == ["1-D: J = θ·x", "1-D: J = x·sin θ", "red", "network, ReLU kink"]
    assert labels(explorer.backprop) == ["tu backward_propagation_n", "correct reference"]
    assert explorer.precision.description == "precision" and labels(explorer.precision) == ["float64", "float32"]
    assert explorer.epsilon.description == "ε"
    # The values that code and the notebooks use are the English ones.
    assert values(explorer.method) == numerics.METHODS
    assert values(explorer.model) == gc_explorer.MODELS
    assert values(explorer.backprop) == gc_explorer.BACKPROPS
    assert (explorer.model.value, explorer.backprop.value, explorer.method.value) == (
        "network", gc_explorer.YOURS, "centered")
    explorer.method.value = "forward"
    assert "hacia adelante, float64" in explorer._figure.title.get_text()


def test_readout_table_and_plot_speak_the_language(speak, solved):
    speak(SPANISH)
    explorer = gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"],
                                           gradient_check_n=solved["gradient_check_n"])
    result = explorer.current_check().check
    # The readout: its verdict and threshold translated; the notebook's names as they are.
    assert ("falla: el gradiente discrepa, mucho más de lo que el paso puede explicar (umbral 2e-07)"
            in explorer.readout.value)
    shown = explorer.readout.value
    assert f"<td>difference</td><td class='gc-difference'><code>{result.difference:.3e}</code>" in shown
    assert "<td>your gradient_check_n at ε (entry by entry)</td><td class='gc-your-gradient-check-n-at-ε'>" \
        in explorer.readout.value                                 # not in this catalog: English
    assert explorer.caption.value == (f"<small>marcador en ε = {result.epsilon:.3e}, "
                                      f"diferencia = {result.difference:.3e}</small>")
    # The breakdown: its verdict words, in the table and in the sentence that explains them.
    assert verdict_words(explorer) == {"W1": "coincide", "b1": "discrepa", "W2": "discrepa",
                                       "b2": "coincide", "W3": "coincide", "b3": "coincide"}
    assert "<i>discrepa</i>: the difference is far beyond" in explorer.breakdown.value
    assert "<i>unsure</i>: above the threshold" in explorer.breakdown.value
    assert "<b>Which gradients disagree?</b>" in explorer.breakdown.value
    # The plot: its axis label and the legend's threshold; the line names not in this catalog stay English.
    axes = explorer._figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("ε", "diferencia relativa")
    assert [text.get_text() for text in axes.get_legend().get_texts()][-1] == "umbral 2e-07"
    assert sorted(explorer._figure.lines) == ["difference", "optimum", "round-off", "truncation"]


def test_static_summary_speaks_the_language(speak, solved, monkeypatch, capsys):
    speak(SPANISH)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"]) is None
    printed = capsys.readouterr().out
    expected = numerics.check(numerics.network_line(solved["backward_propagation_n"]), 1e-7)
    assert f"    centrada, float64: diferencia {expected.difference:.1e} en ε = 1e-07 (falla)" in printed
    assert "static summary for red, tu backward_propagation_n (open" in printed


def test_english_is_as_before_after_another_language(speak, solved, tmp_path):
    """Options are the plain values again in English: a toggle's labels are its values."""
    speak(SPANISH)
    english = tmp_path / "english"           # an edition without a marker: English
    english.mkdir()
    with gc_i18n.speaking_edition(english):
        explorer = gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"])
    assert explorer.method.options == numerics.METHODS
    assert explorer.backprop.options == gc_explorer.BACKPROPS
    assert explorer.method.description == "method"


def test_chinese_words_are_drawn_with_chinese_glyphs(speak, solved):
    """matplotlib's default font has no Chinese glyphs: the plot's words fall back to a font that has."""
    if gc_i18n._chinese_font() is None:
        pytest.fail("no font with Chinese glyphs for matplotlib: run scripts/setup-languages", pytrace=False)
    speak({"relative difference": "相对差异", "threshold {threshold}": "阈值 {threshold}",
           ("finite difference", "centered"): "中心差分"}, "zh_CN")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        explorer = gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"])
        explorer.method.value = "forward"
        explorer.method.value = "centered"
    missing = [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]
    assert not missing, missing[:3]
    axes = explorer._figure.axes
    assert axes.get_ylabel() == "相对差异" and "中心差分, float64" in explorer._figure.title.get_text()
    assert [text.get_text() for text in axes.get_legend().get_texts()][-1] == "阈值 2e-07"
    for text in (axes.yaxis.label, explorer._figure.title, *axes.get_legend().get_texts()):
        assert gc_i18n._chinese_font() in text.get_fontfamily(), text.get_text()


# --------------------------------------------------------------- every marked string


def marked_strings():
    """(module, line, function, context, message) for every call of _, N_ or pgettext in the modules.

    context and message are the literals, or the AST node when an argument is not a literal."""
    found = []
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
                position = MARKERS[node.func.id]
                literal = [arg.value if isinstance(arg, ast.Constant) else arg for arg in node.args]
                context = literal[0] if node.func.id == "pgettext" else None
                found.append((name, node.lineno, node.func.id, context, literal[position]))
    return found


def extracted():
    """(context, msgid) of every message Babel's extractor finds in the modules, with its default keywords."""
    return {(context, message) for name in MODULES
            for _line, message, _comments, context in extract_from_file("python", str(ROOT / name))}


def test_every_marked_string_is_a_literal_with_named_placeholders_only():
    marked = marked_strings()
    literals = [entry for entry in marked if isinstance(entry[4], str)]
    assert len(literals) >= 50, "the explorers' strings are not marked"
    for module, line, function, context, message in marked:
        where = f"{module}:{line}"
        if not isinstance(message, str):
            # Only ``_`` takes a variable: a constant that N_ marked where it is defined. Never an
            # f-string, a concatenation or a formatted string, which no catalog can hold.
            assert function == "_" and isinstance(message, (ast.Name, ast.Subscript, ast.Attribute)), \
                f"{where}: {function}() of {ast.dump(message)}"
            continue
        assert context is None or isinstance(context, str), f"{where}: a context that is not a literal"
        assert message == message.strip() and message, f"{where}: {message!r} starts or ends with spaces"
        assert not re.search(r"%(\(\w+\))?[-#0 +]*\d*(\.\d+)?[sdifgexXrac]", message), \
            f"{where}: a %-placeholder in {message!r}"
        for _text, field, spec, conversion in string.Formatter().parse(message):
            if field is None:
                continue
            assert field.isidentifier(), f"{where}: placeholder {{{field}}} is not named, in {message!r}"
            assert not spec and not conversion, f"{where}: {{{field}}} has a format of its own, in {message!r}"


def test_formatted_messages_get_exactly_their_placeholders():
    """``_("...").format(...)``: every placeholder given by name, and nothing else."""
    checked = 0
    for name in MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
                continue
            inner = node.func.value
            if isinstance(inner, ast.Call) and getattr(inner.func, "attr", None) == "escape":   # html.escape(_(...))
                inner = inner.args[0]
            if not (isinstance(inner, ast.Call) and getattr(inner.func, "id", None) in MARKERS):
                continue
            message = inner.args[MARKERS[inner.func.id]]
            if not isinstance(message, ast.Constant):
                continue                            # not a literal: the test above says so
            message = message.value
            wanted = {field for _text, field, _spec, _conv in string.Formatter().parse(message) if field}
            assert not node.args, f"{name}:{node.lineno}: positional arguments to format"
            assert {keyword.arg for keyword in node.keywords} == wanted, f"{name}:{node.lineno}: {message!r}"
            checked += 1
    assert checked >= 20


def test_babel_extracts_every_marked_string():
    """The catalogs are made by extraction: every literal marked here must be what Babel finds."""
    literals = {(context, message) for _module, _line, _function, context, message in marked_strings()
                if isinstance(message, str)}
    assert extracted() == literals


# --------------------------------------------------------------- nothing left in English

#: What the explorers show as it is in every language: the notebook's names, NumPy's, math.
UNTRANSLATED = {"ε", "θ", "gradapprox", "grad", "difference", "float64", "float32", "J", "x", "sin", "nan", "inf",
                *(f"d{block}" for block in numerics.DEFAULT_SHAPES)}


def pseudo_translation():
    """Every extracted message as ⟦message⟧: what shows outside ⟦ ⟧ was not translated."""
    return {(context, message) if context else message: f"⟦{message}⟧" for context, message in extracted()}


def untranslated_words(text):
    """The words of ``text`` (HTML or plain) that lie outside every ⟦translation⟧."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    while True:                                   # translations nest: {verdict} inside its sentence
        inner = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if inner == text:
            break
        text = inner
    words = set(re.findall(r"(?<![\w.+-])[^\W\d]\w*", text))
    return words - UNTRANSLATED


def shown_texts(explorer):
    """Everything an explorer shows in words, after its last update."""
    axes = explorer._figure.axes
    toggles = (explorer.model, explorer.backprop, explorer.method, explorer.precision, explorer.epsilon)
    legend = axes.get_legend()
    return {"descriptions": " ".join(toggle.description for toggle in toggles),
            "options": " ".join(label for toggle in toggles[:4] for label in labels(toggle)),
            "readout": explorer.readout.value, "breakdown": explorer.breakdown.value,
            "caption": explorer.caption.value, "title": explorer._figure.title.get_text(),
            "legend": " ".join(text.get_text() for text in legend.get_texts()) if legend else "",
            "axes": f"{axes.get_xlabel()} {axes.get_ylabel()}"}


def test_nothing_shown_is_left_in_english(speak, solved, monkeypatch, capsys):
    """With every marked string translated, every control, readout, table, title and legend is
    translated in every setting, and so are the static summary and the messages of errors."""
    speak(pseudo_translation())
    seen = set()

    def check(explorer, setting):
        for part, text in shown_texts(explorer).items():
            assert not untranslated_words(text), (setting, part, untranslated_words(text), text)
            seen.add(part)

    def broken(X, Y, cache):
        raise KeyError("dW1")

    def unfinished(*args):
        raise NotImplementedError()

    explorer = gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"],
                                           gradient_check_n=solved["gradient_check_n"])
    for model in gc_explorer.MODELS:
        explorer.model.value = model
        for method in numerics.METHODS:
            explorer.method.value = method
            for precision in numerics.PRECISIONS:
                explorer.precision.value = precision
                for backprop in gc_explorer.BACKPROPS:
                    explorer.backprop.value = backprop
                    check(explorer, (model, method, precision, backprop))
    assert seen == {"descriptions", "options", "readout", "breakdown", "caption", "title", "legend", "axes"}
    one_d = gc_explorer.explore_epsilon(gradient_check=solved["gradient_check"])
    check(one_d, "your gradient_check")
    assert "<td>⟦your gradient_check(2, 4, ε)⟧</td>" in one_d.readout.value
    student_error = gc_explorer.explore_epsilon(gradient_check=unfinished)
    assert "⟦raised NotImplementedError: ⟧" in student_error.readout.value
    backprop_error = gc_explorer.explore_epsilon("network", backprop=broken)
    assert re.fullmatch(r"<p[^>]*>⟦The backpropagation under test raised KeyError: 'dW1'\. "
                        r".*⟦correct reference⟧\.⟧</p>", html.unescape(backprop_error.readout.value))

    for message in (lambda: gc_explorer.explore_epsilon("2-D"), lambda: numerics.one_d_line("cubic"),
                    lambda: numerics.network_line(block="W9"),
                    lambda: numerics.check(numerics.one_d_line(), 1e-5, "x"),
                    lambda: numerics.check(numerics.one_d_line(), 1e-5, "centered", "float16"),
                    lambda: numerics.check(numerics.one_d_line(), 1e-60, "centered", "float32")):
        with pytest.raises(ValueError, match="^⟦.*⟧$"):
            message()

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    for model in gc_explorer.MODELS:
        gc_explorer.explore_epsilon(model, backprop=solved["backward_propagation_n"])
        printed = capsys.readouterr().out
        assert len(printed.splitlines()) == 4
        assert not untranslated_words(printed), (model, untranslated_words(printed), printed)
