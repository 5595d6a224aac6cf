"""ValidateNotebook: nbformat's schema checked where it matters, not after every step.

nbconvert's own check now runs after the last step of each pass (``optimistic_validation``);
ValidateNotebook stands at the three moments where its check used to refuse a notebook first.
The step on its own, where the configuration puts it, and end to end with `nbgrader autograde`
(``slow``): an invalid submission is refused by it, before any other step works on it, and the
honest student beside it is graded in full."""

import copy

import nbformat
import pytest
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import SaveAutoGrades
from traitlets.config.loader import PyFileConfigLoader

from course import ASSIGNMENT, NOTEBOOK_FILE, POINTS, ROOT, fill_release, place_submission, points_by_exercise, run_nbgrader
from gc_grader.plugins import AssignmentFilesOnly, ResilientExecute, ValidateNotebook
from submissions import correct_answers


def invalid(nb):
    """``nb`` with what nbformat's schema refuses: an execution count that is not a number."""
    broken = copy.deepcopy(nb)
    next(cell for cell in broken.cells if cell.cell_type == "code")["execution_count"] = "one"
    return broken


def test_a_valid_notebook_goes_through_unchanged_and_an_invalid_one_is_refused():
    nb = fill_release(correct_answers())
    before = copy.deepcopy(nb)
    assert ValidateNotebook().preprocess(nb, {}) == (nb, {}) and nb == before
    with pytest.raises(nbformat.ValidationError, match="'one' is not of type"):
        ValidateNotebook().preprocess(invalid(nb), {})


def test_it_stands_where_nbconvert_refused_a_notebook_first():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    sanitize, autograde = config.Autograde.sanitize_preprocessors, config.Autograde.autograde_preprocessors
    assert sanitize[:2] == [AssignmentFilesOnly, ValidateNotebook]
    after = autograde.index(ResilientExecute)
    assert autograde[after + 1] is ValidateNotebook
    assert autograde[autograde.index(SaveAutoGrades) - 1] is ValidateNotebook


def test_only_autograde_validates_once_per_pass():
    """The exporter each nbgrader command makes (as its ``start`` does) from the course's configuration:
    autograde's checks once per pass; generate_assignment still after every step (its steps write
    the instructor's cells into the gradebook); the feedback once (nbgrader_config.py)."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    coursedir = CourseDirectory(config=config, root=str(ROOT))
    for command, optimistic in ((Autograde, True), (GenerateAssignment, False), (GenerateFeedback, True)):
        converter = command(coursedir=coursedir, config=config)
        exporter = converter.exporter_class(parent=converter, config=converter.config)
        assert exporter.optimistic_validation is optimistic, command.__name__


@pytest.mark.slow
def test_an_invalid_submission_is_refused_by_it_and_the_class_graded(course):
    place_submission(course, "honest", fill_release(correct_answers()))
    place_submission(course, "broken", invalid(fill_release(correct_answers())))
    run = run_nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert run.returncode != 0     # nbgrader says a submission failed
    assert "Notebook is invalid (ValidateNotebook" in run.stderr, run.stderr[-3000:]
    assert "'one' is not of type" in run.stderr
    assert not (course / "autograded" / "broken" / ASSIGNMENT / NOTEBOOK_FILE).exists()
    assert points_by_exercise(course, "broken") == dict.fromkeys(POINTS, 0.0)
    assert points_by_exercise(course, "honest") == POINTS

