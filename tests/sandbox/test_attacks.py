"""The hostile corpus (tests/attacks.py), graded for real: every attack fails, and costs nobody else.

The corpus, with two honest students, is graded twice: by the real ``./grade-class
gradient_checking --workers 2`` and by the real ``nbgrader autograde`` command line,
each in a scratch course of its own, with a canary variable in the grading commands'
environment. A third course holds the two honest students alone: the baseline they
must get exactly, scores per cell and feedback, beside the attackers.

For each attack and each way of grading, the tests assert that:
- it was graded, with the points it is expected to keep (``Attack.expected_points``);
- its attack ran (its report, or the error its own cell must end with, is in its
  autograded notebook) and got nothing (no ``GOT`` line anywhere);
- neither the course secret, the gradebook, another student's notebook, the grader's
  canary variable nor a line of the hidden checks' code is in its autograded notebook
  or its feedback;
- no script it output survives in its autograded notebook or its feedback;
- what it aimed at on the host is untouched: files, the TCP/UDP server (no connection),
  processes (none of it alive after grading), the disk.
"""

import dataclasses
import glob
import hashlib
import html
import html.parser
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest

from attacks import ATTACKS, FILL_CAP, HONEST, PLANTED_LINKS, SANDBOX_UID_BASE, Targets, honest_submissions
from course import (ASSIGNMENT, NOTEBOOK, ROOT, RELEASE_NB, VENV_BIN, copy_course, points_by_exercise,
                    short_timeouts, tool_env)

pytestmark = pytest.mark.slow

#: Seconds per cell and per outside judgement: ignore-sigint waits for it once; memory-many-processes
#: needs about 13 s to touch its 6.25 GiB on this machine (which it should never get to do).
SHORT_TIMEOUT = 25
CANARY_VARIABLE = "GC_CANARY"
RUNNERS = ("grade-class", "autograde")
#: The sandbox's limits (gc_grader.sandbox.bubblewrap.Sandbox's defaults).
MEMORY_LIMIT, MAX_PROCESSES, MAX_OPEN_FILES, SCRATCH = 2 << 30, 256, 1024, 256 << 20

_RELEASED = "\n".join(cell.source for cell in nbformat.read(str(RELEASE_NB), 4).cells)
#: Lines of the hidden checks' code (as test_autograde picks them): never in what a student gets.
HIDDEN_CODE = [line.strip() for path in sorted((ROOT / "gc_grader" / "checks").glob("*.py"))
               for line in path.read_text().splitlines()
               if len(line.strip()) > 30 and not line.strip().startswith(("#", '"')) and line.strip() not in _RELEASED]


# ------------------------------------------------------------------------------ the host's side

class Server:
    """A TCP and a UDP server on every address, same port; records whoever reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("0.0.0.0", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", self.port))
        self.reached = []
        for loop in (self._accept, self._receive):
            threading.Thread(target=loop, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, peer = self.tcp.accept()
            except OSError:
                return
            self.reached.append(("tcp", peer))
            connection.close()

    def _receive(self):
        while True:
            try:
                data, peer = self.udp.recvfrom(4096)
            except OSError:
                return
            self.reached.append(("udp", peer, data[:50]))

    def close(self):
        self.tcp.close()
        self.udp.close()


def host_address():
    """This machine's address on its network (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.254", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def processes():
    """pid -> (uid, command line) of every process alive."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                uid = int(next(line for line in status if line.startswith("Uid:")).split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration):
            continue
        found[int(entry)] = (uid, command)
    return found


def ours(pid, uid, command, token):
    """Whether a process belongs to this module's grading: its command line carries the token, or
    it runs as a sandbox's uid in a sandbox whose home holds a notebook carrying it (other tests
    on this machine may run sandboxes of their own meanwhile)."""
    if token in command:
        return True
    if uid < SANDBOX_UID_BASE:
        return False
    for path in glob.glob(f"/proc/{pid}/root/home/student/*.ipynb"):
        try:
            if token in Path(path).read_text(errors="replace"):
                return True
        except OSError:
            continue
    return False


def leftovers(token, wait=15):
    """The processes of this grading still alive, waiting up to ``wait`` seconds for them to go."""
    deadline = time.monotonic() + wait
    while True:
        alive = {pid: info for pid, info in processes().items() if ours(pid, *info, token)}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)


def files_named(token, places):
    """Every path under ``places`` (searched to a small depth) whose name carries gc-attack-<token>."""
    mark, found = f"gc-attack-{token}", []
    for place, depth in places:
        place = Path(place)
        if not place.is_dir():
            continue
        for top, dirs, names in os.walk(place):
            if len(Path(top).relative_to(place).parts) >= depth:
                dirs[:] = []
            found += [os.path.join(top, n) for n in names + dirs if mark in n]
    return sorted(set(found))


# ------------------------------------------------------------------------------ grading

@dataclasses.dataclass
class Graded:
    runner: str
    course: Path
    targets: Targets
    seconds: float
    stdout: str
    stderr: str
    leftovers: dict
    files: list          # paths named after the attacks found on the host after grading

    def autograded_path(self, student):
        return self.course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"

    def feedback_path(self, student):
        return self.course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"

    def autograded(self, student):
        return nbformat.read(str(self.autograded_path(student)), 4)

    def outputs_text(self, student):
        """Everything the autograded notebook's outputs hold, as text."""
        parts = []
        for cell in self.autograded(student).cells:
            for output in cell.get("outputs", []):
                parts.append(output.get("text", ""))
                parts += output.get("traceback", []) + [output.get("evalue", "")]
                parts += [v if isinstance(v, str) else json.dumps(v) for v in output.get("data", {}).values()]
        return "\n".join(parts)

    def everything(self, student):
        """The student's autograded notebook and feedback files, raw and as text."""
        raw = [p.read_text(errors="replace") for p in (self.autograded_path(student), self.feedback_path(student))]
        return raw + [feedback_text(raw[1]), self.outputs_text(student)]

    def scores(self, student):
        """grade id -> (auto score, max score) of every grade cell, from the gradebook."""
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            return {grade.name: (grade.auto_score, grade.max_score) for grade in notebook.grades}


def feedback_text(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@dataclasses.dataclass
class Setting:
    """What the whole module shares: the canaries, the targets on the host, the server."""
    token: str
    secret: str
    canary_value: str
    server: Server
    home_target: Path
    tmp_target: Path
    watched: dict        # path -> digest before grading: files the attacks must not change
    disk_free: int

    @property
    def honest_canary(self):
        """In a comment of each honest student's notebook: no other student may see it."""
        return f"honest-canary-{self.token}"

    @property
    def gradebook_canary(self):
        """A student's last name in each gradebook."""
        return f"gradebookcanary{self.token}"


def targets_for(setting, course):
    site = glob.glob(str(ROOT / ".venv" / "lib" / "python3*" / "site-packages"))[0]
    return Targets(
        token=setting.token, course=str(course), secret=str(course / ".gc_grader_secret"),
        gradebook=str(course / "gradebook.db"),
        other_notebooks=tuple(str(course / stage / HONEST[0] / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
                              for stage in ("submitted", "autograded")),
        hidden_files=tuple(str(ROOT / "gc_grader" / "checks" / name) for name in ("verdicts.py", "cases.py", "mistakes.py")),
        env_name=CANARY_VARIABLE, grader_home=os.path.expanduser("~"),
        home_target=str(setting.home_target), tmp_target=str(setting.tmp_target),
        venv_target=glob.glob(os.path.join(site, "__editable__*finder.py"))[0],
        editable_target=str(ROOT / "gc_grader" / "__init__.py"), site_packages=site,
        python_lib=os.path.dirname(os.__file__), port=setting.server.port, host_ip=host_address(),
    )


def prepare(generated_course, folder, setting, attacks):
    """A scratch course with short timeouts, a known secret, a canary in its gradebook, the two
    honest students and ``attacks``; returns (course, targets)."""
    course = short_timeouts(copy_course(generated_course, folder / "course"), SHORT_TIMEOUT)
    secret = course / ".gc_grader_secret"
    secret.write_text(setting.secret + "\n")
    secret.chmod(0o600)
    targets = targets_for(setting, course)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_student("gradebook-canary", first_name="Canary", last_name=setting.gradebook_canary)
    for honest in honest_submissions(setting.honest_canary):
        honest.place(course)
    for attack in attacks:
        folder = attack.place(course, targets)
        if attack.planted_links:
            aims = {"secret": targets.secret, "gradebook": targets.gradebook,
                    "other_notebook": targets.other_notebooks[0], "course": targets.course}
            for name, aim in PLANTED_LINKS.items():
                os.symlink(aims[aim], folder / name)
    return course, targets


def grade(runner, course, targets, setting):
    env = {**tool_env(), CANARY_VARIABLE: setting.canary_value}
    commands = {
        "grade-class": [[str(ROOT / "grade-class"), ASSIGNMENT, "--workers", "2"]],
        "autograde": [[str(VENV_BIN / "nbgrader"), "autograde", ASSIGNMENT],
                      [str(VENV_BIN / "nbgrader"), "generate_feedback", ASSIGNMENT]],
    }[runner]
    start, stdout, stderr = time.monotonic(), "", ""
    for command in commands:
        done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, timeout=1200)
        stdout, stderr = stdout + done.stdout, stderr + done.stderr
        assert done.returncode == 0, f"{command} exited {done.returncode}\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}"
    seconds = time.monotonic() - start
    print(f"\n{runner} graded {course} in {seconds:.0f} s")
    home = os.path.expanduser("~")
    places = [(course, 6), ("/tmp", 1), ("/var/tmp", 1), ("/dev/shm", 1), (home, 1), (os.path.join(home, ".config"), 1),
              (targets.site_packages, 1), (targets.python_lib, 1), (ROOT / "gc_grader", 3)]
    return Graded(runner, course, targets, seconds, stdout, stderr, leftovers(setting.token),
                  files_named(setting.token, places))


@pytest.fixture(scope="module")
def setting():
    token = secrets.token_hex(5)
    home_target = Path(os.path.expanduser("~")) / f"gc-attack-target-{token}"
    tmp_target = Path("/tmp") / f"gc-attack-target-{token}"
    for target in (home_target, tmp_target):
        target.write_text("the attacks must leave this as it is\n")
    server = Server()
    import numpy  # noqa: F401
    watched = [home_target, tmp_target, ROOT / "gc_grader" / "__init__.py", numpy.__file__,
               *glob.glob(str(ROOT / ".venv" / "lib" / "python3*" / "site-packages" / "__editable__*finder.py")),
               *(ROOT / "gc_grader" / "checks").glob("*.py")]
    setting = Setting(token, secrets.token_hex(16), f"canary-{secrets.token_hex(8)}", server, home_target, tmp_target,
                      {str(p): digest(p) for p in watched}, shutil.disk_usage("/").free)
    yield setting
    server.close()
    for target in (home_target, tmp_target):
        target.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def baseline(generated_course, tmp_path_factory, setting):
    """The two honest students, graded alone."""
    course, targets = prepare(generated_course, tmp_path_factory.mktemp("baseline"), setting, [])
    return grade("autograde", course, targets, setting)


@pytest.fixture(scope="module")
def hostile(generated_course, tmp_path_factory, setting, baseline):
    """The hostile corpus beside the two honest students, graded by each runner."""
    graded = {}
    for runner in RUNNERS:
        course, targets = prepare(generated_course, tmp_path_factory.mktemp(runner), setting, ATTACKS)
        graded[runner] = grade(runner, course, targets, setting)
    return graded


# ------------------------------------------------------------------------------ the tests

@pytest.mark.parametrize("runner", RUNNERS)
def test_honest_students_get_exactly_what_they_get_alone(hostile, baseline, runner):
    graded = hostile[runner]
    for student in HONEST:
        assert graded.scores(student) == baseline.scores(student), student
        assert feedback_text(graded.feedback_path(student).read_text()) == \
            feedback_text(baseline.feedback_path(student).read_text()), f"{student}'s feedback changed"
    honest = {h.student: h for h in honest_submissions("-")}
    for student in HONEST:
        assert points_by_exercise(graded.course, student) == honest[student].expected_points()


@pytest.mark.parametrize("runner", RUNNERS)
def test_grading_finished_and_left_nothing_behind(hostile, setting, runner):
    graded = hostile[runner]
    assert not graded.leftovers, f"still alive after {runner}: {graded.leftovers}"
    assert not graded.files, f"files the attacks made on the host: {graded.files}"
    changed = [path for path, before in setting.watched.items() if digest(path) != before]
    assert not changed, f"files the attacks changed: {changed}"
    assert not setting.server.reached, f"the test's server was reached: {setting.server.reached}"
    # fill-disk writes 512 MiB at most into the sandbox's memory-backed scratch, never the host's disk.
    assert setting.disk_free - shutil.disk_usage("/").free < 1 << 30, "the host's disk lost more than 1 GiB"
    if runner == "grade-class":
        summary = (graded.course / "reports" / ASSIGNMENT / "summary.txt").read_text()
        assert "Failures" not in summary or "Failures (0)" in summary, summary


def test_secret_and_canaries_are_nowhere_in_what_grading_wrote(hostile, baseline, setting):
    """Not in any autograded notebook, feedback file, report or log of any student."""
    forbidden = [setting.secret, setting.canary_value, setting.gradebook_canary]
    for graded in (*hostile.values(), baseline):
        for folder in ("autograded", "feedback", "reports"):
            for path in (graded.course / folder).rglob("*"):
                if path.is_file() and not path.is_symlink():
                    text = path.read_bytes().decode(errors="replace")
                    for secret in forbidden:
                        assert secret not in text, f"{secret!r} leaked into {path}"
        assert setting.canary_value not in graded.stdout + graded.stderr


class ScriptFinder(html.parser.HTMLParser):
    """What in a page would run: script elements' text, event handler attributes, javascript: URLs,
    srcdoc documents and inline SVG."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.runnable, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        self._in_script = self._in_script or tag == "script"
        if tag == "svg":
            self.runnable.append(f"<svg {attrs}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name == "srcdoc" or value.strip().lower().startswith("javascript:"):
                self.runnable.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.runnable.append(data)


def runnable_in_page(page):
    finder = ScriptFinder()
    finder.feed(page)
    return finder.runnable


def runnable_in_notebook(nb):
    """Outputs that a renderer would run or render as markup with script in it."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                text = value if isinstance(value, str) else json.dumps(value)
                if mime == "application/javascript" or "vnd." in mime:
                    found.append((mime, text[:200]))
                elif mime != "text/plain" and re.search(r"<script|javascript:|\son\w+\s*=|<iframe|<svg", text, re.I):
                    found.append((mime, text[:200]))
    return found


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_the_attack_failed(hostile, setting, runner, attack):
    graded = hostile[runner]
    student = attack.student
    # It was graded, and kept what it is expected to keep (its own loss only; see Attack.why_lost).
    assert points_by_exercise(graded.course, student) == attack.expected_points(), attack.why_lost or attack.tries
    nb = graded.autograded(student)
    outputs = graded.outputs_text(student)
    # Its attack ran: its report is there, or its own cell ended as it must.
    own = [cell for cell in nb.cells if cell.get("id") == f"attack-{attack.name}"]
    if attack.ends_with:
        (cell,) = own
        assert any(o.get("ename") == attack.ends_with for o in cell.outputs), cell.outputs
    else:
        assert f"ATTACK-REPORT {student} " in outputs, "the attack's report is missing: did it run?"
    # It got nothing, wherever it ran (a GOT in a graded function's body raises into its test cell).
    everything = graded.everything(student)
    for text in everything:
        assert f"ATTACK-REPORT {student} GOT" not in text, \
            "\n".join(line for line in text.splitlines() if "GOT" in line)[:3000]
    # Nothing it must never see is in what it gets back.
    forbidden = {"the course secret": setting.secret, "the grader's canary variable": setting.canary_value,
                 "the gradebook's canary": setting.gradebook_canary, "the gradebook's header": "SQLite format 3",
                 "another student's notebook": setting.honest_canary}
    forbidden.update({f"hidden code: {line}": line for line in HIDDEN_CODE})
    for what, secret in forbidden.items():
        for text in everything:
            assert secret not in text, f"{what} leaked to {student}"
    # Its output runs in nobody's browser, and stays small.
    assert not runnable_in_notebook(nb), runnable_in_notebook(nb)
    page = graded.feedback_path(student).read_text()
    tag = f"gcAttack{setting.token}"
    assert not [r for r in runnable_in_page(page) if tag in r or "ATTACK" in r], runnable_in_page(page)
    for path in (graded.autograded_path(student), graded.feedback_path(student)):
        assert path.stat().st_size < 2_000_000, f"{path} is {path.stat().st_size} bytes"
    # What it aimed at on the host.
    assert not [p for p in graded.files if f"gc-attack-{setting.token}-" in p], graded.files
    assert not [info for info in graded.leftovers.values() if attack.name in info[1]], graded.leftovers
    check = HOST_CHECKS.get(attack.name)
    if check:
        check(graded, outputs, setting)


def _number(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} is not in the report:\n{text[-2000:]}"
    return int(match.group(1))


def _planted_links_not_followed(graded, outputs, setting):
    """What the links pointed at is in no file of the student's: neither in the folder its notebook
    ran in (whose files are copied into its sandbox) nor in its feedback folder (returned to it)."""
    student = "attack-planted-symlink"
    for folder in (graded.autograded_path(student).parent, graded.feedback_path(student).parent):
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode(errors="replace")
                for what, secret in (("the course secret", setting.secret), ("the gradebook", setting.gradebook_canary),
                                     ("another student's notebook", setting.honest_canary)):
                    assert secret not in text, f"{what} is in {path}, a file of the student's"


def _in_scratch_only(graded, outputs, setting):
    written = _number(r"wrote (\d+) bytes", outputs)
    assert written <= 2 * SCRATCH, f"{written} bytes written, more than the two scratch folders hold"
    assert written < FILL_CAP


def _memory_limited(graded, outputs, setting):
    assert _number(r"MemoryError after (\d+) bytes", outputs) < MEMORY_LIMIT


def _processes_limited(graded, outputs, setting):
    assert _number(r"forked (\d+)", outputs) <= MAX_PROCESSES


def _files_limited(graded, outputs, setting):
    assert _number(r"held (\d+) more", outputs) <= MAX_OPEN_FILES


HOST_CHECKS = {
    "planted-symlink": _planted_links_not_followed,
    "memory-6gib": _memory_limited,
    "fork-bomb": _processes_limited,
    "exhaust-fds": _files_limited,
    "fill-disk": _in_scratch_only,
}
