"""The sandbox itself, with real bubblewrap: what student code inside can and cannot reach,
its limits, and that nothing of it outlives it. (tests/sandbox/test_attacks.py grades
whole hostile submissions; this file checks each promise of gc_grader/sandbox alone.)"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from gc_grader.sandbox import HOME, Sandbox, SandboxUnavailable, cgroups

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


def run(code, files=None, **settings):
    """Run Python ``code`` in a sandbox; (exit code, what it printed as JSON, if anything)."""
    sandbox = Sandbox(**settings)
    with sandbox.start([sys.executable, "-c", textwrap.dedent(code)], files=files,
                       stdout=subprocess.PIPE) as confined:
        out = confined.process.stdout.read()
        code = confined.wait(timeout=60)
    try:
        return code, json.loads(out)
    except ValueError:
        return code, out.decode(errors="replace")


def test_it_sees_its_own_copies_and_the_system_and_nothing_else_of_the_host(tmp_path):
    marker = tmp_path / "host-file.txt"
    marker.write_text("host")
    code, seen = run(f"""
        import json, os
        def can_write(path):
            try:
                with open(path, "a") as f: f.write("x")
                return True
            except OSError:
                return False
        print(json.dumps({{
            "cwd": os.getcwd(), "home": sorted(os.listdir(".")),
            "helper": open("gc_utils.py").read()[:40],
            "course": os.path.exists({str(ROOT / "gc_grader")!r}) or os.path.exists({str(ROOT / "nbgrader_config.py")!r}),
            "host tmp": os.path.exists({str(marker)!r}), "tmp": os.listdir("/tmp"),
            "write helper": can_write("gc_utils.py"), "write home": can_write("new.txt"),
            "write venv": can_write({sys.prefix + "/pyvenv.cfg"!r}), "write usr": can_write("/usr/gc-test"),
            "uid": os.getuid(), "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        }}))
    """, files={"gc_utils.py": str(ROOT / "gc_utils.py")})
    assert code == 0, seen
    assert seen["cwd"] == HOME and seen["home"] == ["gc_utils.py"]
    assert seen["helper"] == (ROOT / "gc_utils.py").read_text()[:40]
    # /tmp is its own; it holds only the way to the virtual environment when that lives there.
    venv_in_tmp = {Path(p).parts[2] for p in (sys.prefix, os.path.realpath(sys.prefix)) if p.startswith("/tmp/")}
    assert not seen["course"] and not seen["host tmp"] and set(seen["tmp"]) == venv_in_tmp
    assert not seen["write helper"] and seen["write home"]
    assert not seen["write venv"] and not seen["write usr"]
    assert (ROOT / "gc_utils.py").read_text().endswith("\n")       # the host's file is untouched
    assert seen["uid"] != 0
    assert len(seen["processes"]) <= 2, "it sees the host's processes"


@pytest.mark.skipif(not AS_ROOT, reason="grading as root is what drops to a dedicated uid")
def test_run_as_root_it_is_a_dedicated_uid_without_capabilities():
    code, seen = run("""
        import json
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        print(json.dumps({k: status[k].strip() for k in ("Uid", "Gid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs")}))
    """)
    assert code == 0, seen
    uid = int(seen["Uid"].split()[0])
    assert uid >= Sandbox().uid_base and set(seen["Uid"].split()) == {str(uid)}
    assert seen["CapEff"] == seen["CapPrm"] == seen["CapBnd"] == "0000000000000000"
    assert seen["NoNewPrivs"] == "1"


def test_concurrent_sandboxes_get_different_uids():
    sandbox = Sandbox()
    script = "import os, time; print(os.getuid(), flush=True); time.sleep(30)"
    first = sandbox.start([sys.executable, "-c", script], stdout=subprocess.PIPE)
    second = sandbox.start([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        uids = {int(first.process.stdout.readline()), int(second.process.stdout.readline())}
    finally:
        first.kill()
        second.kill()
    assert len(uids) == 2 or not AS_ROOT


def test_it_has_no_network_not_even_the_hosts_loopback():
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(3)
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(_accept(server)))
    thread.start()
    code, seen = run(f"""
        import json, socket
        def reach(address):
            try:
                socket.create_connection(address, timeout=2).close()
                return "connected"
            except OSError as error:
                return type(error).__name__
        print(json.dumps({{"loopback": reach(("127.0.0.1", {port})), "outside": reach(("1.1.1.1", 80))}}))
    """)
    thread.join()
    server.close()
    assert code == 0, seen
    assert seen["loopback"] != "connected" and seen["outside"] != "connected"
    assert accepted == [None], "the host's server received a connection from the sandbox"


def _accept(server):
    try:
        return server.accept()
    except OSError:
        return None


def test_the_graders_environment_does_not_reach_it(monkeypatch):
    monkeypatch.setenv("GC_CANARY", "grader-secret-7e1f")
    monkeypatch.setenv("PGPASSWORD", "hunter2")
    code, seen = run("import json, os; print(json.dumps(dict(os.environ)))")
    assert code == 0
    assert "GC_CANARY" not in seen and "PGPASSWORD" not in seen
    assert seen["HOME"] == HOME


@pytest.mark.parametrize("attempt, settings, expected", [
    ("import numpy as np; a = np.ones(3 * 2**30 // 8)", {}, "MemoryError"),
    ("a = bytearray(600 * 2**20)", {"memory_limit": 512 * 2**20}, "MemoryError"),
    ("open('big', 'wb').write(b'x' * 150 * 10**6)", {}, "OSError"),                     # file size
    ("[open(f'f{i}', 'wb').write(b'x' * 90 * 10**6) for i in range(4)]", {}, "OSError"),  # scratch size
    ("import os\nfor i in range(400):\n    if os.fork() == 0:\n        import time; time.sleep(20); os._exit(0)",
     {}, "BlockingIOError"),
    ("files = [open('gc_utils.py') for _ in range(2000)]", {}, "OSError"),
])
def test_limits_stop_what_exceeds_them(attempt, settings, expected):
    code, seen = run(f"""
        import json
        try:
{textwrap.indent(attempt, " " * 12)}
            print(json.dumps("no error"))
        except Exception as error:
            print(json.dumps(type(error).__name__ if not isinstance(error, OSError) or type(error) is not OSError
                             else "OSError"))
    """, files={"gc_utils.py": str(ROOT / "gc_utils.py")}, **settings)
    assert seen == expected


@pytest.mark.skipif(not cgroups.available(), reason="this machine lets grading make no cgroup")
def test_memory_is_bounded_for_the_whole_sandbox_not_only_per_process():
    """Four processes of 1600 MiB each (each under the per-process limit): at most one holds it."""
    code, seen = run("""
        import json, mmap, os, time
        children = []
        for i in range(4):
            pid = os.fork()
            if pid == 0:
                try:
                    m = mmap.mmap(-1, 1600 * 2**20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
                    time.sleep(3)
                finally:
                    os._exit(0)
            children.append(pid)
        print(json.dumps([os.waitpid(pid, 0)[1] for pid in children]))
    """)
    assert code == 0, seen
    assert sum(status == 0 for status in seen) <= 1, f"exit statuses {seen}: the sandbox held more than its memory"


def test_a_sandboxs_cgroup_is_gone_when_it_ends():
    sandbox = Sandbox()
    with sandbox.start([sys.executable, "-c", "import time; time.sleep(30)"]) as confined:
        folders = list(confined.cgroup.folders) if confined.cgroup else []
    assert all(not os.path.exists(folder) for folder in folders)
    assert bool(folders) == cgroups.available()


def test_cpu_time_is_limited():
    start = time.monotonic()
    code, _ = run("while True: pass", cpu_seconds=1)
    assert code != 0 and time.monotonic() - start < 15


def test_nothing_of_it_outlives_it():
    """A daemon (double fork, new session) is killed with its sandbox."""
    marker = f"gc-daemon-{os.getpid()}-{time.time_ns()}"
    code, seen = run(f"""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "300", {marker!r}] and ["sh", "-c", "sleep 300 # {marker}"])
            os._exit(0)
        time.sleep(0.5)
        print('"started"')
    """)
    assert seen == "started"
    time.sleep(0.5)
    alive = [pid for pid in os.listdir("/proc") if pid.isdigit() and marker in _cmdline(pid)]
    assert alive == []


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_without_bubblewrap_grading_stops_and_says_what_to_install():
    with pytest.raises(SandboxUnavailable, match=r"apt-get install bubblewrap.*c\.Sandbox\.enabled = False"):
        Sandbox(bwrap="/nonexistent/bwrap").check()


# ---------------------------------------------------------------- the grading kernel


def executed(*sources, **config):
    """A notebook of ``sources`` run by nbclient on the grading kernel, as nbgrader runs it."""
    c = Config()
    for name, value in config.items():
        setattr(c.Sandbox, name, value)
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    NotebookClient(nb, kernel_name="gc-sandbox", timeout=30, allow_errors=True, config=c,
                   resources={"metadata": {"path": str(ROOT / "release" / "gradient_checking")}}).execute()
    return ["".join(o.get("text", "") or o.get("ename", "") for o in cell.outputs) for cell in nb.cells]


def test_the_grading_kernel_runs_in_the_sandbox_with_the_notebooks_files():
    outputs = executed("import os; print(os.getuid() != 0 or not os.path.exists('/run/gc-sandbox'), os.getcwd())",
                       f"print(os.path.exists({str(ROOT / 'nbgrader_config.py')!r}))",
                       "from public_tests import *; print('public tests import')")
    assert outputs == [f"True {HOME}\n", "False\n", "public tests import\n"]


def test_the_grading_kernel_takes_its_limits_from_the_configuration():
    outputs = executed("a = bytearray(1536 * 2**20); print('allocated')", memory_limit=2**30)
    assert outputs == ["MemoryError"]


def test_opting_out_by_name_runs_the_kernel_unsandboxed():
    outputs = executed(f"import os; print(os.path.exists({str(ROOT / 'nbgrader_config.py')!r}))", enabled=False)
    assert outputs == ["True\n"]
