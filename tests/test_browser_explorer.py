"""The epsilon explorers as a learner sees them: the self-study edition's Epsilon_Explorer.ipynb
opened in a real JupyterLab in Chromium, run with Run > Run All Cells. Every explorer must
render, and moving the epsilon slider and the toggles must change the readout and the plot
to exactly what gc_epsilon computes for that setting.

Screenshots go to tests/artifacts/browser/ (explorer-*.png).
"""

import re
import shutil
import time

import pytest

import gc_epsilon as numerics
from browser import (ARTIFACTS_DIR, assert_no_error_outputs, assert_no_widget_errors, chromium_page, jupyter_lab,
                     open_notebook, require_chromium, run_all_cells, screenshot)
from course import ROOT, notebook_functions, read_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]

EDITION = ROOT / "notebooks"
EXPLORER_NB = "Epsilon_Explorer.ipynb"


def explorer_cells():
    """Ids of the explorer notebook's code cells that show an explorer, in order."""
    return [c.id for c in read_notebook(EDITION / EXPLORER_NB).cells
            if c.cell_type == "code" and "explore_epsilon(" in c.source]


def wait_until(probe, expected, what, timeout_s=30):
    """Poll ``probe()`` until it returns ``expected``; fail saying what was seen."""
    deadline = time.monotonic() + timeout_s
    seen = probe()
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = probe()
    assert seen == expected, f"{what}: expected {expected!r}, the page shows {seen!r}"


def readout(explorer, name):
    """The text of one readout row ("difference", "gradapprox", ...) of an explorer."""
    return explorer.locator(f".gc-readout .gc-{name} code").inner_text()


def shown_check(explorer):
    return readout(explorer, "gradapprox"), readout(explorer, "difference")


def expected_check(line, epsilon, method, precision):
    result = numerics.check(line, epsilon, method, precision)
    return f"{result.gradapprox:.12g}", f"{result.difference:.3e}"


def plot(explorer):
    """The plot's PNG (as its URL) and its caption, which names the marker's position."""
    return explorer.locator("img").get_attribute("src"), explorer.locator(".gc-plot-caption").inner_text()


def set_epsilon(explorer, text):
    """Type a value into the epsilon slider's readout, as a learner can."""
    box = explorer.locator(".widget-slider .widget-readout")
    box.click()
    box.press("Control+a")
    box.type(text)
    box.press("Enter")


def click_option(explorer, label):
    buttons = explorer.locator("button.widget-toggle-button")
    buttons.filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()


def snapshot(explorer, name):
    """A screenshot of one explorer alone, kept as a test artifact."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    explorer.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"))


def flagged_blocks(explorer):
    """How many blocks the breakdown table lists, and those it flags, read in one go: the kernel
    replaces the whole table, and rows read one by one could straddle two tables."""
    rows = explorer.locator(".gc-breakdown tr.gc-block").evaluate_all(
        "rows => rows.map(r => [r.dataset.block, r.innerText.includes('disagrees')])")
    return len(rows), {block for block, flagged in rows if flagged}


def test_explorers_render_and_follow_the_controls(tmp_path):
    require_chromium()
    edition = tmp_path / "edition"
    shutil.copytree(EDITION, edition, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    buggy = notebook_functions()["backward_propagation_n"]
    expected_ids = explorer_cells()

    with jupyter_lab(edition, scratch_dir=tmp_path / "lab") as lab, \
            chromium_page(viewport={"width": 1280, "height": 1400}) as page:
        open_notebook(page, lab, EXPLORER_NB)
        run_all_cells(page, timeout_s=180)
        explorers = page.locator(".gc-explorer")
        wait_until(explorers.count, len(expected_ids), "explorers rendered")
        assert_no_error_outputs(page)
        assert_no_widget_errors(page)
        screenshot(page, "explorer-notebook", whole_notebook=True)

        # The first explorer: J = x sin(theta). Slider, then every toggle, one at a time.
        first = explorers.nth(expected_ids.index("lab-v"))
        first.scroll_into_view_if_needed()
        line = numerics.one_d_line("sine")
        before = plot(first)
        set_epsilon(first, "1e-2")
        wait_until(lambda: shown_check(first), expected_check(line, 1e-2, "centered", "float64"),
                   "readout after epsilon = 1e-2")
        difference = numerics.check(line, 1e-2).difference
        wait_until(lambda: plot(first)[1], f"marker at ε = 1.000e-02, difference = {difference:.3e}",
                   "plot marker after epsilon = 1e-2")
        assert plot(first)[0] != before[0], "the plot did not change when epsilon moved"
        # Dragging, as a learner does, step by step: the keyboard on the slider's handle (20 steps
        # of 0.05 decades) takes epsilon from 1e-2 to 1e-3.
        handle = first.locator(".widget-slider .noUi-handle[role=slider]")
        handle.focus()
        for _ in range(20):
            handle.press("ArrowLeft")
        difference = numerics.check(line, 1e-3).difference
        wait_until(lambda: plot(first)[1], f"marker at ε = 1.000e-03, difference = {difference:.3e}",
                   "plot marker after 20 steps to the left")
        wait_until(lambda: readout(first, "difference"), f"{difference:.3e}", "readout after the drag")
        set_epsilon(first, "1e-2")
        wait_until(lambda: plot(first)[1].split(",")[0], "marker at ε = 1.000e-02", "back to 1e-2")
        for method, precision, click in (("forward", "float64", "forward"),
                                         ("forward", "float32", "float32"),
                                         ("complex-step", "float32", "complex-step")):
            before = plot(first)
            click_option(first, click)
            wait_until(lambda: shown_check(first), expected_check(line, 1e-2, method, precision),
                       f"readout after choosing {click}")
            assert plot(first)[0] != before[0], f"the plot did not change when choosing {click}"
        snapshot(first, "explorer-1d-after-toggles")

        # The model toggle switches to the assignment's linear model.
        click_option(first, "1-D: J = θ·x")
        wait_until(lambda: shown_check(first),
                   expected_check(numerics.one_d_line("linear"), 1e-2, "complex-step", "float32"),
                   "readout after choosing the linear model")

        # The network explorer: the breakdown points at dW2 and db1 with the buggy backprop only.
        network = explorers.nth(expected_ids.index("lab-network"))
        network.scroll_into_view_if_needed()
        set_epsilon(network, "1e-5")
        wait_until(lambda: shown_check(network),
                   expected_check(numerics.network_line(buggy), 1e-5, "centered", "float64"),
                   "network readout, buggy backprop, epsilon = 1e-5")
        # The breakdown is the last of the explorer's widgets the kernel updates, after the readout.
        wait_until(lambda: flagged_blocks(network), (6, {"W2", "b1"}), "breakdown, buggy backprop")
        snapshot(network, "explorer-network-buggy")
        click_option(network, "correct reference")
        wait_until(lambda: shown_check(network),
                   expected_check(numerics.network_line(), 1e-5, "centered", "float64"),
                   "network readout, fixed backprop")
        wait_until(lambda: flagged_blocks(network), (6, set()), "breakdown, fixed backprop")
        snapshot(network, "explorer-network-fixed")

        # The kink explorer asks about correct gradients, so it opens on them.
        kink = explorers.nth(expected_ids.index("lab-kink"))
        active = kink.locator(".widget-toggle-buttons").nth(1).locator("button.mod-active")
        assert active.inner_text().strip() == "correct reference"

        assert_no_widget_errors(page)
