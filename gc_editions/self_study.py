"""Generate the self-study edition of the assignment, ``notebooks/``, for JupyterLab without nbgrader.

    python -m gc_editions.self_study [--template PATH] [--out DIR] [--check]

``notebooks/`` is generated, never edited by hand (``scripts/generate`` regenerates it):

- ``Gradient_Checking.ipynb``: the student version nbgrader generated in ``release/``
  (solutions and hidden tests already removed), without outputs, execution counts or
  widget state. Cell ids are kept, and so is the nbgrader metadata of its cells, exactly
  as nbgrader released it (grade ids, points, which cells are answers, tests or locked,
  and the checksums of the released text; nothing of the solutions): nbgrader's Validate
  button in the self-study lab needs it to run the public tests as in the course, and a
  plain JupyterLab ignores it.
- ``Epsilon_Explorer.ipynb``: the template ``self_study/Epsilon_Explorer.ipynb``, in which
  every cell whose id is also a cell id of the source assignment gets that cell's text
  (one copy of, say, the given ``backward-propagation-n`` with its two planted bugs), then
  cleaned the same way, and of all nbgrader metadata too: nothing in it is graded.
- relative symlinks to the helper modules at the root and to the source's ``images/``.

With ``--check`` nothing is written: the command lists every file of the output folder
that differs from what it would generate and exits 1 if there is any. Inputs that cannot
make the edition (a missing release or template, a template cell whose type differs from
the source cell with its id, or one that would copy a solution) exit 2 with a message.

Everything is computed before anything is written, so an error leaves the folder as it was.
The output depends only on the input files: the same inputs give the same bytes.
"""

import argparse
import os
import sys
from pathlib import Path

import nbformat

from gc_grader.assignment import ASSIGNMENT, CATALOG_FILES, HELPERS, LANGUAGE_FILES, NOTEBOOK_FILE as NOTEBOOK
from gc_i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
EXPLORER = "Epsilon_Explorer.ipynb"
SOURCE_NB = ROOT / "source" / ASSIGNMENT / NOTEBOOK
RELEASE_NB = ROOT / "release" / ASSIGNMENT / NOTEBOOK
TEMPLATE = ROOT / "self_study" / EXPLORER
OUT = ROOT / "notebooks"

#: Links: name in the output folder -> what it points to (each helper exists once, at the root).
LINKS = {**{name: ROOT / name for name in HELPERS}, "images": ROOT / "source" / ASSIGNMENT / "images",
         **{name: ROOT / "source" / ASSIGNMENT / name for name in CATALOG_FILES}}
#: Left in the output folder by running a notebook in place; neither generated nor reported.
IGNORED = {".ipynb_checkpoints", "__pycache__"}

#: Text that marks instructor-only code in the source notebook.
SECRET_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class GenerateError(Exception):
    """The inputs cannot make a self-study edition; the message says why and what to do."""


def shown(path):
    """``path`` relative to the repository when it is inside it, for messages."""
    path = Path(path)
    path = path.parent.resolve() / path.name   # a link is shown as itself, not as its target
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def read(path, what):
    if not Path(path).is_file():
        hint = {
            "release notebook": "; run scripts/generate, which runs "
                                f"`nbgrader generate_assignment {ASSIGNMENT} --force --no-db` first",
            "template": "; pass another one with --template",
        }.get(what, "")
        raise GenerateError(f"{what} {shown(path)} not found{hint}")
    return nbformat.read(str(path), as_version=4)


def clean(nb, keep_grading=False):
    """Strip what learners' JupyterLab does not need: outputs, widget state, the instructor's
    toolbar and, unless ``keep_grading``, the nbgrader metadata of every cell.

    ``keep_grading`` keeps each cell's nbgrader metadata as it is: what nbgrader's Validate
    reads to know which cells are tests (and their points), which are answers and which
    are locked (with the checksum of their released text). The notebook's own nbgrader
    metadata is never needed there, so it always goes.
    """
    nb.metadata.pop("nbgrader", None)
    nb.metadata.pop("widgets", None)
    # The classic Notebook's cell toolbar, set to nbgrader's when an instructor used it.
    if nb.metadata.get("celltoolbar") == "Create Assignment":
        del nb.metadata["celltoolbar"]
    for cell in nb.cells:
        if not keep_grading:
            cell.metadata.pop("nbgrader", None)
        cell.metadata.pop("execution", None)   # execution timings, an output of a run
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def fill_template(template, source, template_path=TEMPLATE, source_path=SOURCE_NB):
    """Give every template cell whose id is a source cell's id that cell's text."""
    by_id = {cell.get("id"): cell for cell in source.cells}
    for index, cell in enumerate(template.cells):
        cell_id = cell.get("id")
        if not cell_id:
            raise GenerateError(f"{shown(template_path)}: cell {index} has no id; save the template "
                                "as nbformat 4.5 or newer (any recent JupyterLab does)")
        given = by_id.get(cell_id)
        if given is None:
            continue
        if given.cell_type != cell.cell_type:
            raise GenerateError(
                f"{shown(template_path)}: cell {cell_id!r} is a {cell.cell_type} cell, but the cell with "
                f"that id in {shown(source_path)} is a {given.cell_type} cell; change the template cell's "
                "type, or give it another id if it should not be copied from the source")
        meta = given.metadata.get("nbgrader", {})
        if meta.get("solution") or any(marker in given.source for marker in SECRET_MARKERS):
            raise GenerateError(
                f"{shown(template_path)}: cell {cell_id!r} would copy a solution or hidden tests from "
                f"{shown(source_path)}; give the template cell another id")
        cell.source = given.source
    return template


def link_target(name, out, links=None):
    """The relative path the link ``out/name`` holds."""
    return os.path.relpath((links or LINKS)[name], Path(out).resolve())


def edition_paths(lang):
    """(release notebook, source notebook, output folder, links) of the self-study edition in ``lang``:
    English is notebooks/; a translation is notebooks_<lang>/, made from its own nbgrader assignment
    (gc_editions.build), with its figures, marker and catalog."""
    if lang == "en":
        return RELEASE_NB, SOURCE_NB, OUT, LINKS
    assignment = f"{ASSIGNMENT}_{lang}"
    source = ROOT / "source" / assignment
    links = {**{name: ROOT / name for name in HELPERS}, "images": source / "images",
             **{name: source / name for name in LANGUAGE_FILES + CATALOG_FILES}}
    return ROOT / "release" / assignment / NOTEBOOK, source / NOTEBOOK, ROOT / f"notebooks_{lang}", links


def build(release_nb=RELEASE_NB, source_nb=SOURCE_NB, template=TEMPLATE, out=OUT, links=None, translate=None):
    """What the output folder must hold: name -> ("file", bytes) or ("link", target).

    ``translate(cell_id, text)`` gives the template's own markdown cells in the edition's
    language (those copied from the source notebook come translated already)."""
    links = links or LINKS
    student = read(release_nb, "release notebook")
    explorer = read(template, "template")
    if translate:
        for cell in explorer.cells:
            if cell.cell_type == "markdown" and cell.source.strip():
                cell.source = translate(cell.get("id"), cell.source)
    explorer = fill_template(explorer, read(source_nb, "source notebook"), template, source_nb)
    wanted = {}
    for name, nb, keep_grading in ((NOTEBOOK, student, True), (EXPLORER, explorer, False)):
        clean(nb, keep_grading)
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as error:
            raise GenerateError(f"{name} would not be a valid notebook: {error.message}") from None
        text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
        wanted[name] = ("file", (text if text.endswith("\n") else text + "\n").encode("utf-8"))
    for name, target in links.items():
        # A helper that does not exist (yet) at the root is not linked.
        if target.exists():
            wanted[name] = ("link", link_target(name, out, links))
    return wanted


def present(path):
    """What is at ``path``: ("link", target), ("file", bytes), ("other", None) or None."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    if path.is_file():
        return ("file", path.read_bytes())
    if path.exists():
        return ("other", None)
    return None


def differences(wanted, out):
    """[(name, what is wrong)] for the output folder against ``wanted``."""
    out = Path(out)
    problems = []
    for name, (kind, content) in wanted.items():
        have = present(out / name)
        if have is None:
            problems.append((name, "missing"))
        elif have != (kind, content):
            expected = f"a link to {content}" if kind == "link" else "the generated notebook"
            problems.append((name, f"differs (should be {expected})"))
    if out.is_dir():
        for path in sorted(out.iterdir()):
            if path.name not in wanted and path.name not in IGNORED:
                stale = path.name in LINKS and path.is_symlink()
                problems.append((path.name, "stale link: its target does not exist" if stale else "not generated"))
    return problems


def write(wanted, out):
    """Make the output folder hold ``wanted``; touch only what differs. Returns the names changed."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, (kind, content) in wanted.items():
        path = out / name
        if present(path) == (kind, content):
            continue
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            raise GenerateError(f"{shown(path)} is in the way; remove it")
        if kind == "link":
            path.symlink_to(content)
        else:
            path.write_bytes(content)
        changed.append(name)
    # A link to a helper that no longer exists at the root would break the notebooks.
    for name in LINKS:
        path = out / name
        if name not in wanted and path.is_symlink():
            path.unlink()
            changed.append(name)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m gc_editions.self_study",
        description="Generate the self-study edition (notebooks/) from the release and the source "
                    "notebook. scripts/generate runs nbgrader, then this.")
    parser.add_argument("--lang", default="en", choices=LANGUAGES,
                        help="the edition's language (default en: notebooks/; others: notebooks_<lang>/, from "
                             "source/gradient_checking_<lang>/ and its release)")
    parser.add_argument("--template", type=Path, default=TEMPLATE,
                        help=f"the explorer notebook's template (default: {shown(TEMPLATE)})")
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default: {shown(OUT)} for English)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; list what differs from what would be generated and exit 1 if anything does")
    args = parser.parse_args(argv)
    release_nb, source_nb, out, links = edition_paths(args.lang)
    args.out = args.out or out
    translate = None
    if args.lang != "en":
        from gc_editions import catalogs
        catalog = catalogs.read(catalogs.po_path(args.lang))
        translate = lambda cell_id, text: catalog.get(text, cell_id).string  # noqa: E731 (the build checked it is there)
    try:
        wanted = build(release_nb, source_nb, args.template, args.out, links, translate)
        if args.check:
            problems = differences(wanted, args.out)
            if problems:
                print(f"self_study: {shown(args.out)}/ is not what scripts/generate makes:", file=sys.stderr)
                for name, what in problems:
                    print(f"  {shown(args.out / name)}: {what}", file=sys.stderr)
                return 1
            print(f"self_study: {shown(args.out)}/ is up to date")
            return 0
        for problem in differences(wanted, args.out):
            if problem[1] == "not generated":
                print(f"self_study: warning: {shown(args.out / problem[0])} is not generated; remove it",
                      file=sys.stderr)
        changed = write(wanted, args.out)
    except GenerateError as error:
        print(f"self_study: error: {error}", file=sys.stderr)
        return 2
    print(f"self_study: {shown(args.out)}/: " + (f"updated {', '.join(changed)}" if changed else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
