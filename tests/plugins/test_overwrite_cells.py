"""CachedOverwriteCells does exactly what nbgrader's OverwriteCells does (the same notebook, the same
warnings, the same MissingEntry) on every corpus submission and on every kind of tampering
OverwriteCells exists for, while it reads the gradebook once per command instead of per cell."""

import copy
import logging

import pytest
from nbconvert.exporters import NotebookExporter
from nbgrader.api import MissingEntry
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


def overwrite(plugin, nb, course, caplog):
    """(the notebook after ``plugin``, its warnings), or (the exception's type, its warnings)."""
    caplog.clear()
    plugin.log = logging.getLogger("overwrite-cells-test")
    with caplog.at_level(logging.WARNING, logger="overwrite-cells-test"):
        try:
            result = plugin.preprocess(copy.deepcopy(nb), resources(course))[0]
        except Exception as error:  # noqa: BLE001 (compared between the two plugins)
            result = type(error)
    return result, [record.getMessage() for record in caplog.records]


def assert_same_as_nbgrader(nb, course, caplog):
    stock = overwrite(in_a_command(OverwriteCells), nb, course, caplog)
    cached = overwrite(in_a_command(CachedOverwriteCells), nb, course, caplog)
    assert cached == stock
    return stock


def test_every_corpus_submission_comes_out_as_nbgrader_makes_it(course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    for submission in corpus():
        assert_same_as_nbgrader(submission.notebook(), course, caplog)


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


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_is_undone_as_nbgrader_undoes_it(kind, course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    result, warnings = assert_same_as_nbgrader(tampered(TAMPERING[kind]), course, caplog)
    if kind in REFUSED:
        assert result is REFUSED[kind]
        return
    assert warnings                           # each of these is reported
    release = read_notebook(RELEASE_NB)
    assert [grade_id(cell) for cell in result.cells if grade_id(cell)] == \
        [grade_id(cell) for cell in release.cells if grade_id(cell)]


def test_a_notebook_the_gradebook_does_not_know_goes_nbgrader_s_own_way(course, monkeypatch, caplog):
    monkeypatch.chdir(course)
    info = {**resources(course, "Missing")}
    nb = read_notebook(RELEASE_NB)
    for plugin_class in (OverwriteCells, CachedOverwriteCells):
        with pytest.raises(MissingEntry):     # add_missing_cells: nbgrader's find_notebook fails
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
