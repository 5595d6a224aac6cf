"""nbgrader's Validate button in the self-study lab: it judges the assignment as in the course,
and says so when a notebook has nothing for it to judge.

``./start-lab`` serves the learner's copy of ``notebooks/`` in a JupyterLab that has
nbgrader's lab extensions (they come with nbgrader in the virtual environment), so every
notebook has nbgrader's *Validate* button. The button saves the notebook, then posts its
path to the server's ``/assignments/validate``, and shows what comes back in a dialog.

**What Validate does on the assignment.** nbgrader's own handler, unchanged: it runs
nbgrader's ``Validator``, which runs the whole notebook in a fresh kernel and lists every
graded test cell that raised or wrote to stderr ("The following cell failed: ...", with
the error), else says "Success! Your notebook passes all the tests." Which cells are
tests is read from the cells' nbgrader metadata, which the self-study edition keeps as
nbgrader released it (``gc_editions.self_study``): an untouched copy fails on the four
test cells (each exercise still raises ``NotImplementedError``), a solved one passes.
Locked cells whose text changed are reported too, as in the course. In the lab that
``./start-lab`` runs:

- the configuration is nbgrader's defaults: the handler reads ``nbgrader_config.py`` from
  the server's working directory (``workspace/``, which has none) and from Jupyter's
  config path, never the course's (whose grading kernel and plugins are for instructors);
- so the kernel is the one the notebook names, ``python3``, as the server resolves it:
  this virtual environment's ipykernel, the same kernel the learner works in, started
  in the notebook's folder (where the helper modules are); each cell may run 30 s;
- it needs no privilege and works as root (``./start-lab`` adds ``--allow-root`` then):
  the kernel is an ordinary child process of the server.

**What this extension adds.** A notebook with no graded cell gives nbgrader's Validator
nothing to check, and nbgrader then reports "Success! Your notebook passes all the tests."
That is not true of the epsilon explorer (it has no tests: nothing in it is an exercise),
nor of an assignment copy made by an older ``./start-lab`` (which stripped the graded
cells' metadata). For such a notebook this handler answers that there is nothing to
validate, and why, instead of running it; nbgrader's dialog shows that answer under its
heading for a validation that could not run. Every other request goes to nbgrader's
handler as it is. ``./start-lab`` loads this module as a server extension in place of
``nbgrader.server_extensions.validate_assignment`` (the same two routes, the version
check untouched).
"""

import textwrap
from pathlib import Path

import nbformat
from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_validate
from nbgrader.utils import is_grade

#: The one notebook of the self-study edition that Validate can judge.
ASSIGNMENT_NOTEBOOK = "Gradient_Checking.ipynb"
#: nbgrader's dialog shows the answer in a <pre> as it is: lines short enough to read.
WIDTH = 78


def nothing_to_validate(path):
    """Why Validate cannot judge the notebook at ``path`` (text for nbgrader's dialog), or None if it can.

    It can judge a notebook with at least one graded cell (nbgrader metadata ``grade``).
    A file that is not a readable notebook is left to nbgrader, which reports its error.
    """
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return None
    if any(is_grade(cell) for cell in nb.cells):
        return None
    name = Path(path).name
    if name == ASSIGNMENT_NOTEBOOK:
        reason = (f"Nothing to validate: no cell of {name} is marked as a graded test, so Validate "
                  "cannot tell whether your answers pass. Most likely an older ./start-lab made this copy, "
                  "without those marks: rename workspace/gradient_checking, run ./start-lab again for a "
                  "fresh copy, and move your answers into it. Until then, run the notebook's test cells "
                  "(Run > Run All Cells): each prints its verdict.")
    else:
        reason = (f"Nothing to validate: {name} has no graded test cells (it is not an exercise), so "
                  "Validate cannot say whether it passes. The exercises and their tests are in "
                  f"{ASSIGNMENT_NOTEBOOK}: validate that notebook.")
    return textwrap.fill(reason, WIDTH, break_long_words=False, break_on_hyphens=False)


class ValidateHandler(nbgrader_validate.ValidateAssignmentHandler):
    """nbgrader's validate handler, which first declines notebooks it has nothing to judge in."""

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        # A path outside the served folder is nbgrader's to refuse (403), as always.
        if target.is_relative_to(root) and target.is_file():
            reason = nothing_to_validate(target)
            if reason is not None:
                self.log.info("Not validating %s: it has no graded cells", target)
                # nbgrader's dialog shows the value of an unsuccessful answer as it is.
                return {"success": False, "value": reason}
        return super().validate_notebook(path)


def _handlers():
    """nbgrader's routes for Validate, with this handler in place of its validate handler."""
    return [(pattern, ValidateHandler if handler is nbgrader_validate.ValidateAssignmentHandler else handler)
            for pattern, handler in nbgrader_validate.default_handlers]


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    """Register the routes, as nbgrader's validate_assignment extension does (which start-lab disables)."""
    webapp = serverapp.web_app
    # nbgrader's handler reads the served folder from here.
    webapp.settings["root_dir"] = serverapp.root_dir
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [(url_path_join(base_url, pattern), handler) for pattern, handler in _handlers()])
    serverapp.log.info("gc_editions.lab_validate: nbgrader's Validate, declining notebooks without graded cells")
