"""gradebook_cells: RepairCells and InertOutputs read the instructor's cells from the gradebook once
per nbgrader command (per exporter), never across commands: the next command sees the cells as
the gradebook holds them then."""

import copy

import nbformat
import pytest
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry

from course import (ASSIGNMENT, NOTEBOOK, RELEASE_NB, cell_by_grade_id, copy_course, place_submission, read_notebook,
                    run_nbgrader)
from gc_grader.assignment import grade_id
from gc_grader.plugins import InertOutputs, RepairCells
import gc_grader.plugins.gradebook_cells as module

INERT = '<div class="gc-inert-markdown">'


@pytest.fixture
def readings(monkeypatch):
    """The gradebook readings gradebook_cells makes, counted."""
    made = []
    read = module._read

    def counted(*key):
        made.append(key)
        return read(*key)
    monkeypatch.setattr(module, "_read", counted)
    return made


def resources(course, notebook=NOTEBOOK):
    return {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}", "notebook": notebook,
                         "assignment": ASSIGNMENT, "student": "someone"}}


def as_in_a_command(exporter, plugin):
    """The plugin as nbgrader makes it for a command: registered with the command's exporter."""
    exporter._preprocessors = []
    exporter.register_preprocessor(plugin, enabled=True)
    return exporter._preprocessors[-1]


def set_source(course, name, text):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_source_cell(name, NOTEBOOK, ASSIGNMENT, source=text)


def test_the_reading_is_what_the_gradebook_holds(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        source = gb.find_notebook(NOTEBOOK, ASSIGNMENT)
        cells = module.gradebook_cells(InertOutputs(), resources(course)["nbgrader"])
        assert cells.source_cells == tuple((c.name, c.cell_type, c.source, c.locked) for c in source.source_cells)
        assert cells.solution_cells == {c.name for c in source.solution_cells}
        assert dict(cells.max_scores) == {c.name: c.max_score for c in source.grade_cells}
    assert len(cells.source_cells) == 36 and len(cells.solution_cells) == 4 and sum(cells.max_scores.values()) == 100


def test_one_reading_serves_every_student_and_step_of_a_command(course, monkeypatch, readings):
    monkeypatch.chdir(course)
    exporter = NotebookExporter()
    release = read_notebook(RELEASE_NB)
    for student in range(3):
        nb = copy.deepcopy(release)
        nb.cells = [cell for cell in nb.cells if grade_id(cell) != "title"]      # deleted: put back
        nb, _ = as_in_a_command(exporter, RepairCells).preprocess(nb, resources(course))
        nb, _ = as_in_a_command(exporter, InertOutputs).preprocess(nb, resources(course))
        assert cell_by_grade_id(nb, "title").source == cell_by_grade_id(release, "title").source
    assert len(readings) == 1


def test_the_next_command_sees_the_cells_as_they_are_now(course, readings):
    first, second = NotebookExporter(), NotebookExporter()
    old = as_in_a_command(first, InertOutputs)._load_instructor_sources(resources(course))
    set_source(course, "title", "# A new title")                 # the assignment generated again
    assert as_in_a_command(second, InertOutputs)._load_instructor_sources(resources(course))["title"] == \
        "# A new title"
    # The reading lives as long as its command: the first one (were it still running) keeps its own.
    assert as_in_a_command(first, InertOutputs)._load_instructor_sources(resources(course)) == old
    assert old["title"] != "# A new title" and len(readings) == 2


def test_each_gradebook_and_notebook_is_read_on_its_own(course, generated_course, tmp_path, readings):
    exporter, other_course = NotebookExporter(), copy_course(generated_course, tmp_path / "other")
    set_source(course, "title", "# This course's title")
    this, other = (as_in_a_command(exporter, InertOutputs)._load_instructor_sources(resources(where))
                   for where in (course, other_course))
    assert this["title"] == "# This course's title" != other["title"]
    assert as_in_a_command(exporter, InertOutputs)._load_instructor_sources(resources(course, "Other")) == {}
    assert len(readings) == 3


def test_a_plugin_on_its_own_reads_every_time(course, readings):
    InertOutputs()._load_instructor_sources(resources(course))
    set_source(course, "title", "# Changed")
    assert InertOutputs()._load_instructor_sources(resources(course))["title"] == "# Changed"
    assert len(readings) == 2


def test_a_missing_notebook_is_not_kept(course, readings):
    exporter = NotebookExporter()
    for _ in range(2):
        assert as_in_a_command(exporter, InertOutputs)._load_instructor_sources(resources(course, "Missing")) == {}
        with pytest.raises(MissingEntry):
            module.gradebook_cells(as_in_a_command(exporter, RepairCells), resources(course, "Missing")["nbgrader"])
    assert len(readings) == 4


def test_what_students_share_cannot_be_changed(course):
    cells = module.gradebook_cells(InertOutputs(), resources(course)["nbgrader"])
    with pytest.raises(TypeError):
        cells.max_scores["gradient_check_tests"] = 1000
    with pytest.raises(AttributeError):
        cells.solution_cells.add("title")


@pytest.mark.slow
def test_nbgrader_reads_once_per_command_and_a_new_command_sees_a_regenerated_assignment(course, readings):
    """Through nbgrader's own commands, in one process (as grade-class's worker runs them)."""
    release = read_notebook(RELEASE_NB)
    for student in ("ada", "bob"):
        place_submission(course, student, release)
    run_nbgrader(course, "autograde", ASSIGNMENT)
    run_nbgrader(course, "generate_feedback", ASSIGNMENT)
    assert len(readings) == 2           # one per command, for two students (six readings before)

    # The instructor changes a text cell and generates the assignment again: the next autograde
    # puts the new text back (nbgrader's OverwriteCells) and InertOutputs must know it as theirs.
    source = read_notebook(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    cell_by_grade_id(source, "title").source = "# Gradient checking, second edition"
    nbformat.write(source, str(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    run_nbgrader(course, "autograde", ASSIGNMENT, "--force", "--student", "ada")
    title = cell_by_grade_id(read_notebook(course / "autograded" / "ada" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
                             "title").source
    assert title == "# Gradient checking, second edition"      # not made inert as a student's
    assert not title.startswith(INERT)
    assert len(readings) == 3
