"""Print how many milliseconds the epsilon explorer needs per update, as a learner sees it.

benchmarks/explorer_update_ms.py times only the kernel's share of an update. What a
learner feels is longer: the browser sends the new value over the kernel's websocket,
the kernel computes, sends the plot, caption and readout back, and the browser puts them
on screen; and while the slider moves, ipywidgets keeps at most one change in flight and
merges the others, so a quick drag shows fewer updates than positions. This script
measures that whole path in a real JupyterLab in a real Chromium (tests/browser.py): a
copy of notebooks/, Epsilon_Explorer.ipynb opened and run with Run > Run All Cells, then,
for the 1-D explorer (cell ``lab-v``) and the network explorer (cell ``lab-network``):

- epsilon moves: the slider is first put at 1e-12 (typed into its readout, not timed);
  then, for N positions spread evenly (in log10) over 1e-12..1e-3, its handle is focused
  and moved there with ArrowRight presses, one slider step each, as a drag moves it step
  by step. Two times per move: until the caption under the plot first changes (one
  update, the latency of a single change), and until it names the new position (the
  drag's end is on screen; merged updates included). Also how many captions were shown.
- toggles: the method, precision and (network) backprop buttons clicked in turn, every
  combination twice, until the caption or the readout changes; split into settings shown
  for the first time (the kernel computes a new error curve) and settings seen before.

All times are taken inside the page with ``performance.now()``: from the first keydown
or click event the page receives to the DOM mutation (seen by a MutationObserver) that
puts the new text in; Playwright's round trips are not counted, the browser's next paint
(usually within a frame, 16 ms) is not either. Between two measurements the kernel must
be idle and the explorer unchanged for a moment. Prints figures and the machine's load
(these are wall-clock times: a busy machine makes them longer); asserts nothing.

    .venv/bin/python benchmarks/explorer_browser_ms.py [--moves N]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]      # the tests' plumbing and the helper modules
os.environ.pop("NBGRADER_EXECUTION", None)

import gc_epsilon  # noqa: E402
import gc_explorer  # noqa: E402
from browser import chromium_page, jupyter_lab, open_notebook, run_all_cells  # noqa: E402
from course import read_notebook  # noqa: E402

EDITION = ROOT / "notebooks"
NOTEBOOK = "Epsilon_Explorer.ipynb"
EXPLORERS = (("1-D", "lab-v"), ("network", "lab-network"))
LOWEST, HIGHEST = -12, -3            # log10 of the epsilon range the moves cover
TIMEOUT_MS = 30_000                  # one update that takes longer counts as lost
QUIET_MS = 150                       # explorer unchanged this long (kernel idle): the update is over

# Installed once in the page: records what changes in one explorer and when.
#  arm(i, event): watch explorer i; the first `event` (keydown, click) it receives is time 0.
#  waitFor(pred): resolves true once pred() holds (checked on every mutation and every 20 ms).
#  quiet(): resolves once the kernel is idle and the explorer has not changed for QUIET_MS.
SETUP_JS = """(panelSelector) => {
    const B = window.__gcBench = {};
    B.box = (i) => document.querySelectorAll('.gc-explorer')[i];
    B.kernelIdle = () => {
        const app = window.jupyterapp, panel = document.querySelector(panelSelector);
        if (!app || !panel) return true;
        for (const widget of app.shell.widgets('main')) {
            const kernel = widget.id === panel.id && widget.sessionContext
                && widget.sessionContext.session && widget.sessionContext.session.kernel;
            if (kernel) return kernel.connectionStatus === 'connected' && kernel.status === 'idle';
        }
        return false;
    };
    B.arm = (i, startEvent) => {
        if (B.disarm) B.disarm();
        const box = B.box(i);
        const nodes = {caption: box.querySelector('.gc-plot-caption'),
                       readout: box.querySelector('.gc-readout').closest('.widget-html'),
                       plot: box.querySelector('img')};
        const read = (what) => what === 'plot' ? nodes.plot.getAttribute('src') : nodes[what].textContent;
        const last = {};
        for (const what in nodes) last[what] = read(what);
        const rec = B.rec = {t0: null, changes: [], lastMutation: performance.now(), waiters: new Set()};
        const observer = new MutationObserver(() => {
            const now = performance.now();
            rec.lastMutation = now;
            for (const what in nodes) {
                const text = read(what);
                if (text !== last[what]) { last[what] = text; rec.changes.push({t: now, what, text}); }
            }
            for (const check of [...rec.waiters]) check();
        });
        observer.observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
        const onStart = () => { rec.tLast = performance.now(); if (rec.t0 === null) rec.t0 = rec.tLast; };
        box.addEventListener(startEvent, onStart, true);
        B.disarm = () => {
            observer.disconnect(); box.removeEventListener(startEvent, onStart, true); B.disarm = null;
        };
    };
    B.waitFor = (pred, timeoutMs) => new Promise((resolve) => {
        const rec = B.rec;
        if (pred()) { resolve(true); return; }
        const check = () => { if (pred()) done(true); };
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => done(false), timeoutMs);
        function done(ok) { clearInterval(poll); clearTimeout(timer); rec.waiters.delete(check); resolve(ok); }
        rec.waiters.add(check);
    });
    B.quiet = (quietMs, timeoutMs) =>
        B.waitFor(() => B.kernelIdle() && performance.now() - B.rec.lastMutation >= quietMs, timeoutMs);
    B.epsilonOf = (text) => { const m = /ε = ([-+0-9.eE]+)/.exec(text || ''); return m ? parseFloat(m[1]) : NaN; };
}"""

# After the key presses: wait until the caption names the handle's position; report.
MOVE_RESULT_JS = """async ({index, timeoutMs, quietMs}) => {
    const B = window.__gcBench, rec = B.rec;
    // The handle's aria-valuenow is rounded to 0.1; the slider's own value is exact.
    const exponent = Number(B.box(index).querySelector('.noUi-target').noUiSlider.get(true));
    const target = Math.pow(10, exponent);
    const hit = () => rec.changes.find((c) => c.what === 'caption'
                                        && Math.abs(B.epsilonOf(c.text) / target - 1) < 2e-3);
    const ok = await B.waitFor(() => !!hit(), timeoutMs);
    const settledAt = ok ? hit().t : null;
    await B.quiet(quietMs, timeoutMs);
    const captions = rec.changes.filter((c) => c.what === 'caption');
    B.disarm();
    return {ok, exponent, started: rec.t0 !== null,
            first: captions.length && rec.t0 !== null ? captions[0].t - rec.t0 : null,
            settled: ok && rec.t0 !== null ? settledAt - rec.t0 : null,
            afterLast: ok && rec.t0 !== null ? settledAt - rec.tLast : null,
            pressing: rec.t0 !== null ? rec.tLast - rec.t0 : null,
            captions: captions.filter((c) => settledAt === null || c.t <= settledAt).length,
            later: captions.filter((c) => settledAt !== null && c.t > settledAt).length};
}"""

# After a click: wait for the caption or the readout to change (the plot, which always
# changes since its title names the setting, only if neither does within fallbackMs).
TOGGLE_RESULT_JS = """async ({timeoutMs, quietMs, fallbackMs}) => {
    const B = window.__gcBench, rec = B.rec;
    const text = () => rec.changes.find((c) => c.what !== 'plot');
    const plot = () => rec.changes.find((c) => c.what === 'plot');
    const ok = await B.waitFor(() => !!text() || (!!plot() && performance.now() - plot().t > fallbackMs),
                               timeoutMs);
    const seen = text() || plot();
    await B.quiet(quietMs, timeoutMs);
    B.disarm();
    return {ok, started: rec.t0 !== null, what: seen ? seen.what : null,
            ms: ok && rec.t0 !== null ? seen.t - rec.t0 : null};
}"""

SETTLE_JS = """async ({quietMs, timeoutMs}) => {
    const B = window.__gcBench;
    B.arm(0, 'none');
    const ok = await B.quiet(quietMs, timeoutMs);
    B.disarm();
    return ok;
}"""


def explorer_index(cell_id):
    """Position of the explorer of cell ``cell_id`` among the page's .gc-explorer boxes."""
    ids = [c.id for c in read_notebook(EDITION / NOTEBOOK).cells
           if c.cell_type == "code" and "explore_epsilon(" in c.source]
    return ids.index(cell_id)


def settle(page):
    page.evaluate(SETTLE_JS, {"quietMs": QUIET_MS, "timeoutMs": TIMEOUT_MS})


def type_epsilon(page, box, index, text):
    """Type a value into the slider's readout (untimed) and wait until the caption names it."""
    page.evaluate("(i) => window.__gcBench.arm(i, 'keydown')", index)
    readout = box.locator(".widget-slider .widget-readout")
    readout.click()
    readout.press("Control+a")
    readout.type(text)
    readout.press("Enter")
    result = page.evaluate(MOVE_RESULT_JS, {"index": index, "timeoutMs": TIMEOUT_MS, "quietMs": QUIET_MS})
    if not result["ok"]:
        raise RuntimeError(f"the caption never named epsilon = {text} after typing it: {result}")


def epsilon_moves(page, box, index, moves):
    """Move the slider handle to ``moves`` positions over 10**LOWEST..10**HIGHEST; one record each."""
    handle = box.locator(".noUi-handle[role=slider]")
    step = page.evaluate("(h) => h.closest('.noUi-target').noUiSlider.options.step",
                         handle.element_handle()) or 0.05
    type_epsilon(page, box, index, f"1e{LOWEST}")
    position = page.evaluate("(h) => Number(h.closest('.noUi-target').noUiSlider.get(true))",
                             handle.element_handle())
    records = []
    for k in range(1, moves + 1):
        target = LOWEST + (HIGHEST - LOWEST) * k / moves
        presses = round((target - position) / step)
        handle.focus()
        page.evaluate("(i) => window.__gcBench.arm(i, 'keydown')", index)
        for _ in range(abs(presses)):
            page.keyboard.press("ArrowRight" if presses > 0 else "ArrowLeft")
        result = page.evaluate(MOVE_RESULT_JS, {"index": index, "timeoutMs": TIMEOUT_MS, "quietMs": QUIET_MS})
        result["presses"] = abs(presses)
        records.append(result)
        position = result["exponent"]
    return records


def toggle_clicks(page, box, index, network):
    """Click method, precision (and backprop) buttons in turn, every combination twice."""
    def active(group):
        return box.locator(".widget-toggle-buttons").nth(group).locator("button.mod-active").get_attribute("data-value")

    # The toggle groups in the order of gc_explorer's VBox: model, backprop, method, precision.
    groups = {"backprop": 1, "method": 2, "precision": 3}
    setting = {name: active(group) for name, group in groups.items()}
    seen = {tuple(sorted(setting.items()))}
    records = []
    for _ in range(2):
        for method in gc_epsilon.METHODS:
            for precision in gc_epsilon.PRECISIONS:
                clicks = [("method", method), ("precision", precision)]
                if network:
                    clicks += [("backprop", gc_explorer.REFERENCE), ("backprop", gc_explorer.YOURS)]
                for name, value in clicks:
                    if setting[name] == value:
                        continue            # clicking the active button changes nothing
                    button = box.locator(".widget-toggle-buttons").nth(groups[name]).locator(
                        f"button.widget-toggle-button[data-value='{value}']")
                    button.scroll_into_view_if_needed()
                    page.evaluate("(i) => window.__gcBench.arm(i, 'click')", index)
                    button.click()
                    result = page.evaluate(TOGGLE_RESULT_JS, {"timeoutMs": TIMEOUT_MS, "quietMs": QUIET_MS,
                                                              "fallbackMs": 2_000})
                    setting[name] = value
                    key = tuple(sorted(setting.items()))
                    result.update(kind=name, value=value, new=key not in seen)
                    seen.add(key)
                    records.append(result)
    return records


def figures(values):
    return (f"median {statistics.median(values):6.1f} ms (max {max(values):6.1f}, n={len(values)})"
            if values else "no measurement (n=0)")


def report(name, moves, toggles):
    lost = [r for r in moves + toggles if not r["ok"] or not r["started"]]
    first = [r["first"] for r in moves if r["first"] is not None]
    settled = [r["settled"] for r in moves if r["settled"] is not None]
    after_last = [r["afterLast"] for r in moves if r["afterLast"] is not None]
    print(f"{name:>8}: epsilon moves, first update {figures(first)}")
    print(f"{'':>8}  caption at the new epsilon, after the first key press {figures(settled)}; "
          f"after the last {figures(after_last)}")
    if moves:
        pressing = [r["pressing"] for r in moves if r["pressing"] is not None]
        print(f"{'':>8}  {statistics.median(r['presses'] for r in moves):.0f} key presses per move"
              + (f" over {statistics.median(pressing):.0f} ms" if pressing else "") + "; captions "
              f"shown per move median {statistics.median(r['captions'] for r in moves):.0f} "
              f"(min {min(r['captions'] for r in moves)}, max {max(r['captions'] for r in moves)})"
              + (f"; {sum(1 for r in moves if r['later'])} moves showed captions after the new epsilon"
                 if any(r["later"] for r in moves) else ""))
    times = [r["ms"] for r in toggles if r["ms"] is not None]
    new = [r["ms"] for r in toggles if r["ms"] is not None and r["new"]]
    again = [r["ms"] for r in toggles if r["ms"] is not None and not r["new"]]
    print(f"{'':>8}  toggles {figures(times)}; new setting {figures(new)}; seen before {figures(again)}")
    by_kind = {}
    for r in toggles:
        if r["ms"] is not None:
            by_kind.setdefault(r["kind"], []).append(r["ms"])
    print(f"{'':>8}  " + "; ".join(f"{kind} {figures(values)}" for kind, values in by_kind.items()))
    if toggles:
        r = toggles[0]
        print(f"{'':>8}  first toggle ({r['kind']} -> {r['value']}): "
              + (f"{r['ms']:.1f} ms" if r["ms"] is not None else "lost"))
    via_plot = [r for r in toggles if r["what"] == "plot"]
    if via_plot:
        print(f"{'':>8}  {len(via_plot)} toggles changed neither caption nor readout; timed by the plot: "
              + ", ".join(f"{r['kind']} -> {r['value']}" for r in via_plot))
    if lost:
        print(f"{'':>8}  {len(lost)} changes never showed within {TIMEOUT_MS / 1000:.0f} s (or never started)")


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20,
                        help=f"slider positions per explorer, spread over 1e{LOWEST}..1e{HIGHEST}")
    args = parser.parse_args()
    started = time.monotonic()
    print(f"load average (1, 5, 15 min) {load()} on {os.cpu_count()} CPUs, before")
    with tempfile.TemporaryDirectory(prefix="gc-bench-") as scratch:
        edition = Path(scratch) / "edition"
        shutil.copytree(EDITION, edition, symlinks=False,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        with jupyter_lab(edition, scratch_dir=Path(scratch) / "lab") as lab, \
                chromium_page(viewport={"width": 1280, "height": 1400}) as page:
            open_notebook(page, lab, NOTEBOOK)
            run_all_cells(page, timeout_s=300)
            ready = time.monotonic()
            explorers = page.locator(".gc-explorer")
            page.wait_for_function("(n) => document.querySelectorAll('.gc-explorer').length >= n",
                                   arg=max(explorer_index(cell_id) for _, cell_id in EXPLORERS) + 1,
                                   timeout=60_000)
            page.evaluate(SETUP_JS, ".jp-NotebookPanel:not(.lm-mod-hidden)")
            settle(page)
            print(f"JupyterLab started, notebook run in {ready - started:.1f} s")
            for name, cell_id in EXPLORERS:
                index = explorer_index(cell_id)
                box = explorers.nth(index)
                box.scroll_into_view_if_needed()
                moves = epsilon_moves(page, box, index, args.moves)
                toggles = toggle_clicks(page, box, index, network=name == "network")
                report(name, moves, toggles)
            measured = time.monotonic()
    print(f"load average (1, 5, 15 min) {load()}, after; measuring took {measured - ready:.1f} s, "
          f"the whole run {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
