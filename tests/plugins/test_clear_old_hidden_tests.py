"""ClearOldHiddenTests: an older gradebook's hidden blocks go, and a student's text never fails grading."""

from nbformat.v4 import new_code_cell, new_notebook

from gc_grader.plugins import ClearOldHiddenTests

BLOCK = "### BEGIN HIDDEN TESTS\nfrom gc_grader.checks import in_kernel as _hidden\n### END HIDDEN TESTS\n"


def cell(source, **nbgrader):
    made = new_code_cell(source)
    made.metadata.nbgrader = {"grade_id": "x", "points": 1, "schema_version": 3, **nbgrader}
    return made


def test_the_hidden_block_of_a_test_cell_goes_and_its_public_test_stays():
    nb = new_notebook(cells=[cell(BLOCK + "gradient_check_test(gradient_check)\n", grade=True, solution=False,
                                  locked=True)])
    ClearOldHiddenTests().preprocess(nb, {})
    assert "gc_grader" not in nb.cells[0].source
    assert "gradient_check_test(gradient_check)" in nb.cells[0].source


def test_the_marker_in_a_students_cell_is_left_alone_and_fails_nothing():
    """nbgrader's ClearHiddenTests raises here, which fails the whole submission."""
    unclosed = "# my notes: ### BEGIN HIDDEN TESTS are not mine\nx = 1\n"
    nb = new_notebook(cells=[cell(unclosed, grade=False, solution=True), new_code_cell(BLOCK)])
    ClearOldHiddenTests().preprocess(nb, {})
    assert [c.source for c in nb.cells] == [unclosed, BLOCK]
