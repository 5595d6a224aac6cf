"""RepairCells on its own, in process: deleted instructor cells come back in their place with
their text, deleted answers stay deleted, and a duplicated cell keeps its role on its last
copy only. (The end-to-end corpus covers the same through `nbgrader autograde`.)"""

import copy

from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, SOURCE_NB, read_notebook
from gc_grader.assignment import grade_id
from gc_grader.plugins import RepairCells


def repair(course, nb, monkeypatch):
    monkeypatch.chdir(course)   # nbgrader runs preprocessors from the course root
    # The gradebook generate_assignment filled: RepairCells reads the instructor's cells there.
    resources = {"nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}",
                              "notebook": NOTEBOOK, "assignment": ASSIGNMENT}}
    return RepairCells().preprocess(nb, resources)[0]


def test_deleted_instructor_cells_come_back_in_place(course, monkeypatch):
    release = read_notebook(RELEASE_NB)
    deleted = {"gradient_check_n_tests", "explore-network", "fix-the-bugs", "title"}
    nb = copy.deepcopy(release)
    nb.cells = [cell for cell in nb.cells if grade_id(cell) not in deleted]
    repaired = repair(course, nb, monkeypatch)
    assert [grade_id(c) for c in repaired.cells] == [grade_id(c) for c in release.cells]
    by_id = {grade_id(c): c for c in repaired.cells}
    # The gradebook keeps the instructor's text: a restored test cell has its hidden tests back.
    originals = {grade_id(c): c for c in read_notebook(SOURCE_NB).cells}
    for name in deleted:
        assert by_id[name].source.strip() == originals[name].source.strip(), name
        assert by_id[name].metadata.nbgrader["locked"] is True
    assert by_id["gradient_check_n_tests"].metadata.nbgrader["points"] == 50


def test_a_deleted_answer_is_not_put_back(course, monkeypatch):
    nb = read_notebook(RELEASE_NB)
    nb.cells = [cell for cell in nb.cells if grade_id(cell) != "gradient_check"]
    repaired = repair(course, nb, monkeypatch)
    assert "gradient_check" not in {grade_id(c) for c in repaired.cells}


def test_a_duplicated_cell_keeps_its_role_on_the_last_copy(course, monkeypatch):
    nb = read_notebook(RELEASE_NB)
    index = next(i for i, c in enumerate(nb.cells) if grade_id(c) == "backward_propagation")
    first = copy.deepcopy(nb.cells[index])
    first.source = "# my first attempt\n" + first.source
    nb.cells.insert(index, first)
    repaired = repair(course, nb, monkeypatch)
    copies = [c for c in repaired.cells if "backward_propagation(x, theta)" in c.source
              and c.cell_type == "code" and "def " in c.source]
    assert [grade_id(c) for c in copies] == [None, "backward_propagation"]
    assert copies[0].source.startswith("# my first attempt")   # nothing the student wrote is lost
    assert "-copy-" in copies[0].id
