"""A gradebook generated before the hidden checks left the kernel stores test cells with
hidden-test blocks that import gc_grader (which the sandboxed kernel cannot import, and
whose in-kernel modules are gone). nbgrader's OverwriteCells puts those cells back at
autograde; ClearOldHiddenTests, right after it, drops the blocks, so such a course still grades
to the same points: the kernel runs the public tests, the outside judge the hidden checks."""

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import (ASSIGNMENT, NOTEBOOK, NOTEBOOK_FILE, POINTS, make_scratch_course, nbgrader, points_by_exercise,
                    run_nbgrader)
from submissions import corpus

pytestmark = pytest.mark.slow


def old_test_cell(exercise):
    """The test cell of ``exercise`` as gradebooks of earlier versions of the course store it."""
    check = f"from gc_grader.checks import in_kernel as _hidden\n_hidden.check_{exercise}(globals())\n"
    if exercise in ("forward_propagation", "backward_propagation"):
        return f"{exercise}_test({exercise})\n### BEGIN HIDDEN TESTS\n{check}### END HIDDEN TESTS"
    return (f"### BEGIN HIDDEN TESTS\nfrom gc_grader import hidden_tests as _hidden\n"
            f"_hidden.isolate_{exercise}(globals())\n### END HIDDEN TESTS\n"
            f"{exercise}_test({exercise})\n### BEGIN HIDDEN TESTS\n{check}### END HIDDEN TESTS")


@pytest.fixture(scope="module")
def old_course(tmp_path_factory):
    """A scratch course whose gradebook stores the old test cells."""
    course = make_scratch_course(tmp_path_factory.mktemp("old_gradebook") / "course")
    source = course / "source" / ASSIGNMENT / NOTEBOOK_FILE
    nb = nbformat.read(str(source), 4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_tests"):
            cell.source = old_test_cell(gid[:-len("_tests")])
    nbformat.write(nb, str(source))
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for exercise in POINTS:
            stored = gb.find_source_cell(f"{exercise}_tests", NOTEBOOK, ASSIGNMENT).source
            assert "import in_kernel as _hidden" in stored, stored       # the premise: an old gradebook
    return course


STUDENTS = {s.student: s for s in corpus() if s.student in ("correct", "fp_wrong", "gc_stale_dtheta", "gcn_no_copy")}


def test_an_old_gradebook_grades_to_the_same_points(old_course):
    for submission in STUDENTS.values():
        submission.place(old_course)
    nbgrader(old_course, "autograde", ASSIGNMENT)
    for name, submission in STUDENTS.items():
        assert points_by_exercise(old_course, name) == submission.expected_points(), name
    assert sum(points_by_exercise(old_course, "correct").values()) == 100
    # The kernel ran no hidden block: none is left in the graded notebook's test cells.
    graded = nbformat.read(str(old_course / "autograded" / "correct" / ASSIGNMENT / NOTEBOOK_FILE), 4)
    tests = [cell for cell in graded.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == len(POINTS)
    for cell in tests:
        assert "HIDDEN TESTS" not in cell.source and "gc_grader" not in cell.source, cell.source
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
