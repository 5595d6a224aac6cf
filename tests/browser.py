"""Real-browser plumbing: a real JupyterLab 4 server driven by a real Chromium through Playwright.

The notebook tests elsewhere run cells with nbclient, which never renders anything. What a
student actually sees (ANSI-coloured test verdicts, ipywidgets sliders and buttons, a
kernel that must be *idle* before results count) only exists in a browser, so these
helpers start ``jupyter lab`` on a free localhost port and open it in headless Chromium.

Typical use, in a test::

    with jupyter_lab(course_copy, scratch_dir=tmp_path / "lab") as lab, \\
            chromium_page() as page:
        open_notebook(page, lab, "Gradient_Checking.ipynb")
        run_all_cells(page)
        assert "All tests passed." in output_texts(page)[test_cell_index]
        assert_no_widget_errors(page)
        screenshot(page, "solved")

Design choices, each for robustness:

- The browser is the system's Chromium (``$GC_CHROMIUM``, default Debian's
  ``/usr/bin/chromium``, installed by ``scripts/setup-browser``), never Playwright's
  download, which needs network access that CI does not have. A missing browser makes
  the test *fail* with a one-line fix, never skip.
- The server is isolated from the developer's own Jupyter setup: scratch config, data,
  runtime and IPython directories, and scratch JupyterLab user settings and workspaces.
  Kernel specs and lab extensions still come from the virtual environment
  (``.venv/share/jupyter``), which stays on Jupyter's path whatever JUPYTER_DATA_DIR says.
  So a personal theme, keyboard shortcut, saved layout, ``~/.ipython`` startup script or
  a ``python3`` kernel in the home directory cannot change what a test sees, and the
  tests never write into the home directory.
- The scratch settings turn off notebook windowing, so every cell is in the DOM and
  index ``i`` of the notebook is always cell ``i`` on the page, and turn off the news
  and update toasts that would otherwise cover part of the screenshots.
- Before a test uses the server, a kernel of the notebooks' kernel spec (``python3``) is
  started *through the server* and must import ``gc_grader``, ``numpy`` and
  ``ipywidgets`` from this very virtual environment: a wrong kernel is reported as such,
  not as a puzzling failure deep inside a notebook.
- Waiting is always on an observable condition (HTTP status, DOM state, kernel status),
  never on a fixed sleep, and every timeout says what it was waiting for and what it saw.

DOM facts these helpers rely on (JupyterLab 4.6, ipywidgets 8), useful for widget tests:

- notebook panel: ``.jp-NotebookPanel`` (others, in background tabs, carry ``lm-mod-hidden``);
- cell ``i`` (0-based, markdown cells included, same order as the ``.ipynb``):
  ``.jp-Notebook .jp-Cell`` nth ``i``, which also carries ``data-windowed-list-index="i"``;
- its prompt: ``.jp-InputPrompt`` with text ``[ ]:``, ``[*]:`` (running or queued) or ``[7]:``;
- its outputs: ``.jp-OutputArea-output``, one per output; tracebacks (and stderr) carry
  ``data-mime-type="application/vnd.jupyter.stderr"``; a widget's output holds its
  ``.jupyter-widgets`` tree directly;
- kernel status: read it with ``kernel_status`` (see there why not the toolbar's
  ``.jp-Notebook-ExecutionIndicator[data-status]``);
- menus: ``.lm-MenuBar-item`` (top menu bar), then ``.lm-Menu-item[data-command="..."]``,
  e.g. ``runmenu:run-all``;
- ipywidgets 8: ``FloatLogSlider`` is ``.widget-slider`` with an editable readout
  ``.widget-readout[contenteditable]`` (click, Ctrl+A, type, Enter sets the value) and a
  handle ``.noUi-handle[role=slider]`` (focus it, ArrowLeft/Right steps; its
  ``aria-valuenow`` is the exponent); ``ToggleButtons`` is ``.widget-toggle-buttons``
  with one ``button.widget-toggle-button[data-value]`` per option, ``mod-active`` on the
  selected one; ``Output`` is ``.widget-output``; a view that failed to render is a
  ``.jupyter-widgets-error-widget`` box ("Click to show javascript error.").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course import ROOT, VENV_BIN, tool_env

#: The browser the tests drive; scripts/setup-browser installs the default.
CHROMIUM = Path(os.environ.get("GC_CHROMIUM") or "/usr/bin/chromium")
#: Where screenshots (and failure traces) go; tests/artifacts/ is ignored by git.
ARTIFACTS_DIR = ROOT / "tests" / "artifacts" / "browser"
#: What the kernel of every course notebook must be able to import.
KERNEL_IMPORTS = ("gc_grader", "numpy", "ipywidgets")

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",                      # we may run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",   # no network here: no update, safe-browsing or metrics calls
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",           # containers often have a 64 MB /dev/shm, which crashes tabs
    "--no-proxy-server",                 # everything is on 127.0.0.1; an http_proxy must not interfere
)
VIEWPORT = {"width": 1280, "height": 900}

# Settings written into the server's scratch user-settings directory (see module docstring).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

# An HTTP opener that never goes through a proxy, whatever the environment says.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------- JupyterLab


def free_port():
    """A TCP port free on 127.0.0.1 right now (the OS picks it, so parallel runs do not clash)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server, as ``jupyter_lab`` yields it."""
    url: str          #: base URL, e.g. ``http://127.0.0.1:40123`` (no trailing slash)
    token: str        #: the server's token, needed by every request
    root_dir: Path    #: the directory the server serves
    log_path: Path    #: the server's stdout and stderr
    scratch_dir: Path  #: the isolated config/data/runtime/settings directories
    process: subprocess.Popen = field(repr=False)

    def tree_url(self, relative_path):
        """The ``/lab/tree/...`` URL that opens ``relative_path`` (relative to root_dir)."""
        return f"{self.url}/lab/tree/{urllib.parse.quote(str(relative_path))}?token={self.token}"

    def api(self, path, method="GET", body=None, timeout=10):
        """Call the server's REST API; return (HTTP status, decoded JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        try:
            with _HTTP.open(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            return error.code, None

    def log_tail(self, lines=40):
        """The last lines of the server log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(no server log: {error})"
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def jupyter_lab(root_dir, *, scratch_dir=None, kernel_name="python3", startup_timeout_s=90,
                extra_args=(), command=None, cwd=None, extra_env=None):
    """Run ``jupyter lab`` serving ``root_dir`` on a free localhost port; yield a ``Lab``.

    ``scratch_dir`` receives the isolated config/data/runtime/settings directories and
    ``server.log``; pass a pytest ``tmp_path`` subfolder to keep them for post-mortems.
    ``command`` starts the server instead of this venv's ``jupyter lab``, e.g. ``./start-lab``,
    which must serve ``root_dir`` itself and pass on its arguments (these helpers' options
    but ``--ServerApp.root_dir``, which traitlets accepts once); it runs in ``cwd`` (default
    ``root_dir``) with ``extra_env`` added to the environment.
    By default a temporary directory is used and removed on exit. On exit the server is
    stopped with SIGTERM (it shuts its kernels down itself); whatever survives 20 s
    is killed, kernels included.
    """
    root_dir = Path(root_dir).resolve()
    own_scratch = scratch_dir is None
    scratch = Path(tempfile.mkdtemp(prefix="gc-lab-") if own_scratch else scratch_dir).resolve()
    dirs = {name: scratch / name for name in ("config", "data", "runtime", "ipython", "settings", "workspaces")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    for name, value in LAB_SETTINGS.items():
        target = dirs["settings"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value, indent=2))
    env = dict(tool_env(), **(extra_env or {}),
               JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]))
    launch = [str(part) for part in command] if command else [str(VENV_BIN / "jupyter"), "lab"]
    log_path = scratch / "server.log"
    lab = None
    try:
        # A port can be taken between free_port() and the server's bind; try another then.
        for _ in range(3):
            lab = _start_server(root_dir, env, dirs, log_path, extra_args, launch, Path(cwd or root_dir),
                                launch_serves_root=bool(command))
            try:
                _wait_until_serving(lab, startup_timeout_s)
                break
            except _PortInUse:
                _stop_server(lab)
                lab = None
        else:
            raise AssertionError(f"JupyterLab could not bind a free port in 3 attempts; see {log_path}")
        check_kernel(lab, kernel_name)
        yield lab
    finally:
        if lab is not None:
            _stop_server(lab)
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


class _PortInUse(Exception):
    pass


def _start_server(root_dir, env, dirs, log_path, extra_args, launch, cwd, launch_serves_root):
    port, token = free_port(), os.urandom(16).hex()
    command = [
        *launch, "--no-browser",
        f"--port={port}", "--ServerApp.port_retries=0",   # fail rather than serve elsewhere
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        # A command of the caller's serves root_dir itself (./start-lab: its workspace/).
        *([] if launch_serves_root else [f"--ServerApp.root_dir={root_dir}"]),
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.news_url=None",                                       # no network
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp, read (never driven) by kernel_status(): see its docstring.
        "--LabApp.expose_app_in_browser=True",
        *(["--allow-root"] if os.geteuid() == 0 else []),
        *extra_args,
    ]
    with open(log_path, "ab") as log:
        log.write(f"$ {' '.join(command)}\n".encode())
        log.flush()
        # Its own session, so that signals meant for pytest (Ctrl-C) reach it only through us.
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Lab(url=f"http://127.0.0.1:{port}", token=token, root_dir=root_dir,
               log_path=log_path, scratch_dir=log_path.parent, process=process)


def _wait_until_serving(lab, timeout_s):
    """Return once ``GET /api/status`` answers 200; raise with the log tail otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status, _ = lab.api("/api/status", timeout=5)
            if status == 200:
                return
        except OSError:
            pass    # not listening yet
        if lab.process.poll() is not None:
            tail = lab.log_tail()
            if re.search(r"address already in use|port .* is already in use", tail, re.IGNORECASE):
                raise _PortInUse()
            raise AssertionError(
                f"jupyter lab exited with code {lab.process.returncode} before serving; "
                f"last lines of {lab.log_path}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"jupyter lab did not answer {lab.url}/api/status within {timeout_s} s; "
                f"last lines of {lab.log_path}:\n{lab.log_tail()}")
        time.sleep(0.2)


def _stop_server(lab, grace_s=20):
    """SIGTERM the server (it then shuts its kernels down); kill what is left after grace_s.

    Kernels run in sessions of their own, so killing the server's process group would
    miss them: their PIDs are collected first, and any survivor is killed at the end.
    """
    import psutil    # a dependency of ipykernel, hence always in the venv

    process = lab.process
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


def check_kernel(lab, kernel_name="python3", timeout_s=60):
    """Start kernel ``kernel_name`` through ``lab`` and check it is this venv's Python with
    ``KERNEL_IMPORTS`` importable; shut it down again. Raises AssertionError otherwise.

    Why: notebooks name their kernel (``python3``) and the server resolves that name
    through Jupyter's search path. If it resolved to some other Python, every notebook
    test would fail later with an obscure ImportError or, worse, pass on other packages.
    """
    from jupyter_client import BlockingKernelClient

    status, model = lab.api("/api/kernels", method="POST", body={"name": kernel_name})
    assert status == 201, f"the server could not start kernel {kernel_name!r} (HTTP {status}):\n{lab.log_tail()}"
    kernel_id = model["id"]
    client = BlockingKernelClient()
    try:
        # The server writes the connection file into our scratch runtime directory.
        client.load_connection_file(_connection_file(lab, kernel_id))
        client.start_channels()
        client.wait_for_ready(timeout=timeout_s)
        stdout, complaints = [], []

        def collect(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                (stdout if content["name"] == "stdout" else complaints).append(content["text"])
            elif msg["msg_type"] == "error":
                complaints.append("\n".join(content["traceback"]))

        reply = client.execute_interactive(
            f"import sys, {', '.join(KERNEL_IMPORTS)}\nprint(sys.prefix, end='')",
            timeout=timeout_s, store_history=False, output_hook=collect)
        assert reply["content"]["status"] == "ok", (
            f"kernel {kernel_name!r} cannot import {', '.join(KERNEL_IMPORTS)}; run scripts/setup-venv. "
            f"Kernel said:\n{_strip_ansi(''.join(complaints))}")
        prefix = "".join(stdout)
        assert Path(prefix).resolve() == Path(sys.prefix).resolve(), (
            f"kernel {kernel_name!r} runs in {prefix}, not in this virtual environment ({sys.prefix})")
    finally:
        client.stop_channels()
        lab.api(f"/api/kernels/{kernel_id}", method="DELETE")


def _connection_file(lab, kernel_id):
    path = lab.scratch_dir / "runtime" / f"kernel-{kernel_id}.json"
    assert path.is_file(), f"the server wrote no connection file {path} for kernel {kernel_id}"
    return str(path)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip_ansi(text):
    return _ANSI.sub("", text)


# --------------------------------------------------------------------------- Chromium


@dataclass
class _PageState:
    """What chromium_page records about its page; see console_errors and screenshot."""
    artifacts_dir: Path
    console: list = field(default_factory=list)   # (kind, text, script URL) of errors


_PAGES = weakref.WeakKeyDictionary()


def _state(page):
    try:
        return _PAGES[page]
    except KeyError:
        raise AssertionError("this page was not opened by browser.chromium_page") from None


def require_chromium():
    """Fail the test at once, with the fix, if the Chromium to drive is missing.

    A failure, never a skip: a browser test that silently does not run proves nothing.
    Call it first in a test to fail in a second rather than after starting a server.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup-browser "
                    "(or set GC_CHROMIUM to a Chromium binary)", pytrace=False)


@contextmanager
def chromium_page(artifacts_dir=ARTIFACTS_DIR, *, viewport=None):
    """Launch headless Chromium with a fresh profile; yield one Playwright ``Page``.

    Every console error and uncaught page exception is recorded (``console_errors``).
    If the ``with`` block raises, a screenshot of the page at that moment is saved into
    ``artifacts_dir`` as ``failure-<time>.png``: usually the fastest way to see why.
    The profile is a new temporary directory, so no cache, cookie or stored JupyterLab
    state of an earlier run can leak in. Playwright's sync API allows one of these at a
    time per thread; for a second tab use ``page.context.new_page()`` (its console is
    then not recorded).
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    artifacts_dir = Path(artifacts_dir)
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gc-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS),
            viewport=viewport or VIEWPORT)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            state = _PAGES[page] = _PageState(artifacts_dir)
            page.on("console", lambda message: message.type == "error" and state.console.append(
                ("console", message.text, message.location.get("url", ""))))
            page.on("pageerror", lambda error: state.console.append(
                ("pageerror", f"{error.name}: {error.message}\n{error.stack or ''}", "")))
            try:
                yield page
            except BaseException:
                try:
                    path = artifacts_dir / f"{_artifact_name('failure')}.png"
                    page.screenshot(path=str(path), timeout=10_000)
                    print(f"browser: screenshot of the failure in {path}")
                except Exception as error:   # never hide the original failure
                    print(f"browser: could not take a failure screenshot: {error}")
                raise
        finally:
            context.close()


def screenshot(page, name, *, whole_notebook=False):
    """Save a PNG of ``page`` as ``<artifacts_dir>/<name>.png``; return its path.

    JupyterLab never scrolls the page itself, only the notebook inside it, so a plain
    screenshot shows what fits in the window. With ``whole_notebook=True`` the window is
    made tall enough for all cells of the front notebook (up to 20,000 px) for the shot,
    then given back its size.
    """
    path = _state(page).artifacts_dir / f"{name}.png"
    original = page.viewport_size
    # How much taller the notebook's cells are than the part of them on screen.
    measure = """(sel) => {
        const outer = document.querySelector(sel + ' .jp-WindowedPanel-outer');
        const inner = outer && outer.querySelector('.jp-WindowedPanel-inner');
        return inner ? inner.offsetHeight + 20 - outer.clientHeight : 0;
    }"""
    grow = page.evaluate(measure, PANEL) if whole_notebook else 0
    if grow > 0:
        page.set_viewport_size({"width": original["width"], "height": min(original["height"] + grow, 20_000)})
        try:   # let JupyterLab lay itself out in the taller window; a partial shot is still useful
            page.wait_for_function(f"(sel) => ({measure})(sel) <= 0", arg=PANEL, timeout=5_000)
        except Exception:
            pass
    try:
        if grow > 0:   # Run All leaves the notebook scrolled to its end
            page.evaluate("(sel) => { const o = document.querySelector(sel + ' .jp-WindowedPanel-outer');"
                          " if (o) o.scrollTop = 0; }", PANEL)
        page.screenshot(path=str(path))
    finally:
        if grow > 0:
            page.set_viewport_size(original)
    return path


def _artifact_name(kind):
    """``<kind>-<running pytest test>-<time>``: artifacts of parallel runs do not collide."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0].split("::")[-1]
    return "-".join(filter(None, (kind, re.sub(r"[^\w.-]+", "_", test)[:80],
                                  time.strftime("%Y%m%d-%H%M%S"), str(os.getpid()))))


def console_errors(page):
    """Every console error and uncaught exception the page has produced so far, as text."""
    return [text if not url else f"{text} (at {url})" for _, text, url in _state(page).console]


# --------------------------------------------------------------------------- notebooks

# The notebook panel of the tab in front; background tabs are hidden with lm-mod-hidden.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELL = ".jp-Notebook .jp-Cell"
OUTPUT = ".jp-OutputArea-output"


def notebook_panel(page):
    """Locator of the notebook panel in front (the one the user sees)."""
    return page.locator(PANEL)


def cell(page, index):
    """Locator of cell ``index`` (0-based, markdown cells included, as in the .ipynb)."""
    return notebook_panel(page).locator(CELL).nth(index)


def cell_outputs(page, index):
    """Locator of the output items of cell ``index`` (one per output of the cell)."""
    return cell(page, index).locator(OUTPUT)


def kernel_status(page):
    """The front notebook's kernel status: ``idle``, ``busy``, ``starting``, ... once its
    kernel is connected, else ``connecting``, ``disconnected`` or ``no kernel``.

    Why not the toolbar's ``.jp-Notebook-ExecutionIndicator[data-status]``: it says
    ``idle`` for a moment while the notebook has *no kernel yet*, and a Run All clicked
    then silently runs nothing. So this reads the kernel connection itself, through
    ``window.jupyterapp`` (exposed by the server's ``expose_app_in_browser``, as
    JupyterLab's own UI tests do); nothing is ever driven through it.
    """
    snapshot = _snapshot(page)
    return None if snapshot is None else snapshot["status"]


# One snapshot of the front notebook: kernel status, each cell's prompt, any open dialog.
_SNAPSHOT_JS = """(sel) => {
    const panel = document.querySelector(sel.panel);
    if (!panel) return null;
    let status = 'no kernel';
    const app = window.jupyterapp;
    if (!app) {
        status = 'unknown (window.jupyterapp missing: start the server with expose_app_in_browser)';
    } else {
        for (const widget of app.shell.widgets('main')) {
            const kernel = widget.id === panel.id && widget.sessionContext
                && widget.sessionContext.session && widget.sessionContext.session.kernel;
            if (kernel) status = kernel.connectionStatus === 'connected' ? kernel.status : kernel.connectionStatus;
        }
    }
    const cells = [...panel.querySelectorAll(sel.cell)].map((c) => {
        const prompt = c.querySelector('.jp-InputPrompt');
        const line = c.querySelector('.cm-line');
        return {prompt: prompt ? prompt.textContent.trim() : null,
                code: c.classList.contains('jp-CodeCell'),
                first_line: line ? line.textContent : ''};
    });
    const dialog = document.querySelector('.jp-Dialog');
    return {status, cells,
            dialog: dialog ? dialog.innerText : null, started: !!panel.__gcRunStarted};
}"""


def _snapshot(page):
    return page.evaluate(_SNAPSHOT_JS, {"panel": PANEL, "cell": CELL})


def _describe(snapshot):
    if snapshot is None:
        return "no notebook panel is shown"
    busy = [f"  cell {i} {c['prompt']} {c['first_line'][:60]!r}"
            for i, c in enumerate(snapshot["cells"]) if c["prompt"] and "*" in c["prompt"]]
    lines = [f"kernel status: {snapshot['status']}; {len(snapshot['cells'])} cells"]
    if not snapshot["started"]:
        lines.append("no prompt has shown [*] since the run was asked for")
    if busy:
        lines += ["cells still running or queued:", *busy]
    if snapshot["dialog"]:
        lines.append(f"an open dialog says: {snapshot['dialog']!r}")
    return "\n".join(lines)


def _poll(page, done, timeout_s, what):
    """Poll ``_snapshot`` until ``done(snapshot)``; on timeout fail with a description and screenshot."""
    deadline = time.monotonic() + timeout_s
    while True:
        snapshot = _snapshot(page)
        if snapshot is not None and done(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            shot = screenshot(page, _artifact_name("timeout"))
            errors = console_errors(page)
            raise AssertionError(
                f"timed out after {timeout_s} s waiting for {what}\n{_describe(snapshot)}\n"
                f"screenshot: {shot}" + (f"\nbrowser console errors:\n" + "\n".join(errors[-10:]) if errors else ""))
        page.wait_for_timeout(200)


def wait_for_kernel_idle(page, timeout_s=60):
    """Wait until the front notebook's kernel is connected and idle."""
    _poll(page, lambda s: s["status"] == "idle", timeout_s, "the kernel to be idle")


def open_notebook(page, lab, relative_path, *, timeout_s=90):
    """Open ``relative_path`` (relative to lab.root_dir) in JupyterLab; wait until its cells
    are shown and its kernel is idle. Returns the notebook panel's locator."""
    page.goto(lab.tree_url(relative_path))
    name = Path(relative_path).name
    # The tab in front must be this notebook (its title is the file name).
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current",
                 has_text=name).wait_for(timeout=timeout_s * 1000)
    notebook_panel(page).locator(CELL).first.wait_for(timeout=timeout_s * 1000)
    wait_for_kernel_idle(page, timeout_s)
    return notebook_panel(page)


def run_all_cells(page, timeout_s=180):
    """Run every cell with the menu Run > Run All Cells, and wait until it truly finished.

    Finished means: the run has started (some prompt turned ``[*]``, seen through a
    MutationObserver, so even a run faster than our polling counts), no prompt shows
    ``[*]`` any more (queued cells show it too), and the kernel is idle. A cell that
    raises stops the run (later cells are not executed), which also counts as finished:
    check the outputs. On timeout the error lists the cells still running.
    """
    page.evaluate("""(sel) => {
        const panel = document.querySelector(sel);
        panel.__gcRunStarted = false;
        if (panel.__gcObserver) panel.__gcObserver.disconnect();
        panel.__gcObserver = new MutationObserver(() => {
            if ([...panel.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'))) {
                panel.__gcRunStarted = true;
                panel.__gcObserver.disconnect();
            }
        });
        panel.__gcObserver.observe(panel, {subtree: true, childList: true, characterData: true});
    }""", PANEL)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^\s*Run\s*$")).click()
    item = page.locator('.lm-Menu-item[data-command="runmenu:run-all"]')
    item.wait_for(timeout=10_000)
    # Disabled when JupyterLab has no notebook in front; clicking it would then do nothing.
    assert "lm-mod-disabled" not in (item.get_attribute("class") or ""), \
        "Run > Run All Cells is disabled: is a notebook open and in front?"
    item.click()
    _poll(page,
          lambda s: s["started"] and s["status"] == "idle"
          and not any(c["prompt"] and "*" in c["prompt"] for c in s["cells"]),
          timeout_s, "Run All Cells to finish")


def output_texts(page):
    """The visible text of each cell's outputs, one string per cell (``""`` for none)."""
    return page.evaluate("""(sel) => {
        const panel = document.querySelector(sel.panel);
        return [...panel.querySelectorAll(sel.cell)].map((c) =>
            [...c.querySelectorAll(sel.output)].map((o) => o.innerText).join('\\n'));
    }""", {"panel": PANEL, "cell": CELL, "output": OUTPUT})


def error_outputs(page):
    """``(cell index, text)`` of every output that shows an exception's traceback."""
    # JupyterLab renders error outputs (and stderr streams) with this MIME type; an
    # exception's rendering always carries the exception name and ends a traceback.
    texts = page.evaluate("""(sel) => {
        const panel = document.querySelector(sel.panel);
        return [...panel.querySelectorAll(sel.cell)].map((c) =>
            [...c.querySelectorAll(sel.output + '[data-mime-type="application/vnd.jupyter.stderr"]')]
                .map((o) => o.innerText));
    }""", {"panel": PANEL, "cell": CELL, "output": OUTPUT})
    traceback = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.MULTILINE)
    return [(i, text) for i, outputs in enumerate(texts) for text in outputs if traceback.search(text)]


#: Texts that ipywidgets' front end puts in an output instead of a working widget.
WIDGET_ERROR_TEXT = re.compile(
    r"Error displaying widget|Failed to (load|create|display|render) (model|view|widget)"
    r"|Could not (create|instantiate) (a )?(model|view|widget)|Loading widget\.\.\.")
#: Console messages about widgets (the widget manager logs these on failures).
WIDGET_ERROR_CONSOLE = re.compile(r"widget|Could not create a (model|view)", re.IGNORECASE)
#: The box ipywidgets 8 draws where a view failed to render ("Click to show javascript error.").
WIDGET_ERROR_BOX = ".jupyter-widgets-error-widget"


def widget_errors(page, settle_s=10):
    """Widget problems visible in outputs or in the console, as a list of messages.

    Three sources, because each failure shows up in a different one: texts in outputs
    (``Error displaying widget: model not found``, ``Loading widget...`` that never
    ends), the error box of a view that failed to render (clicked here to reveal its
    message, which names the view and the JavaScript exception), and console errors
    logged by the widget manager's scripts or about widgets. ``Loading widget...`` is
    transient, so outputs get up to ``settle_s`` seconds to leave it first.
    """
    deadline = time.monotonic() + settle_s
    while any("Loading widget..." in text for text in output_texts(page)) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    problems = [f"cell {i} output shows {match.group(0)!r}: {text[:300]!r}"
                for i, text in enumerate(output_texts(page))
                for match in [WIDGET_ERROR_TEXT.search(text)] if match]
    boxes = notebook_panel(page).locator(WIDGET_ERROR_BOX)
    for n in range(boxes.count()):
        box = boxes.nth(n)
        index = box.evaluate("(box, cell) => [...document.querySelectorAll(cell)].indexOf(box.closest('.jp-Cell'))",
                             f"{PANEL} {CELL}")
        try:   # the message is only rendered once the box is clicked
            box.click(timeout=5_000)
            message = box.inner_text(timeout=5_000)
        except Exception as error:
            message = f"(could not reveal the message: {error})"
        # Its first lines name the view and the exception; one stack frame says where.
        message = " | ".join(_squeeze(message).split(" | ")[1:4])
        problems.append(f"cell {index}: a widget view failed to render: {message}")
    for kind, text, url in _state(page).console:
        if "@jupyter-widgets" in url or WIDGET_ERROR_CONSOLE.search(text):
            problems.append(f"{kind}: {text[:500]}" + (f" (at {url})" if url else ""))
    return problems


def _squeeze(text):
    return re.sub(r"\s*\n\s*", " | ", text.strip())


def assert_no_widget_errors(page, settle_s=10):
    """Fail if any output shows a widget error or the console has a widget-related error."""
    problems = widget_errors(page, settle_s)
    assert not problems, "widget errors:\n" + "\n".join(problems)


def assert_no_error_outputs(page):
    """Fail if any cell output shows an exception's traceback."""
    errors = error_outputs(page)
    assert not errors, "cells raised:\n" + "\n".join(f"cell {i}:\n{_strip_ansi(t)[-1500:]}" for i, t in errors)
