"""The translation catalogs: every text of the assignment a learner or an instructor reads, kept
in step with the one English source.

    python -m gc_editions.catalogs [--check]

What there is to translate (the template, ``locale/gradient_checking.pot``, generated):
- each markdown cell of the source notebook and of the explorer's template, whole, with its
  cell id as context;
- each label of the figures (``images/*.svg``), with the figure's path as context;
- each sentence the code shows at run time, marked ``N_``/``_`` (see ``gc_i18n``): the
  public tests, the hidden checks' feedback, the explorers, grade-class's summary.

The translations live in ``locale/<language>/LC_MESSAGES/gradient_checking.po``, the only
files translators edit. This command merges the template into them (a new text gets an
empty entry; a text changed in English keeps its old translation, marked fuzzy, for a
translator to review against the new English) and compiles each into its ``.mo``. With ``--check`` it writes
nothing and exits 1 when a catalog is out of step with the source.

An edition is built only from a complete catalog: ``incomplete`` lists what is missing or
fuzzy, and ``gc_editions.build`` refuses to ship an edition while it lists anything.
"""

import argparse
import datetime
import io
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import nbformat
from babel.messages import extract
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from gc_i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
SOURCE_DIR = ROOT / "source" / "gradient_checking"
NOTEBOOKS = (SOURCE_DIR / "Gradient_Checking.ipynb", ROOT / "self_study" / "Epsilon_Explorer.ipynb")
FIGURES = SOURCE_DIR / "images"
#: The code whose run-time sentences are translated.
CODE = ("public_tests.py", "gc_explorer.py", "gc_epsilon.py", "gc_grader/checks/cases.py",
        "gc_grader/checks/verdicts.py", "gc_grader/judge/verdict.py", "gc_grader/plugins/judge_outside_kernel.py",
        "gc_grader/pages/exercise_titles.py", "gc_grader/class_grading/report.py")
#: How the code marks a sentence (gc_i18n's functions).
KEYWORDS = {"_": None, "N_": None, "pgettext": ((1, "c"), 2)}
#: The languages that have a catalog (English is the source).
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != "en")
SVG = "{http://www.w3.org/2000/svg}"
#: Fixed header dates and comment: the catalogs depend on their inputs only, not on the day they were made.
EPOCH = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)
HEADER = """\
# Translations of the gradient checking assignment ({language}).
# Generated from the English source by gc_editions.catalogs; translators edit msgstr only.
#"""


def po_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


# ---------------------------------------------------------------- what there is to translate


def markdown_cells(path):
    """(cell id, text) of every markdown cell of the notebook at ``path`` that has text."""
    notebook = nbformat.read(str(path), as_version=4)
    return [(cell.id, cell.source) for cell in notebook.cells if cell.cell_type == "markdown" and cell.source.strip()]


def figure_labels(path):
    """The texts of the figure at ``path`` that a reader reads: those of <text>, <tspan>, <title>
    and <desc>, and what follows a <tspan> inside its <text> (``<tspan>W1</tspan>  rows 0–19``)."""
    labels = []
    for element in ElementTree.parse(path).iter():
        texts = []
        if element.tag in (SVG + "text", SVG + "tspan", SVG + "title", SVG + "desc"):
            texts.append(element.text)
        if element.tag == SVG + "tspan":
            texts.append(element.tail)
        for text in texts:
            if (text or "").strip() and text not in labels:
                labels.append(text)
    return labels


def figure_context(path):
    return f"images/{Path(path).name}"


def code_messages():
    """(message, context, file and line) of every marked sentence of the code, in order."""
    found = []
    for name in CODE:
        with open(ROOT / name, "rb") as source:
            for lineno, message, comments, context in extract.extract(
                    "python", source, keywords=KEYWORDS, comment_tags=("Translators:",), options={}):
                found.append((message, context, (name, lineno), comments))
    return found


def template():
    """The template catalog: every text to translate, from the English source as it is now."""
    catalog = Catalog(project="gradient-checking", domain=DOMAIN, fuzzy=False, creation_date=EPOCH,
                      revision_date=EPOCH, header_comment=HEADER.format(language="template"))
    for path in NOTEBOOKS:
        for cell_id, text in markdown_cells(path):
            if (text, cell_id) not in catalog:      # the template's copies of source cells
                # Markdown's braces are LaTeX's, not placeholders: say so, or Babel and msgfmt guess.
                catalog.add(text, context=cell_id, flags=("markdown", "no-python-brace-format"))
                catalog.get(text, cell_id).flags.discard("python-brace-format")
    for figure in sorted(FIGURES.glob("*.svg")):
        for label in figure_labels(figure):
            catalog.add(label, context=figure_context(figure), flags=("no-python-brace-format",))
            catalog.get(label, figure_context(figure)).flags.discard("python-brace-format")
    for message, context, location, comments in code_messages():
        flags = ("python-brace-format",) if "{" in message else ()
        existing = catalog.get(message, context)
        if existing is None:
            catalog.add(message, context=context, locations=[location], flags=flags, auto_comments=comments)
        else:
            existing.locations.append(location)
    return catalog


# ---------------------------------------------------------------- the catalogs


def read(path):
    with open(path, "rb") as source:
        return read_po(source)


def render_po(catalog):
    """The bytes of ``catalog`` as a .po file: sorted by where each text comes from, no line
    numbers (a moved line must not make every catalog change), wrapped as gettext does."""
    out = io.BytesIO()
    # No "#| msgid" of the previous English: Babel writes a multi-line one that gettext's tools
    # cannot read (and reads its own back differently); git keeps the previous English anyway.
    write_po(out, catalog, width=79, omit_header=False, include_previous=False, include_lineno=False,
             sort_by_file=False, ignore_obsolete=True)
    return out.getvalue()


def render_mo(catalog):
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def merged(lang, pot):
    """The catalog of ``lang`` updated to the template ``pot`` (new texts empty, changed ones fuzzy)."""
    path = po_path(lang)
    catalog = read(path) if path.is_file() else Catalog(
        locale=lang, domain=DOMAIN, project="gradient-checking", creation_date=EPOCH, revision_date=EPOCH,
        header_comment=HEADER.format(language=lang), fuzzy=False, version="1",
        last_translator="gradient-checking authors", language_team=f"gradient-checking {lang}",
        msgid_bugs_address="the project's issue tracker")
    catalog.update(pot, update_header_comment=False, keep_user_comments=True, update_creation_date=False)
    return catalog


def incomplete(catalog):
    """What an edition cannot ship with: (reason, context, English) of each missing or fuzzy entry."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.context, message.id))
        elif not message.string:
            problems.append(("missing", message.context, message.id))
    return problems


#: What a translation must keep exactly as the English has it (each found in order, as a multiset):
#: code spans, display and inline formulas, link and image targets, {placeholders}, and the
#: markdown headings' levels.
_KEPT = {
    "code span": re.compile(r"`[^`]+`"),
    "display formula": re.compile(r"\$\$.+?\$\$", re.S),
    "inline formula": re.compile(r"(?<!\$)\$(?!\$)[^$]+?\$"),
    "link target": re.compile(r"\]\(([^)]+)\)"),
    "placeholder": re.compile(r"(?<!\\)\{(\w+)\}"),
    "heading": re.compile(r"^#+ ", re.M),
}


def unkept(message):
    """What the translation of ``message`` lost or changed of the English: [(kind, English, translated)]."""
    if not message.string:
        return []
    problems = []
    for kind, pattern in _KEPT.items():
        if kind == "placeholder" and "markdown" in message.flags:
            continue                     # LaTeX braces, compared as formulas
        english, translated = sorted(pattern.findall(message.id)), sorted(pattern.findall(message.string))
        if english != translated:
            problems.append((kind, english, translated))
    return problems


def lint(lang):
    """Lines describing every entry of ``lang``'s catalog whose translation does not keep the English's
    code, formulas, links and placeholders."""
    lines = []
    for message in read(po_path(lang)):
        for kind, english, translated in unkept(message) if message.id else ():
            lines.append(f"{lang}: [{message.context or ''}] {kind}: English has {english}, translation has {translated}")
    return lines


def generated_files():
    """Path -> bytes of everything this module writes, computed before anything is written."""
    pot = template()
    files = {TEMPLATE: render_po(pot)}
    for lang in TRANSLATED:
        catalog = merged(lang, pot)
        files[po_path(lang)] = render_po(catalog)
        files[mo_path(lang)] = render_mo(catalog)
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a catalog is out of step")
    parser.add_argument("--lint", metavar="LANG", choices=TRANSLATED,
                        help="write nothing; list the translations of LANG that lose code, formulas, links or "
                             "placeholders of the English (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.lint:
        problems = lint(args.lint)
        print("\n".join(problems) or f"catalogs: {args.lint}: every translation keeps the English's code and formulas")
        return 1 if problems else 0
    stale = []
    for path, data in generated_files().items():
        if not path.is_file() or path.read_bytes() != data:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    shown = ", ".join(str(path.relative_to(ROOT)) for path in stale) or "nothing"
    print(f"catalogs: {'out of step' if args.check else 'updated'}: {shown}")
    for lang in TRANSLATED:
        problems = incomplete(read(po_path(lang))) if po_path(lang).is_file() else [("missing", None, "everything")]
        if problems:
            print(f"catalogs: {lang}: {len(problems)} entries to translate or review (missing or fuzzy)")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
