"""The solved assignment, as a student sees it: opened in a real JupyterLab in Chromium, run with
Run > Run All Cells, every public test cell shows its green verdict and nothing raises.

This is the smoke test of the browser plumbing (tests/browser.py): if it fails, look at the
screenshots in tests/artifacts/browser/ and at the server log it names.
"""

import shutil
import time

import nbformat
import pytest

from browser import (assert_no_error_outputs, assert_no_widget_errors, cell_outputs, chromium_page, jupyter_lab,
                     open_notebook, output_texts, require_chromium, run_all_cells, screenshot)
from course import ASSIGNMENT, NOTEBOOK, POINTS, RELEASE_DIR, cell_by_grade_id, fill_release, solution_code

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSED = "All tests passed."   # what public_tests._passed prints, once per passing test cell


def test_solved_release_passes_every_public_test_in_jupyterlab(tmp_path):
    require_chromium()
    # The student's folder as released (helpers as plain files), with every answer filled in.
    course = tmp_path / ASSIGNMENT
    shutil.copytree(RELEASE_DIR, course, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    solved = fill_release({name: solution_code(name) for name in POINTS})
    nbformat.write(solved, str(course / f"{NOTEBOOK}.ipynb"))
    test_cells = {name: solved.cells.index(cell_by_grade_id(solved, f"{name}_tests")) for name in POINTS}

    with jupyter_lab(course, scratch_dir=tmp_path / "lab") as lab, chromium_page() as page:
        open_notebook(page, lab, f"{NOTEBOOK}.ipynb")
        run_all_cells(page, timeout_s=180)
        screenshot(page, "smoke-solved-notebook", whole_notebook=True)

        texts = output_texts(page)
        assert len(texts) == len(solved.cells), "the page does not show every cell of the notebook"
        assert_no_error_outputs(page)
        for name, index in test_cells.items():
            assert PASSED in texts[index], (
                f"the test cell of {name} (cell {index}) does not show {PASSED!r}; it shows:\n{texts[index]}")
        assert sum(text.count(PASSED) for text in texts) >= len(POINTS)
        assert_no_widget_errors(page)
        # The two ungraded explorer cells (after exercises 3 and 4) show their widgets.
        explorer_cells = [i for i, c in enumerate(solved.cells) if c.get("id", "").startswith("explore-")
                          and c.cell_type == "code"]
        assert len(explorer_cells) == 2
        for index in explorer_cells:
            assert cell_outputs(page, index).locator(".gc-explorer").count() == 1, f"no explorer in cell {index}"
        # The first explorer runs the student's own gradient_check at the chosen epsilon:
        # on J = theta x, centered, float64, it must say what the explorer says.
        explorer = cell_outputs(page, explorer_cells[0]).locator(".gc-explorer")
        box = explorer.locator(".widget-slider .widget-readout")
        box.click()
        box.press("Control+a")
        box.type("1e-4")
        box.press("Enter")
        # The readout is one table the kernel replaces whole: its epsilon and both differences
        # are read together, once it shows the new epsilon.
        deadline = time.monotonic() + 30
        epsilon = mine = theirs = None
        while epsilon != "1.000e-04" and time.monotonic() < deadline:
            time.sleep(0.1)
            epsilon, mine, theirs = explorer.locator(".gc-readout").evaluate(
                "table => ['ε', 'difference', 'your-gradient-check'].map("
                "(name) => table.querySelector('.gc-' + name + ' code')?.innerText)")
        assert epsilon == "1.000e-04", f"the explorer's readout still shows ε = {epsilon}"
        assert mine == theirs, f"the explorer says {mine}, the student's gradient_check {theirs}"
        screenshot(page, "smoke-assignment-explorer")
