"""README's first command, ./start-lab, on a copy of the tracked tree: it opens the learner's own
copy of the self-study edition (notebooks/, links made real files) in a real JupyterLab server,
keeps that copy across runs, and leaves every tracked file untouched."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from course import ASSIGNMENT, NOTEBOOK, POINTS, ROOT, tool_env

pytestmark = pytest.mark.slow

TOKEN = "quickstart-test"


def tracked_copy(dest):
    """Copy what `git add -A` would commit (tracked and new unignored files, as they are in the
    working tree) and commit it in a new repo."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src, dst = ROOT / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif src.exists():
            shutil.copy2(src, dst)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot"], cwd=dest, check=True)
    return dest


def files(folder):
    """Every file under ``folder``, following links to folders (edition/images is one)."""
    return sorted(os.path.relpath(os.path.join(parent, name), folder)
                  for parent, _, names in os.walk(folder, followlinks=True) for name in names)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    url = f"http://127.0.0.1:{port}{path}?token={TOKEN}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read() or b"null")


def run_start_lab(course):
    """Start ./start-lab, wait until its server serves the student's notebook, then stop it."""
    port = free_port()
    env = dict(tool_env(), VENV_DIR=sys.prefix)   # reuse this venv: setup-venv is tested by CI itself
    proc = subprocess.Popen(
        ["./start-lab", "--no-browser", f"--port={port}", f"--ServerApp.token={TOKEN}", "--ServerApp.ip=127.0.0.1"],
        cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, model = get(port, f"/api/contents/{ASSIGNMENT}/{NOTEBOOK}.ipynb")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not come up:\n{proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.5)
        assert status == 200 and model["type"] == "notebook"
        lab_status, _ = get(port, "/lab/api/settings")
        assert lab_status == 200, "the JupyterLab application itself is not served"
        return model
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_start_lab_opens_a_private_copy_and_keeps_it(tmp_path):
    course = tracked_copy(tmp_path / "course")
    edition = course / "notebooks"
    folder = course / "workspace" / ASSIGNMENT
    copy = folder / f"{NOTEBOOK}.ipynb"

    model = run_start_lab(course)
    # The whole self-study edition, every link replaced by the file or folder it points to.
    shipped = files(edition)
    assert files(folder) == shipped
    assert {f"{NOTEBOOK}.ipynb", "Epsilon_Explorer.ipynb", "gc_utils.py", "public_tests.py"} <= set(shipped)
    assert any(name.startswith("images/") for name in shipped)
    for name in shipped:
        assert not (folder / name).is_symlink() and (folder / name).read_bytes() == (edition / name).read_bytes(), name
    assert not (folder / "images").is_symlink()
    assert model["content"]["cells"][0]["source"].startswith("# Gradient Checking")
    # The test cells stay marked as graded: nbgrader's Validate button finds them (test_browser_validate).
    graded = {cell["metadata"]["nbgrader"]["grade_id"] for cell in model["content"]["cells"]
              if cell["metadata"].get("nbgrader", {}).get("grade")}
    assert graded == {f"{name}_tests" for name in POINTS}

    # The student's work survives a second start.
    copy.write_text(copy.read_text().replace("# Gradient Checking", "# Gradient Checking (my notes)", 1))
    edited = copy.read_bytes()
    run_start_lab(course)
    assert copy.read_bytes() == edited

    status = subprocess.run(["git", "status", "--porcelain"], cwd=course, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"start-lab changed tracked files or left untracked ones:\n{status.stdout}"
