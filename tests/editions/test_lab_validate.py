"""gc_editions.lab_validate, the Validate handler of the self-study lab: it declines a notebook without
graded cells with a sentence that says why, and leaves every other request to nbgrader's handler.

Pressing the button in Chromium is tests/test_browser_validate.py; here the handler's decision
and its answers through the real server that ./start-lab runs.
"""

import shutil
import sys

import nbformat
import pytest
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_validate

from browser import jupyter_lab
from course import ASSIGNMENT, NOTEBOOK_FILE, POINTS, ROOT, cell_by_grade_id, read_notebook, solution_code
from gc_editions import lab_validate
from test_quickstart import tracked_copy

NOTEBOOKS = ROOT / "notebooks"


def without_grading_metadata(nb):
    """``nb`` as an older ./start-lab copied it: no nbgrader metadata on any cell."""
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def test_the_assignment_is_validated_and_the_explorer_is_declined_with_a_reason():
    assert lab_validate.nothing_to_validate(NOTEBOOKS / NOTEBOOK_FILE) is None
    reason = lab_validate.nothing_to_validate(NOTEBOOKS / "Epsilon_Explorer.ipynb")
    said = " ".join(reason.split())
    assert said.startswith("Nothing to validate: Epsilon_Explorer.ipynb has no graded test cells")
    assert f"The exercises and their tests are in {NOTEBOOK_FILE}" in said
    assert "Success" not in said
    # nbgrader's dialog shows it in a <pre>: lines that fit.
    assert max(len(line) for line in reason.splitlines()) <= lab_validate.WIDTH


def test_an_assignment_copy_without_grading_metadata_is_declined_with_what_to_do(tmp_path):
    old = tmp_path / NOTEBOOK_FILE
    nbformat.write(without_grading_metadata(read_notebook(NOTEBOOKS / NOTEBOOK_FILE)), str(old))
    said = " ".join(lab_validate.nothing_to_validate(old).split())
    assert "Nothing to validate: no cell of Gradient_Checking.ipynb is marked as a graded test" in said
    assert "run ./start-lab again for a fresh copy, and move your answers into it" in said


def test_what_is_not_a_readable_notebook_is_left_to_nbgrader(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    assert lab_validate.nothing_to_validate(broken) is None
    assert lab_validate.nothing_to_validate(tmp_path / "missing.ipynb") is None


def test_the_extension_serves_nbgraders_routes_with_its_handler_for_validate():
    ours = dict(lab_validate._handlers())
    theirs = dict(nbgrader_validate.default_handlers)
    assert ours.keys() == theirs.keys()
    for pattern, handler in theirs.items():
        if handler is nbgrader_validate.ValidateAssignmentHandler:
            assert ours[pattern] is lab_validate.ValidateHandler
            assert issubclass(ours[pattern], handler)
        else:
            assert ours[pattern] is handler, pattern


def test_start_lab_loads_it_in_place_of_nbgraders_validate_extension():
    text = (ROOT / "start-lab").read_text()
    assert "--ServerApp.jpserver_extensions=nbgrader.server_extensions.validate_assignment=False" in text
    assert "--ServerApp.jpserver_extensions=gc_editions.lab_validate=True" in text
    assert callable(nbgrader_validate.load_jupyter_server_extension)   # the module start-lab names
    assert lab_validate._jupyter_server_extension_points() == [{"module": "gc_editions.lab_validate"}]


@pytest.mark.slow
def test_the_server_start_lab_runs_answers_each_notebook(tmp_path):
    course = tracked_copy(tmp_path / "course")
    folder = course / "workspace" / ASSIGNMENT
    with jupyter_lab(course / "workspace", command=[course / "start-lab"], cwd=course,
                     extra_env={"VENV_DIR": sys.prefix}, scratch_dir=tmp_path / "lab") as lab:
        solved = read_notebook(folder / NOTEBOOK_FILE)
        for name in POINTS:
            cell_by_grade_id(solved, name).source = solution_code(name)
        nbformat.write(solved, str(folder / "solved.ipynb"))
        nbformat.write(without_grading_metadata(read_notebook(folder / NOTEBOOK_FILE)), str(folder / "old.ipynb"))
        shutil.copy(folder / "old.ipynb", course / "outside.ipynb")

        def validate(path):
            status, answer = lab.api("/assignments/validate", method="POST", body={"path": path}, timeout=180)
            assert status == 200, f"HTTP {status} for {path}:\n{lab.log_tail()}"
            return answer

        blank = validate(f"{ASSIGNMENT}/{NOTEBOOK_FILE}")
        assert blank["success"] is True
        assert [cell["source"] for cell in blank["value"]["failed"]] == \
            [cell_by_grade_id(solved, f"{name}_tests").source for name in POINTS]
        assert validate(f"{ASSIGNMENT}/solved.ipynb") == {"success": True, "value": {}}
        explorer = validate(f"{ASSIGNMENT}/Epsilon_Explorer.ipynb")
        assert explorer["success"] is False and explorer["value"].startswith("Nothing to validate: Epsilon_Explorer")
        # Any notebook without graded cells is declined, whatever its name...
        assert validate(f"{ASSIGNMENT}/old.ipynb")["value"].startswith("Nothing to validate: old.ipynb")
        # ...but only inside the served folder: outside it nbgrader's handler refuses, as always.
        assert lab.api("/assignments/validate", method="POST", body={"path": "../outside.ipynb"})[0] == 403
        # The version check of the button is nbgrader's own.
        from nbgrader import __version__
        assert lab.api(f"/nbgrader_version?version={__version__}") == (200, {"success": True})
