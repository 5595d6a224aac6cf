"""nbgrader's Validate button in the self-study lab, pressed in Chromium: an untouched copy of the
assignment fails, a solved one passes, and the epsilon explorer is not approved.

The lab is started by the real ``./start-lab``, on a copy of the repository's tree in a
temporary folder, so the learner's copy it makes in ``workspace/gradient_checking/`` comes
from this tree's ``notebooks/`` exactly as a learner's would, and the server runs with
start-lab's own options (tests/browser.py only adds its isolation: port, token, scratch
settings, no browser of its own).

What the test relies on, and why:

- ``gc_editions.self_study`` keeps the release's nbgrader metadata on the cells of
  ``Gradient_Checking.ipynb``. nbgrader's Validator finds the test cells through it; without
  it, it finds nothing to fail and says "Success!" on a blank notebook (issue 12).
- ``./start-lab`` loads ``gc_editions.lab_validate`` instead of nbgrader's
  ``validate_assignment`` server extension: nbgrader's handler for any notebook with graded
  cells (it runs the notebook in a fresh ``python3`` kernel with nbgrader's default
  configuration, since the lab's folder has no ``nbgrader_config.py``), and an answer
  that there is nothing to validate for a notebook without any (the explorer).
- nbgrader 0.9's lab extension (``@jupyter/nbgrader:validate-assignment``): a button
  ``jp-button.validate-button`` in every notebook's toolbar, labelled "Validate"; pressing it
  checks the server's nbgrader version, saves the notebook, posts its path to
  ``/assignments/validate`` and opens a ``.jp-Dialog`` titled "Validation Results" whose
  body is ``#validation-message``: class ``validation-failed`` with one "The following
  cell failed:" per failed test cell (its source, then its error), class
  ``validation-success`` with "Success! Your notebook passes all the tests.", or, when
  the server answers that validation could not run, "There was an error running the
  validate command:" and the server's text.

Screenshots of each dialog are kept in tests/artifacts/browser/ (validate-*.png).
"""

import sys

import nbformat
import pytest

from browser import chromium_page, jupyter_lab, notebook_panel, open_notebook, require_chromium, screenshot
from course import ASSIGNMENT, NOTEBOOK_FILE, POINTS, ROOT, cell_by_grade_id, read_notebook, solution_code
from test_quickstart import tracked_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUCCESS = "Success! Your notebook passes all the tests."
FAILED_CELL = "The following cell failed:"
#: A whole notebook runs in a fresh kernel before the dialog opens.
VALIDATE_TIMEOUT_S = 180


def press_validate(page, shot):
    """Press the front notebook's Validate button, wait for its dialog, screenshot it as
    ``validate-<shot>``, close it; return (the classes of its message, its text)."""
    button = notebook_panel(page).locator(".jp-NotebookPanel-toolbar jp-button.validate-button")
    button.wait_for(timeout=30_000)
    assert button.count() == 1, "nbgrader's Validate button is not in the notebook's toolbar"
    button.click()
    dialog = page.locator(".jp-Dialog")
    message = dialog.locator("#validation-message")
    message.wait_for(timeout=VALIDATE_TIMEOUT_S * 1000)
    assert "Validation Results" in dialog.locator(".jp-Dialog-header").inner_text()
    classes, text = (message.get_attribute("class") or "").split(), message.inner_text()
    screenshot(page, f"validate-{shot}")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=10_000)
    # Back to "Validate" (it says "Saving..." then "Validating..." meanwhile) and usable again.
    page.wait_for_function("(el) => el.innerText.trim() === 'Validate' && !el.hasAttribute('disabled')",
                           arg=button.element_handle(), timeout=10_000)
    return classes, text


def test_validate_fails_a_blank_copy_passes_a_solved_one_and_does_not_approve_the_explorer(tmp_path):
    require_chromium()
    course = tracked_copy(tmp_path / "course")
    workspace = course / "workspace"
    folder = workspace / ASSIGNMENT
    with jupyter_lab(workspace, command=[course / "start-lab"], cwd=course,
                     extra_env={"VENV_DIR": sys.prefix},   # this venv: setup-venv finds it ready
                     scratch_dir=tmp_path / "lab") as lab, chromium_page() as page:
        blank_path = folder / NOTEBOOK_FILE
        blank = read_notebook(blank_path)
        assert blank_path.read_bytes() == (ROOT / "notebooks" / NOTEBOOK_FILE).read_bytes(), \
            "start-lab's copy is not the self-study edition as generated"

        # An untouched copy: every exercise raises NotImplementedError, so every test cell fails.
        open_notebook(page, lab, f"{ASSIGNMENT}/{NOTEBOOK_FILE}")
        classes, text = press_validate(page, "blank")
        assert SUCCESS not in text and "validation-success" not in classes, text
        assert "validation-failed" in classes, f"Validate did not report failed cells:\n{text}"
        assert text.count(FAILED_CELL) == len(POINTS), text
        for name in POINTS:
            assert cell_by_grade_id(blank, f"{name}_tests").source in text, f"{name}_tests not named:\n{text}"
        assert text.count("NotImplementedError") >= len(POINTS), text
        assert read_notebook(blank_path).cells == blank.cells, "validating changed the learner's notebook"

        # The same copy with the source's solutions in its answer cells passes.
        solved = read_notebook(blank_path)
        for name in POINTS:
            cell_by_grade_id(solved, name).source = solution_code(name)
        solved_name = NOTEBOOK_FILE.replace(".ipynb", "_solved.ipynb")
        nbformat.write(solved, str(folder / solved_name))
        open_notebook(page, lab, f"{ASSIGNMENT}/{solved_name}")
        classes, text = press_validate(page, "solved")
        assert "validation-success" in classes and SUCCESS in text, f"the solved copy does not pass:\n{text}"
        assert FAILED_CELL not in text

        # The explorer has no tests: Validate says it has nothing to check, never "Success!".
        open_notebook(page, lab, f"{ASSIGNMENT}/Epsilon_Explorer.ipynb")
        classes, text = press_validate(page, "explorer")
        assert SUCCESS not in text and "validation-success" not in classes, text
        said = " ".join(text.split())   # the answer is wrapped in lines
        assert "Nothing to validate: Epsilon_Explorer.ipynb has no graded test cells" in said, text
        assert f"The exercises and their tests are in {NOTEBOOK_FILE}" in said, text
