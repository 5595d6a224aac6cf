"""CachedOverwriteCells does exactly what nbgrader's OverwriteCells does (the same notebook, the same
warnings, the same errors with the same messages) on every corpus submission, on every kind of
tampering OverwriteCells exists for, and when it puts missing grade and task cells back, while
it reads the gradebook once per command instead of per cell."""

import copy
import logging

import nbformat
import pytest
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import compute_checksum
from traitlets.config import Config
from nbgrader.preprocessors import OverwriteCells

from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, cell_by_grade_id, read_notebook
from gc_grader.assignment import grade_id
from gc_grader.plugins import CachedOverwriteCells
import gc_grader.plugins.gradebook_cells as gradebook_cells
from submissions import corpus


def resources(course, notebook=NOTEBOOK):
    return {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}", "notebook": notebook,
                         "assignment": ASSIGNMENT, "student": "someone"}}


def in_a_command(plugin_class):
    """The plugin as nbgrader makes it for a command: registered with the command's exporter,
    adding missing cells as this course's configuration asks."""
    exporter = NotebookExporter(config=Config({"OverwriteCells": {"add_missing_cells": True}}))
    exporter._preprocessors = []
    exporter.register_preprocessor(plugin_class, enabled=True)
    plugin = exporter._preprocessors[-1]
    assert plugin.parent is exporter and plugin.add_missing_cells
    return plugin


def overwrite(plugin, nb, info, caplog):
    """(the notebook after ``plugin``, its warnings), or ((the exception's type, its message), its warnings)."""
    caplog.clear()
    plugin.log = logging.getLogger("overwrite-cells-test")
    with caplog.at_level(logging.WARNING, logger="overwrite-cells-test"):
        try:
            result = plugin.preprocess(copy.deepcopy(nb), info)[0]
        except Exception as error:  # noqa: BLE001 (compared between the two plugins)
            result = (type(error), str(error))
    return result, [record.getMessage() for record in caplog.records]


def assert_same_as_nbgrader(nb, info, caplog, cached=None):
    stock = overwrite(in_a_command(OverwriteCells), nb, info, caplog)
    assert overwrite(cached or in_a_command(CachedOverwriteCells), nb, info, caplog) == stock
    return stock


def test_every_corpus_submission_comes_out_as_nbgrader_makes_it(course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    cached = in_a_command(CachedOverwriteCells)       # one command: one reading serves them all
    for submission in corpus():
        assert_same_as_nbgrader(submission.notebook(), resources(course), caplog, cached)


def tampered(edit):
    nb = read_notebook(RELEASE_NB)
    edit(nb)
    return nb


def _more_points(nb):
    cell_by_grade_id(nb, "gradient_check_n_tests").metadata.nbgrader["points"] = 500


def _unlocked_and_edited(nb):
    cell = cell_by_grade_id(nb, "gradient_check_n_tests")
    cell.metadata.nbgrader["locked"] = False
    cell.source = "pass  # the public test, gone"


def _markdown_test(nb):
    cell = cell_by_grade_id(nb, "gradient_check_tests")
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]


def _unknown_grade_id(nb):
    cell_by_grade_id(nb, "forward_propagation").metadata.nbgrader["grade_id"] = "not-in-the-gradebook"


def _deleted_test(nb):
    nb.cells.remove(cell_by_grade_id(nb, "backward_propagation_tests"))


def _answer_made_a_grade_cell(nb):
    cell_by_grade_id(nb, "forward_propagation").metadata.nbgrader.update(grade=True, points=100)


TAMPERING = {"more points": _more_points, "unlocked and edited": _unlocked_and_edited,
             "a test made markdown": _markdown_test, "an unknown grade id": _unknown_grade_id,
             "a deleted test cell": _deleted_test, "an answer marked as a grade cell": _answer_made_a_grade_cell}


#: What nbgrader raises on these, alone (in the course's autograde, RepairCells runs first and
#: puts deleted cells back): no such grade cell; and a grade cell missing (deleted, or left
#: without its grade id) after a cell that is not graded, which add_missing_cells cannot
#: place (nbgrader 0.9's own crash).
REFUSED = {"an answer marked as a grade cell": MissingEntry, "an unknown grade id": KeyError,
           "a deleted test cell": KeyError}


def test_refused_as_nbgrader_refuses_naming_the_cell(course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    result, _ = assert_same_as_nbgrader(tampered(_answer_made_a_grade_cell), resources(course), caplog)
    assert result == (MissingEntry, "No such grade cell: gradient_checking/Gradient_Checking/forward_propagation")


#: A notebook of four instructor cells, where nbgrader can put every missing one back: a grade
#: cell first, an answer, its test right after it, and a task.
SMALL = [("first", "code", "x = 1", True, 1.0), ("answer", "code", "y = x", False, None),
         ("answer_test", "code", "assert y == 1", True, 2.0), ("task", "markdown", "Explain why.", False, 3.0)]


def _small_cell(name, cell_type, source, locked, points):
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = nbformat.from_dict({"grade_id": name, "locked": locked, "solution": name == "answer",
                              "grade": points is not None and name != "task", "task": name == "task",
                              "schema_version": 3, **({"points": points} if points is not None else {})})
    return cell


@pytest.fixture
def small(tmp_path):
    """(the release of SMALL, nbgrader's resources for it) in a gradebook of its own."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    cells = [_small_cell(*row) for row in SMALL]
    with Gradebook(url) as gb:
        gb.update_or_create_assignment("small")
        gb.update_or_create_notebook("nb", "small")
        for cell, (name, cell_type, source, locked, points) in zip(cells, SMALL):
            gb.update_or_create_source_cell(name, "nb", "small", cell_type=cell_type, source=source, locked=locked,
                                            checksum=compute_checksum(cell))
            if name == "answer":
                gb.update_or_create_solution_cell(name, "nb", "small")
            elif name == "task":
                gb.update_or_create_task_cell(name, "nb", "small", max_score=points, cell_type=cell_type)
            else:
                gb.update_or_create_grade_cell(name, "nb", "small", max_score=points, cell_type=cell_type)
    release = nbformat.v4.new_notebook(cells=cells)
    return release, {"nbgrader": {"db_url": url, "notebook": "nb", "assignment": "small", "student": "someone"}}


@pytest.mark.parametrize("deleted", [("first",), ("answer_test",), ("task",), ("first", "answer_test", "task")])
def test_missing_grade_and_task_cells_come_back_as_nbgrader_puts_them(deleted, small, caplog):
    release, info = small
    nb = copy.deepcopy(release)
    nb.cells = [cell for cell in nb.cells if grade_id(cell) not in deleted]
    result, warnings = assert_same_as_nbgrader(nb, info, caplog)
    assert sorted(grade_id(cell) for cell in result.cells) == sorted(grade_id(cell) for cell in release.cells)
    for cell in result.cells:
        if grade_id(cell) in deleted:          # put back with nbgrader's notice, locked, with its checksum
            assert "was missing from the submission" in cell.source
            assert cell["metadata"]["nbgrader"]["checksum"] == compute_checksum(release.cells[
                [grade_id(c) for c in release.cells].index(grade_id(cell))])


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_is_undone_as_nbgrader_undoes_it(kind, course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    result, warnings = assert_same_as_nbgrader(tampered(TAMPERING[kind]), resources(course), caplog)
    if kind in REFUSED:
        assert result[0] is REFUSED[kind]
        return
    assert warnings                           # each of these is reported
    release = read_notebook(RELEASE_NB)
    assert [grade_id(cell) for cell in result.cells if grade_id(cell)] == \
        [grade_id(cell) for cell in release.cells if grade_id(cell)]


def test_a_notebook_the_gradebook_does_not_know_goes_nbgrader_s_own_way(course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    info = resources(course, "Missing")
    nb = read_notebook(RELEASE_NB)
    for plugin_class in (OverwriteCells, CachedOverwriteCells):
        with pytest.raises(MissingEntry, match="No such notebook"):     # nbgrader's find_notebook fails
            in_a_command(plugin_class).preprocess(copy.deepcopy(nb), info)


def test_one_reading_serves_every_student_of_a_command(course, monkeypatch):
    monkeypatch.chdir(course)
    made = []
    read = gradebook_cells._read
    monkeypatch.setattr(gradebook_cells, "_read", lambda *key: made.append(key) or read(*key))
    plugin = in_a_command(CachedOverwriteCells)
    for _student in range(3):
        plugin.preprocess(read_notebook(RELEASE_NB), resources(course))
    assert len(made) == 1
    in_a_command(CachedOverwriteCells).preprocess(read_notebook(RELEASE_NB), resources(course))
    assert len(made) == 2                     # the next command reads again
