"""Build the translated editions from the one English source and the catalogs.

    python -m gc_editions.build [--check]

For each language with a catalog (``gc_editions.catalogs``), an nbgrader assignment of its
own, ``source/gradient_checking_<lang>/`` (nbgrader sums the notebooks of one assignment, so
languages are separate assignments):

- ``Gradient_Checking.ipynb``: the English source with every markdown cell replaced by its
  translation; code cells, cell ids, grade ids, points and metadata identical, so a
  submission earns the same points in every edition;
- ``images/``: the figures with their labels translated;
- ``gc_language`` (the marker that makes the helpers speak the language) and
  ``gc_messages.mo`` (its compiled catalog);
- links to the one copy of each helper module at the root.

Everything here is generated: edit the English source or a catalog's msgstr, then run
``scripts/generate``, which runs this, ``nbgrader generate_assignment`` for each edition and
the self-study editions. An edition whose catalog has a missing or fuzzy entry, or a
translation that loses the English's code or formulas, is refused (exit 2): nothing of it
is written. With ``--check`` nothing is written: the command lists every file that differs
from what it would generate and exits 1 if there is any.
"""

import argparse
import os
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import nbformat

from gc_editions import catalogs
from gc_grader.assignment import ASSIGNMENT, HELPERS, NOTEBOOK_FILE
from gc_i18n import CATALOG, MARKER

ROOT = catalogs.ROOT
SOURCE_DIR = catalogs.SOURCE_DIR


class EditionError(Exception):
    """An edition cannot be built from its catalog; the message says why and what to do."""


def shown(path):
    """``path`` relative to the repository when it is inside it, for messages."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


def assignment_of(lang):
    """The nbgrader assignment of the edition in ``lang``."""
    return ASSIGNMENT if lang == "en" else f"{ASSIGNMENT}_{lang}"


def complete_catalog(lang):
    """The catalog of ``lang``, refusing one that cannot make an edition."""
    path = catalogs.po_path(lang)
    if not path.is_file():
        raise EditionError(f"{shown(path)} is missing; run python -m gc_editions.catalogs")
    catalog = catalogs.read(path)
    pot = catalogs.template()
    stale = [message for message in pot if message.id and catalog.get(message.id, message.context) is None]
    problems = [f"{kind} [{context or ''}] {_first_line(english)}" for kind, context, english in catalogs.incomplete(catalog)]
    problems += [f"not in the catalog yet [{message.context or ''}] {_first_line(message.id)}" for message in stale]
    problems += catalogs.lint(lang)
    if problems:
        listed = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise EditionError(f"the {lang} catalog cannot make an edition ({len(problems)} problems); translate or "
                           f"review these in {shown(path)}, then run scripts/generate:\n  {listed}")
    return catalog


def _first_line(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 70 else line[:70] + "..."


def translate(catalog, context, english):
    """The translation of ``english`` (in ``context``); the catalog is complete, so there is one."""
    message = catalog.get(english, context)
    return message.string


def translated_notebook(path, catalog):
    """The notebook at ``path`` with each markdown cell in the catalog's language; code untouched."""
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = translate(catalog, cell.id, cell.source)
    return notebook


def translated_figure(path, catalog):
    """The SVG at ``path`` with each label in the catalog's language (the text of the file is kept
    as it is around them, so the figure's layout and markup do not change)."""
    text = path.read_text(encoding="utf-8")
    context = catalogs.figure_context(path)
    for label in catalogs.figure_labels(path):
        # The label as an element's text, or as what follows a </tspan> in its <text>.
        pattern = re.compile(r"(<(?:text|tspan|title|desc)\b[^>]*>|</tspan>)" + re.escape(escape(label)) + r"(</)")
        text = pattern.sub(lambda match: match.group(1) + escape(translate(catalog, context, label)) + match.group(2),
                           text)
    return text.encode("utf-8")


def notebook_bytes(notebook):
    nbformat.validate(notebook)
    text = nbformat.writes(notebook, version=nbformat.NO_CONVERT)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def edition_files(lang):
    """What ``source/<assignment>/`` of ``lang`` must hold: relative path -> ("file", bytes) or
    ("link", target)."""
    catalog = complete_catalog(lang)
    files = {NOTEBOOK_FILE: ("file", notebook_bytes(translated_notebook(SOURCE_DIR / NOTEBOOK_FILE, catalog))),
             MARKER: ("file", f"{lang}\n".encode()),
             CATALOG: ("file", catalogs.render_mo(catalog))}
    for figure in sorted((SOURCE_DIR / "images").glob("*.svg")):
        files[f"images/{figure.name}"] = ("file", translated_figure(figure, catalog))
    for name in HELPERS:
        files[name] = ("link", os.path.relpath(ROOT / name, ROOT / "source" / assignment_of(lang)))
    for other in catalogs.TRANSLATED:
        files[f"gc_messages.{other}.mo"] = ("link", os.path.relpath(catalogs.mo_path(other),
                                                                     ROOT / "source" / assignment_of(lang)))
    return files


def _present(path):
    if path.is_symlink():
        return ("link", os.readlink(path))
    if path.is_file():
        return ("file", path.read_bytes())
    return None


def differences(lang, files):
    folder = ROOT / "source" / assignment_of(lang)
    problems = [name for name, wanted in files.items() if _present(folder / name) != wanted]
    if folder.is_dir():
        problems += [str(path.relative_to(folder)) for path in sorted(folder.rglob("*"))
                     if (path.is_file() or path.is_symlink()) and str(path.relative_to(folder)) not in files
                     and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts]
    return problems


def write(lang, files):
    folder = ROOT / "source" / assignment_of(lang)
    changed = []
    for name, (kind, content) in files.items():
        path = folder / name
        if _present(path) == (kind, content):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        if kind == "link":
            path.symlink_to(content)
        else:
            path.write_bytes(content)
        changed.append(name)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if an edition differs")
    args = parser.parse_args(argv)
    try:
        # Everything is computed first: a refused catalog leaves every edition as it was.
        editions = {lang: edition_files(lang) for lang in catalogs.TRANSLATED}
    except EditionError as error:
        print(f"build: error: {error}", file=sys.stderr)
        return 2
    stale = False
    for lang, files in editions.items():
        folder = f"source/{assignment_of(lang)}"
        if args.check:
            problems = differences(lang, files)
            stale = stale or bool(problems)
            print(f"build: {folder}: " + (f"differs: {', '.join(problems)}" if problems else "up to date"))
        else:
            changed = write(lang, files)
            print(f"build: {folder}: " + (f"updated {', '.join(changed)}" if changed else "up to date"))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
