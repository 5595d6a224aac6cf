"""The Spanish and Chinese editions: catalogs in step with the English source, complete and
faithful, and every generated edition in sync with source and catalogs.

The English notebook is the only place the assignment is edited; a translation lives in its
catalog (locale/<lang>/LC_MESSAGES/gradient_checking.po). These tests read the committed
files as a person would check them: msgfmt --check, the code and formulas of each entry, the
editions' code cells and grade ids, and the editions' sync with what the build makes.
"""

import filecmp
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from course import ROOT, SOURCE_NB, copy_course, run_nbgrader
from gc_editions import build, catalogs, self_study
from gc_grader.assignment import NOTEBOOK_FILE

LANGS = catalogs.TRANSLATED


def run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_catalogs_are_in_step_with_the_english_source():
    proc = run("gc_editions.catalogs", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "out of step: nothing" in proc.stdout


@pytest.mark.parametrize("lang", LANGS)
def test_each_catalog_is_complete_and_passes_msgfmt_check(lang):
    catalog = catalogs.read(catalogs.po_path(lang))
    assert catalogs.incomplete(catalog) == []
    proc = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(catalogs.po_path(lang))],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_each_translation_keeps_the_code_formulas_links_and_placeholders(lang):
    assert catalogs.lint(lang) == []


def test_every_marked_sentence_of_the_code_is_in_the_template():
    """Babel's extractor reads no call inside an f-string: a sentence marked there would never be
    translated. Every literal given to _, N_ or pgettext, wherever it is, must be in the template."""
    import ast
    template = catalogs.template()
    for name in catalogs.CODE:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "pgettext"):
                literals = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
                context, message = (literals[0], literals[1]) if node.func.id == "pgettext" and len(literals) > 1 \
                    else (None, literals[0] if literals else None)
                if message is not None:
                    assert template.get(message, context) is not None, f"{name}:{node.lineno}: {message!r} is not extracted"


def test_no_translated_module_uses_underscore_as_a_variable():
    """``_`` translates: a module that also assigns it (``for _ in``, ``x, _ = ...``) would call a
    number or a tuple where it means to translate, and only in the branch that shows a message."""
    import ast
    for name in catalogs.CODE:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            assert not (isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)), \
                f"{name}:{node.lineno} assigns _"


def test_lint_sees_a_lost_formula_code_span_and_placeholder():
    from babel.messages.catalog import Message
    markdown = Message("Compute $J(\\theta)$ with `forward_propagation`, see ![x](images/a.svg).",
                       "Calcula J con forward_propagation, mira ![x](images/b.svg).", flags=("markdown",))
    kinds = {kind for kind, _, _ in catalogs.unkept(markdown)}
    assert kinds == {"inline formula", "code span", "link target"}
    sentence = Message("{name} failed its test.", "{nombre} no pasó su prueba.")
    assert [kind for kind, _, _ in catalogs.unkept(sentence)] == ["placeholder"]


def test_an_english_change_makes_its_translation_fuzzy_and_the_build_refuses(tmp_path, monkeypatch):
    """Edit one markdown cell of the English source: its translation is kept but fuzzy, and the
    edition cannot be built until a translator reviews it."""
    source = nbformat.read(str(SOURCE_NB), as_version=4)
    cell = next(c for c in source.cells if c.id == "ex1-intro")
    cell.source += "\nA sentence the translators have not seen."
    edited = tmp_path / NOTEBOOK_FILE
    nbformat.write(source, str(edited))
    monkeypatch.setattr(catalogs, "NOTEBOOKS", (edited, *catalogs.NOTEBOOKS[1:]))
    lang = LANGS[0]
    merged = catalogs.merged(lang, catalogs.template())
    message = merged.get(cell.source, "ex1-intro")
    assert message.fuzzy and message.string and message.previous_id
    po = tmp_path / "gradient_checking.po"
    po.write_bytes(catalogs.render_po(merged))
    monkeypatch.setattr(catalogs, "po_path", lambda _: po)
    with pytest.raises(build.EditionError, match=r"fuzzy \[ex1-intro\]"):
        build.complete_catalog(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_each_edition_is_what_the_build_makes(lang):
    proc = run("gc_editions.build", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"source/{build.assignment_of(lang)}: up to date" in proc.stdout


@pytest.mark.parametrize("lang", LANGS)
def test_each_self_study_edition_is_what_the_generator_makes(lang):
    proc = run("gc_editions.self_study", "--lang", lang, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_code_cells_grade_ids_and_points_are_those_of_the_english(lang):
    def graded(path):
        notebook = nbformat.read(str(path), as_version=4)
        def grading(cell):
            meta = dict(cell.metadata.get("nbgrader", {}))
            if cell.cell_type == "markdown":
                meta.pop("checksum", None)     # a locked markdown cell's checksum is of its (translated) text
            return meta
        return [(cell.id, cell.cell_type, cell.source if cell.cell_type == "code" else None, grading(cell))
                for cell in notebook.cells]
    for folder in ("source", "release"):
        english = graded(ROOT / folder / "gradient_checking" / NOTEBOOK_FILE)
        translated = graded(ROOT / folder / build.assignment_of(lang) / NOTEBOOK_FILE)
        assert translated == english, folder


@pytest.mark.parametrize("lang", LANGS)
def test_every_markdown_cell_and_figure_label_is_translated(lang):
    english = nbformat.read(str(SOURCE_NB), as_version=4)
    translated = nbformat.read(str(ROOT / "source" / build.assignment_of(lang) / NOTEBOOK_FILE), as_version=4)
    changed = [a.source != b.source for a, b in zip(english.cells, translated.cells) if a.cell_type == "markdown"]
    assert all(changed), "a markdown cell is still in English"
    for figure in (ROOT / "source" / "gradient_checking" / "images").glob("*.svg"):
        words = [label for label in catalogs.figure_labels(figure) if re.search(r"[a-z]{3,} [a-z]{2,}", label)]
        ours = (ROOT / "source" / build.assignment_of(lang) / "images" / figure.name).read_text(encoding="utf-8")
        assert words and not any(f">{word}<" in ours for word in words), figure.name


def test_the_edition_speaks_its_language_at_run_time(tmp_path):
    """A copy of the Spanish edition's helpers, marker and catalog: the public tests speak Spanish
    there, and English where there is no marker (unless GC_LANGUAGE says otherwise)."""
    lang = "es"
    folder = ROOT / "source" / build.assignment_of(lang)
    edition = tmp_path / "edition"
    edition.mkdir()
    for path in folder.iterdir():
        if path.is_file():
            shutil.copy(path, edition / path.name)
    code = ("import public_tests\n"
            "try:\n    public_tests.forward_propagation_test(lambda x, theta: theta + x)\n"
            "except public_tests.TestFailed as failure:\n    print(failure)\n")
    spanish = subprocess.run([sys.executable, "-c", code], cwd=edition, capture_output=True, text=True)
    english_key = "forward_propagation failed its test."
    catalog = catalogs.read(catalogs.po_path(lang))
    expected = catalog.get("{name} failed its test.").string.format(name="forward_propagation")
    assert expected != english_key and expected in spanish.stdout, spanish.stdout + spanish.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    for name in ("public_tests.py", "gc_i18n.py", "testCases.py", "gc_utils.py"):
        shutil.copy(edition / name, plain / name)
    english = subprocess.run([sys.executable, "-c", code], cwd=plain, capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin"})
    assert english_key in english.stdout, english.stdout + english.stderr


@pytest.mark.parametrize("lang", LANGS)
def test_gc_language_translates_the_english_release_wherever_it_is_copied(tmp_path, lang):
    """A student's copy of the English release: run-time sentences in ``lang`` with GC_LANGUAGE
    (every edition ships each catalog by its language), English without it."""
    copy = tmp_path / "release"
    shutil.copytree(ROOT / "release" / "gradient_checking", copy)
    code = ("import public_tests\n"
            "try:\n    public_tests.forward_propagation_test(lambda x, theta: theta + x)\n"
            "except public_tests.TestFailed as failure:\n    print(failure)\n")
    translated = catalogs.read(catalogs.po_path(lang)).get("{name} failed its test.").string.format(
        name="forward_propagation")
    for env, expected in (({"GC_LANGUAGE": lang}, translated), ({}, "forward_propagation failed its test.")):
        proc = subprocess.run([sys.executable, "-c", code], cwd=copy, capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", **env})
        assert expected in proc.stdout, proc.stdout + proc.stderr


def test_the_self_study_paths_of_each_language():
    for lang in LANGS:
        release_nb, source_nb, out, links = self_study.edition_paths(lang)
        assert out == ROOT / f"notebooks_{lang}" and "gc_language" in links
        assert release_nb.parent.name == source_nb.parent.name == build.assignment_of(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_nbgrader_validates_each_edition_solved_and_fails_it_blank(lang):
    """The edition's source (solved) passes every test in its own folder, where the helpers speak
    its language; its release, unanswered, passes none."""
    assignment = build.assignment_of(lang)
    proc = run_nbgrader(ROOT, "validate", ROOT / "source" / assignment / NOTEBOOK_FILE)
    assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout
    proc = run_nbgrader(ROOT, "validate", "--invert", ROOT / "release" / assignment / NOTEBOOK_FILE)
    assert "Success! The notebook does not pass any tests." in proc.stdout, proc.stdout


@pytest.mark.parametrize("lang", LANGS)
def test_each_committed_release_equals_a_fresh_generate_assignment(generated_course, tmp_path, lang):
    assignment = build.assignment_of(lang)
    course = copy_course(generated_course, tmp_path / "course")
    run_nbgrader(course, "generate_assignment", assignment)
    fresh, committed = course / "release" / assignment, ROOT / "release" / assignment
    names = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(committed)) for p in committed.rglob("*")
                           if p.is_file() and "__pycache__" not in p.parts)
    assert [name for name in names if not filecmp.cmp(fresh / name, committed / name, shallow=False)] == []
