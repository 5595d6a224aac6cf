"""Kernels and scripts forked from the zygote (gc_grader/sandbox/zygote.py), with real
bubblewrap and real kernels: each is confined exactly as one started from scratch, in a
sandbox of its own, holds nothing of the grader, and its end is seen as it would be,
exit code included.

The kernels are started by nbclient on the grading kernel (``gc-sandbox``), as nbgrader
starts them, the scripts as the judge starts its runner; ``Sandbox.zygote`` chooses the way."""

import json
import os
import re
import time
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from test_bubblewrap import executed  # the grading kernel running cells, as nbgrader starts it

from gc_grader.sandbox import zygote
from gc_grader.sandbox.zygote import ForkedProcess, Zygote

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "release" / "gradient_checking"

#: Everything a kernel can see of its own confinement, as JSON: what must not differ
#: between a forked kernel and one started from scratch.
PROBE = r"""
import json, os, re, resource, sys
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
mounts = sorted(" ".join([f[4], f[5]] + f[f.index("-") + 1:]) for f in
                (line.split() for line in open("/proc/self/mountinfo")))
print(json.dumps({
    "ids": [status[k].split() for k in ("Uid", "Gid", "Groups")],
    "capabilities": [status[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
    "no_new_privs": status["NoNewPrivs"], "seccomp": [status["Seccomp"], status["Seccomp_filters"]],
    "limits": {n: resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")},
    "environment": dict(os.environ), "cwd": os.getcwd(), "path": sys.path, "argv": sys.argv,
    "mounts": [re.sub(r"size=\d+k", "size", m) for m in mounts],
    "home": sorted(os.listdir(os.environ["HOME"])),
    "cgroup": open("/proc/self/cgroup").read(), "umask": os.umask(0o022),
    "hostname": os.uname().nodename, "interfaces": sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else None,
    "main": sorted(k for k in vars(sys.modules["__main__"]) if not k.startswith("_")),
    "grading_modules": sorted(m for m in sys.modules if m.startswith(("gc_grader", "zygote"))),
    "breakpointhook": f"{sys.breakpointhook.__module__}.{sys.breakpointhook.__qualname__}",
    "dumpable": __import__("ctypes").CDLL(None).prctl(3, 0, 0, 0, 0), "orig_argv": sys.orig_argv[1:],
    "own_environ": sorted(open("/proc/self/environ").read().split(chr(0))) != [],
}))
"""


#: The processes of the sandbox whose environ holds the grader's canary variable.
CANARY_READER = ("import os; print([open(f'/proc/{p}/comm').read().strip() for p in os.listdir('/proc') "
                 "if p.isdigit() and os.access(f'/proc/{p}/environ', os.R_OK) "
                 "and 'GC_ZYGOTE_CANARY' in open(f'/proc/{p}/environ').read()])")


def probe(zygote):
    seen = json.loads(executed(PROBE, zygote=zygote)[0])
    seen["environment"].pop("JPY_PARENT_PID", None)
    return seen


def test_a_forked_kernel_is_confined_exactly_as_one_started_from_scratch():
    forked, scratch = probe(zygote=True), probe(zygote=False)
    assert forked == scratch
    # And what they share is a confinement: an unprivileged uid or a user namespace, no capability.
    assert forked["capabilities"] == ["0000000000000000"] * 5
    assert forked["no_new_privs"] == "1" and forked["seccomp"] == ["2", "1"]
    assert forked["grading_modules"] == [] and not {"PRELOAD", "NAMESPACES", "serve"} & set(forked["main"])


#: Where a script is put inside, as the judge's runner is.
SCRIPT = "/opt/gc-probe/probe.py"


def run_script(zygote, source, tmp_path, stdin=b"", files=None):
    """``python SCRIPT an-argument``, SCRIPT holding ``source``, started by ``Sandbox.start_python``
    with pipes as the judge starts its runner, with ``files`` besides (inside name -> host path);
    (stdout, exit code, the process's type)."""
    from gc_grader.sandbox import Sandbox

    host = tmp_path / f"probe-{zygote}.py"
    host.write_text(source)
    confined, process = Sandbox(zygote=zygote).start_python([SCRIPT, "an-argument"],
                                                            files={**(files or {}), SCRIPT: str(host)}, pipes=True)
    try:
        try:
            process.stdin.write(stdin)
            process.stdin.close()
        except BrokenPipeError:     # it ended without reading (sys.exit at once, say), as the judge allows
            pass
        out = process.stdout.read()
        return out, process.wait(timeout=60), type(process)
    finally:
        process.kill()
        process.wait()
        confined.kill()


def test_a_forked_script_is_confined_and_started_exactly_as_one_from_scratch(tmp_path):
    (forked, code, kind), (scratch, scratch_code, scratch_kind) = (run_script(z, PROBE, tmp_path) for z in (True, False))
    assert (kind, scratch_kind) == (ForkedProcess, __import__("subprocess").Popen)
    forked, scratch = json.loads(forked), json.loads(scratch)
    assert forked == scratch and code == scratch_code == 0
    assert forked["argv"] == [SCRIPT, "an-argument"] and forked["path"][0] == os.path.dirname(SCRIPT)
    assert forked["grading_modules"] == [] and forked["capabilities"] == ["0000000000000000"] * 5
    # Its descriptors too: the standard three (and the one listing them), nothing of the zygote's.
    descriptors = "import os; print(sorted(os.listdir('/proc/self/fd')))"
    assert run_script(True, descriptors, tmp_path)[:2] == run_script(False, descriptors, tmp_path)[:2] \
        == (b"['0', '1', '2', '3']\n", 0)


def test_a_forked_script_whose_zygote_dies_meanwhile_ends_with_its_exit_code_unknown(tmp_path):
    """The zygote reports a forked process's exit code; if it dies first, the code is unknown
    (not taken for a kill), and what the process wrote still arrives: the judge then reads its report."""
    from gc_grader.sandbox import Sandbox

    host = tmp_path / "slow.py"
    host.write_text("import sys, time\ntime.sleep(1)\nprint(sys.stdin.read())\n")
    confined, process = Sandbox().start_python([SCRIPT], files={SCRIPT: str(host)}, pipes=True)
    try:
        assert isinstance(process, ForkedProcess)
        for zygote_process in Zygote._running.values():
            zygote_process.process.kill()
        process.stdin.write(b"still here")
        process.stdin.close()
        assert process.stdout.read() == b"still here\n"
        process.wait(timeout=30)
        assert process.exit_code_known is False
    finally:
        process.kill()
        process.wait()
        confined.kill()
    # The next one gets a new zygote, and its exit code again.
    assert run_script(True, "import sys; sys.exit(4)", tmp_path)[1:] == (4, ForkedProcess)


@pytest.mark.parametrize("source, out, code", [
    ("import sys; sys.stdout.write(sys.stdin.read()[::-1])", b"olleh", 0),
    ("print('bye', flush=False); import sys; sys.exit(3)", b"bye\n", 3),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", b"", 137),
    ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", b"", 143),
    ("print('stopped', end='')\nraise KeyboardInterrupt", b"stopped", 130),
    ("import sys; sys.exit('a message')", b"", 1),
    ("import sys; sys.exit(258)", b"", 2),
    ("import os; os.write(1, b'unflushed'); os._exit(5)", b"unflushed", 5),
    ("raise ValueError('a crash')", b"", 1),
    ("import os, time\nif os.fork() == 0:\n    time.sleep(60)\nprint('parent ends')", b"parent ends\n", 0),
], ids=["pipes", "exit-3", "killed", "terminated", "interrupted", "exit-message", "exit-258", "os-exit", "crash",
        "child-left-behind"])
def test_a_forked_script_ends_with_the_exit_code_of_one_from_scratch(tmp_path, source, out, code):
    """Its exit code comes back through the zygote (its reaper) as bubblewrap reports its child's:
    the code, or 128 + the signal that killed it. A child it leaves behind ends with its sandbox."""
    start = time.monotonic()
    for zygote in (True, False):
        assert run_script(zygote, source, tmp_path, stdin=b"hello")[:2] == (out, code), zygote
    assert time.monotonic() - start < 30, "a child left behind holds nothing up"


def test_run_where_grading_is_not_root_a_forked_kernel_is_confined_as_one_from_scratch():
    """The same comparison in a user namespace where grading runs as uid 1000: the sandbox's
    namespaces then belong to bubblewrap's user namespace, and its processes run in a nested one."""
    import subprocess
    import sys

    if subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine lets no process make a user namespace")
    script = ("import json, sys; sys.path[:0] = [%r, %r]\n"
              "from test_zygote import probe\n"
              "forked, scratch = probe(True), probe(False)\n"
              "nproc = [seen['limits'].pop('RLIMIT_NPROC')[0] for seen in (forked, scratch)]\n"
              "from test_zygote import executed\n"
              "leaks = [executed(%r, zygote=z) for z in (True, False)]\n"
              "print(json.dumps([forked == scratch, forked['ids'][0], forked['capabilities'], nproc, leaks, "
              "{k: (forked[k], scratch[k]) for k in forked if forked[k] != scratch[k]}]))"
              % (str(Path(__file__).parent), str(ROOT), CANARY_READER))
    done = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", sys.executable, "-c", script],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GC_ZYGOTE_CANARY": f"gc-zygote-canary-{time.time_ns()}"})
    same, uid, capabilities, nproc, leaks, differences = json.loads(done.stdout.strip().splitlines()[-1])
    assert (same, differences) == (True, {})
    # The grader's variables are in no process's environ either (bubblewrap's own included).
    assert leaks == [["[]\n"], ["[]\n"]]
    # Without root, RLIMIT_NPROC is max_processes on top of what the grader's uid runs when the
    # sandbox starts (the zygote included, and whatever else that uid runs meanwhile).
    assert min(nproc) > 256
    assert uid == ["1000"] * 4 and capabilities == ["0000000000000000"] * 5
    assert "from scratch" not in done.stderr


def test_kernels_leave_no_descriptor_behind_in_the_grader():
    from gc_grader.plugins import ResilientExecute

    def grade(*sources):
        nb = new_notebook(cells=[new_code_cell(source) for source in sources])
        ResilientExecute(kernel_name="gc-sandbox").preprocess(nb, {"metadata": {"path": str(RELEASED)}})
        return ["".join(o.get("text", "") or o.get("ename", "") for o in cell.outputs) for cell in nb.cells]

    grade("1")
    before = sorted(os.listdir("/proc/self/fd"))
    for _ in range(3):       # a restart after a dead kernel too
        assert grade("print(1)", "import os; os._exit(1)", "print(2)") == ["1\n", "KernelDied", "2\n"]
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_the_kernel_is_forked_and_holds_nothing_of_the_grader(monkeypatch):
    """The zygote starts with the sandbox's environment, in "/": the grader's variables are not in
    the memory it hands down, nor anywhere the kernel can read."""
    canary = f"gc-zygote-canary-{time.time_ns()}"
    monkeypatch.setenv("GC_ZYGOTE_CANARY", canary)
    for zygote_process in Zygote._running.values():     # started before the canary was set
        zygote_process.close()
    Zygote._running.clear()
    outputs = executed(
        "import os; print(os.getppid(), open('/proc/self/cmdline').read().split(chr(0))[1].endswith('zygote_server.py'))",
        "print(any('GC_ZYGOTE_CANARY' in open(f'/proc/{p}/environ').read() for p in os.listdir('/proc') "
        "if p.isdigit() and os.access(f'/proc/{p}/environ', os.R_OK)), 'GC_ZYGOTE_CANARY' in os.environ)")
    assert outputs == ["0 True\n", "False False\n"]   # its parent is outside its namespace: the zygote
    server = [zygote_process.process.pid for zygote_process in Zygote._running.values()]
    assert server and all(canary.encode() not in Path(f"/proc/{pid}/environ").read_bytes() for pid in server)


def test_each_kernel_gets_a_sandbox_of_its_own():
    """Two kernels forked one after the other: nothing the first wrote or started is seen by the second."""
    first = executed("import os, subprocess; open('/tmp/left-behind', 'w').write('x'); "
                      "open(os.path.expanduser('~/left-behind'), 'w').write('x'); "
                      "subprocess.Popen(['sleep', '300']); print('written')")
    second = executed("import os; print(os.path.exists('/tmp/left-behind'), os.path.exists(os.path.expanduser('~/left-behind')), "
                       "sorted(open(f'/proc/{p}/comm').read().strip() for p in os.listdir('/proc') if p.isdigit()))")
    assert first == ["written\n"]
    assert second == ["False False ['bwrap', 'cat', 'python']\n"]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "from-scratch"])
def test_a_killed_kernel_is_gone_when_kill_returns(zygote):
    """jupyter_client asks whether a kernel it killed lives, and sleeps 0.1 s if it does: the
    provisioner's kill returns once the kernel is gone, so nothing is left to wait for."""
    import asyncio

    config = Config()
    config.Sandbox.zygote = zygote
    for _ in range(3):
        km = KernelManager(kernel_name="gc-sandbox", config=config)
        km.start_kernel()
        try:
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive("import numpy as np; x = np.ones(10 ** 6)", timeout=30)
            kc.stop_channels()
            process = km.provisioner.process
            asyncio.run(km.provisioner.kill())
            assert process.poll() is not None
        finally:
            km.shutdown_kernel(now=True)


def test_a_kernel_that_dies_is_seen_dead_and_its_sandbox_ends():
    """os._exit in the kernel, with a child of it still running: jupyter_client sees the kernel
    dead within a poll, and the sandbox (placeholder and child included) is gone."""
    km = KernelManager(kernel_name="gc-sandbox", config=Config())
    km.start_kernel()
    try:
        process = km.provisioner.process
        assert isinstance(process, ForkedProcess)
        sandbox = km.provisioner.confined.pid
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        kc.execute("import os, time\nif os.fork() == 0:\n    time.sleep(300)\nos._exit(3)")
        deadline = time.monotonic() + 10
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not km.is_alive()
        deadline = time.monotonic() + 5          # its first process dies with bubblewrap, a moment later
        while os.path.exists(f"/proc/{sandbox}") and not _zombie(sandbox) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(f"/proc/{sandbox}") or _zombie(sandbox)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)


def _zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except OSError:
        return True


def test_a_dead_zygote_is_replaced_and_a_broken_one_falls_back_to_a_kernel_from_scratch(monkeypatch, caplog):
    executed("1")
    for zygote_process in Zygote._running.values():
        zygote_process.process.kill()
    # A forked kernel's parent is outside its PID namespace (0); one started from scratch has bubblewrap's init (1).
    assert executed("import os; print(os.getppid())") == ["0\n"]
    # A zygote that cannot even start: the kernel starts from scratch, and the log says why.
    monkeypatch.setattr(zygote, "SERVER", "/nonexistent/zygote_server.py")
    for zygote_process in Zygote._running.values():
        zygote_process.close()
    Zygote._running.clear()
    assert executed("import os; print(os.getppid())") == ["1\n"]
    assert any("starting ipykernel_launcher from scratch" in record.getMessage() for record in caplog.records)


def test_limits_and_the_filter_hold_in_a_forked_kernel():
    outputs = executed("a = bytearray(1536 * 2**20); print('allocated')",
                        "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True)\n"
                        "print(libc.unshare(0x10000000), os.strerror(ctypes.get_errno()))",
                        "try:\n    os.setuid(0)\nexcept OSError as e:\n    print(type(e).__name__)",
                        memory_limit=2**30)
    assert outputs == ["MemoryError", "-1 Operation not permitted\n", "PermissionError\n"]


def _first_traceback(zygote):
    """A student's first traceback in a fresh kernel (cells' file names made alike), and whether
    the kernel had mapped its modules to their files before it (``inspect.getmodule``'s cache)."""
    c = Config()
    c.Sandbox.zygote = zygote
    nb = new_notebook(cells=[new_code_cell("import inspect; print(len(inspect.modulesbyfile) > 100)"),
                             new_code_cell("import numpy as np\ndef f(x):\n    return np.linalg.norm(x) / undefined\nf([1, 2])")])
    NotebookClient(nb, kernel_name="gc-sandbox", timeout=30, allow_errors=True, config=c,
                   resources={"metadata": {"path": str(RELEASED)}}).execute()
    error = nb.cells[1].outputs[0]
    return nb.cells[0].outputs[0]["text"], [re.sub(r"ipykernel_\d+/\d+", "CELL", line) for line in error["traceback"]]


def test_a_forked_kernel_starts_ready_for_its_first_traceback_and_shows_it_as_from_scratch():
    """The zygote formats a traceback of its own before it forks (about 0.02 CPU-s less for each
    kernel whose student meets an error): what a student sees is the same."""
    forked_ready, forked = _first_traceback(zygote=True)
    scratch_ready, scratch = _first_traceback(zygote=False)
    assert (forked_ready, scratch_ready) == ("True\n", "False\n")
    assert forked == scratch
    assert any("NameError" in line for line in forked) and any("undefined" in line for line in forked)


def _first_cells(kernel_name):
    """What a student's first two cells see of a fresh kernel: its names, ``_``, the history
    lists, the execution counts, and every output (the start line's among them, if it leaked)."""
    nb = new_notebook(cells=[new_code_cell("print(sorted(k for k in dir() if not k.startswith('__')), repr(_), "
                                           "len(In), len(Out))"), new_code_cell("1")])
    NotebookClient(nb, kernel_name=kernel_name, timeout=30, resources={"metadata": {"path": str(RELEASED)}}).execute()
    return [cell.outputs for cell in nb.cells], [cell.execution_count for cell in nb.cells]


def test_the_grading_kernels_start_line_leaves_a_student_the_kernel_ipykernel_starts(monkeypatch, tmp_path):
    """The start line (provisioner.START_LINE: a line printed and sent before any request)
    defines no name, sets no ``_``, counts no cell and shows in no cell: the grading kernel
    starts as ipykernel's own python3 (with no IPython profile of the grader's)."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    assert _first_cells("gc-sandbox") == _first_cells("python3")


def _history_cells(kernel_name):
    """Outputs of cells that read the session's history in every way IPython offers, and where
    the history is kept."""
    nb = new_notebook(cells=[new_code_cell("a = 1"), new_code_cell("print(In[1], '|', _i, '|', len(In), _ih[1])"),
                             new_code_cell("%history -n"), new_code_cell("%history -l 2"),
                             new_code_cell("%history -g a ="), new_code_cell("print(2)"), new_code_cell("%rerun"),
                             new_code_cell("manager = get_ipython().history_manager\n"
                                           "print(manager.hist_file == ':memory:', manager.using_thread)")])
    NotebookClient(nb, kernel_name=kernel_name, timeout=30, resources={"metadata": {"path": str(RELEASED)}}).execute()
    return [[output.get("text") for output in cell.outputs] for cell in nb.cells]


def test_the_grading_kernel_keeps_its_history_in_memory_and_answers_as_python3(monkeypatch, tmp_path):
    """provisioner.IN_MEMORY_HISTORY: the sandboxed kernel keeps its history in memory, as nbclient has
    ipykernel's python3 kernel keep it (no SQLite file, no thread woken after each cell), and a
    student's cells see the session's history as there, through every magic."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    sandboxed, stock = _history_cells("gc-sandbox"), _history_cells("python3")
    assert sandboxed == stock
    assert stock[1] == ["a = 1 | a = 1 | 3 a = 1\n"] and "1: a = 1" in stock[2][0]
    assert "%history -n" in stock[3][0] and "a = 1" in stock[4][0] and stock[6][-1].endswith("2\n")
    assert stock[-1] == ["True False\n"]


def test_a_history_file_the_grading_kernel_is_given_is_kept():
    """As nbclient does for python3, provisioner.IN_MEMORY_HISTORY gives way to a history file
    given in the kernel's extra arguments."""
    nb = new_notebook(cells=[new_code_cell("print(get_ipython().history_manager.hist_file)")])
    NotebookClient(nb, kernel_name="gc-sandbox", timeout=30, extra_arguments=["--HistoryManager.hist_file=/tmp/h.sqlite"],
                   resources={"metadata": {"path": str(RELEASED)}}).execute()
    assert nb.cells[0].outputs[0].text == "/tmp/h.sqlite\n"


@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "from-scratch"])
def test_the_grading_kernel_replies_without_ipykernels_sleep_and_with_every_output(zygote):
    """provisioner.NO_REPLY_SLEEP: no half-millisecond sleep before each reply, and a cell's
    outputs, printed and displayed, all come before its end as ever."""
    config = Config()
    config.Sandbox.zygote = zygote
    nb = new_notebook(cells=[new_code_cell("print(get_ipython().kernel._execute_sleep)"),
                             new_code_cell("from IPython.display import display\nfor i in range(50):\n"
                                           "    print(i); display(i)")])
    NotebookClient(nb, kernel_name="gc-sandbox", timeout=30, config=config,
                   resources={"metadata": {"path": str(RELEASED)}}).execute()
    sleep, shown = [[dict(output) for output in cell.outputs] for cell in nb.cells]
    assert sleep == [{"output_type": "stream", "name": "stdout", "text": "0.0\n"}]
    assert "".join(o.get("text", "") for o in shown) == "".join(f"{i}\n" for i in range(50))
    assert [o["data"]["text/plain"] for o in shown if o["output_type"] == "display_data"] == [str(i) for i in range(50)]
