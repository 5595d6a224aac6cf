"""Kernels and judge runners forked from a zygote into a fresh sandbox each: the grader's side.

A kernel started from scratch pays for Python, ipykernel, IPython and numpy every time
(about 0.4 CPU-seconds), the judge's runner for Python and numpy (about 0.1);
``zygote_server`` pays once per grading process and forks each ready-made.
``Sandbox.start_python`` (through ``fork_into``) keeps every guarantee of ``Sandbox.start``:
the student's sandbox is made by bubblewrap exactly as for any student code, with a
placeholder in it (``PLACEHOLDER``), and the fork joins it and takes on its limits, uid,
filter and environment before anything of the student's runs (see ``zygote_server`` for
the list). Nothing is reused across students but the zygote's memory, which holds
imported modules only.

The forked process is not the sandbox's first process, so its end does not end the
sandbox: ``ForkedProcess`` watches it through a pidfd and, when it ends, kills its
sandbox. It looks like the ``subprocess.Popen`` it replaces (``poll``, ``wait``, ``kill``,
``stdin`` and ``stdout`` when asked for, and ``returncode``: the exit code as bubblewrap
reports its child's, which the zygote, its reaper, sends back).
"""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from gc_grader.sandbox import seccomp
from gc_grader.sandbox.bubblewrap import HOME

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zygote_server.py")
#: What the sandbox runs while the kernel is forked into it: nothing, until it is killed. It
#: echoes the byte it is sent: once it does, bubblewrap has built the whole sandbox (it tells
#: the sandbox's pid earlier, while still mounting), so its namespaces can be joined.
PLACEHOLDER = ["cat"]
#: Seconds the zygote may take to import what it preloads.
START_SECONDS = 60
#: Seconds one fork may take before the zygote is given up for dead.
FORK_SECONDS = 30


class ZygoteFailed(RuntimeError):
    """The zygote could not start or fork a kernel; the kernel is then started from scratch."""


class Zygote:
    """One zygote process per environment, per grading process, started when first needed."""

    _running = {}
    _lock = threading.Lock()

    def __init__(self, environment):
        self.environment = environment
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen([sys.executable, SERVER], stdin=theirs, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, env=environment, cwd="/", close_fds=True)
        finally:
            theirs.close()
        self.channel = ours
        reply = self._receive(START_SECONDS)[0]
        if not reply.get("ready"):
            self.close()
            raise ZygoteFailed(f"the zygote did not start: {reply.get('error', reply)}")

    @classmethod
    def fork(cls, environment, request, fds):
        """(host pid, pidfd) of a kernel forked by the zygote of ``environment`` (started if
        needed, and again if it died) per ``request``, with ``fds`` (see zygote_server)."""
        key = tuple(sorted(environment.items()))
        with cls._lock:
            zygote = cls._running.get(key)
            if zygote is not None and zygote.process.poll() is not None:
                zygote.close()
                zygote = None
            if zygote is None:
                zygote = cls._running[key] = cls(environment)
            try:
                socket.send_fds(zygote.channel, [json.dumps(request).encode()], fds)
                reply, received = zygote._receive(FORK_SECONDS)
            except BaseException as failure:   # its answer could come later, to the next request: gone
                zygote.close()
                del cls._running[key]
                if isinstance(failure, (OSError, ZygoteFailed)):
                    raise ZygoteFailed(f"the zygote failed: {failure}") from None
                raise
        if "pid" not in reply or reply.get("sandbox_pid") != request["sandbox_pid"] or len(received) != 1:
            for fd in received:
                os.close(fd)
            if "error" not in reply:      # an answer to another request: the channel is out of step
                with cls._lock:
                    if cls._running.get(key) is zygote:
                        zygote.close()
                        del cls._running[key]
            raise ZygoteFailed(f"the zygote could not fork a process: {reply.get('error', reply)}")
        return int(reply["pid"]), received[0]

    def _receive(self, seconds):
        if not select.select([self.channel], [], [], seconds)[0]:
            raise ZygoteFailed(f"the zygote did not answer within {seconds} s")
        message, fds, _flags, _address = socket.recv_fds(self.channel, 1 << 16, 1)
        if not message:
            raise ZygoteFailed("the zygote ended")
        try:
            return json.loads(message), fds
        except ValueError:
            for fd in fds:
                os.close(fd)
            raise ZygoteFailed("the zygote answered garbage") from None

    def close(self):
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def start_placeholder(sandbox, files=None, data=None, env=None):
    """A new sandbox by ``sandbox.start``, made whole, with ``PLACEHOLDER`` in it; a ``Confined``."""
    confined = sandbox.start(PLACEHOLDER, files=files, data=data, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        confined.process.stdin.write(b"\n")
        confined.process.stdin.flush()
        ready = select.select([confined.process.stdout], [], [], START_SECONDS)[0]
        if not ready or confined.process.stdout.read1(1) != b"\n":
            raise ZygoteFailed(f"the sandbox did not start: {confined.error()}")
    except BaseException:
        confined.kill()
        raise
    return confined


def fork_into(sandbox, confined, argv, env=None, pipes=False):
    """Fork ``python *argv`` (``["-m", module, *args]`` or ``[script, *args]``, a script's path
    inside) from the zygote into ``confined`` (a sandbox of ``sandbox`` from
    ``start_placeholder``); a ``ForkedProcess``, with ``stdin`` and ``stdout`` pipes if
    ``pipes`` (else both are /dev/null). ZygoteFailed if it cannot."""
    if argv[0] == "-m":
        what, args = {"module": argv[1]}, argv[2:]
    else:
        what, args = {"script": argv[0]}, argv[1:]
    program = seccomp.filter_program()
    # Its stdin, stdout, stderr and exit-code pipe: "theirs" go to the zygote (and are closed
    # here once sent), "ours" are read and written here.
    theirs, ours = [], {}
    try:
        if pipes:
            theirs.append(_pipe_end(ours, "stdin", reading=True))
            theirs.append(_pipe_end(ours, "stdout", reading=False))
        else:
            devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            theirs += [devnull, os.dup(devnull)]
        theirs.append(_pipe_end(ours, "stderr", reading=False))
        theirs.append(_pipe_end(ours, "status", reading=False))
    except BaseException:
        for fd in [*theirs, *ours.values()]:
            os.close(fd)
        raise
    sandbox_pidfd = None
    try:
        sandbox_pidfd = os.pidfd_open(confined.pid)
        request = {
            "sandbox_pid": confined.pid,
            "cgroup_procs": [os.path.join(folder, "cgroup.procs") for folder in
                             (confined.cgroup.folders if confined.cgroup else [])],
            "rlimits": sandbox.rlimits(confined.slot),
            "uid": confined.slot.uid if confined.slot else None,
            "home": HOME,
            "environment": sandbox.environment_inside(env),
            "seccomp": program.hex(),
            **what,
            "args": list(args),
        }
        pid, pidfd = Zygote.fork(sandbox.environment_inside(), request, [sandbox_pidfd, *theirs])
    except BaseException:
        for fd in ours.values():
            os.close(fd)
        raise
    finally:
        for fd in (sandbox_pidfd, *theirs):
            if fd is not None:
                os.close(fd)
    stdin, stdout = (os.fdopen(ours["stdin"], "wb"), os.fdopen(ours["stdout"], "rb")) if pipes else (None, None)
    return ForkedProcess(confined, pid, pidfd, ours["stderr"], ours["status"], stdin, stdout)


def _pipe_end(ours, name, reading):
    """A new pipe: the end for the forked process (it reads from it if ``reading``) is returned,
    the other one kept in ``ours[name]``."""
    read_end, write_end = os.pipe()
    ours[name] = write_end if reading else read_end
    return read_end if reading else write_end


class ForkedProcess:
    """A process forked into a sandbox, as jupyter_client or the judge handle a ``subprocess.Popen``.

    ``pid`` is the sandbox's (bubblewrap's, the leader of its process group), so signals
    and kills reach the whole sandbox. The process's end is seen on its pidfd: the sandbox
    is then killed, and ``returncode`` set to the exit code the zygote reports on
    ``status_fd`` (bubblewrap's way: the code, or 128 + the signal). When no report comes
    (the zygote died meanwhile), ``exit_code_known`` is False and ``returncode`` is the
    sandbox's. ``stdin`` and ``stdout`` are closed by whoever reads and writes them, as with
    ``Popen``."""

    #: Seconds to wait for the zygote's report once the process has ended (it reaps at once).
    REPORT_SECONDS = 5

    def __init__(self, confined, forked_pid, pidfd, errors_fd, status_fd, stdin=None, stdout=None):
        self.confined, self.forked_pid, self._pidfd, self._status = confined, forked_pid, pidfd, status_fd
        self.pid = confined.process.pid
        self.stdin, self.stdout = stdin, stdout
        self.returncode = None
        self.exit_code_known = True
        self.stderr = None
        self._errors = bytearray()
        self._drain = threading.Thread(target=self._read_errors, args=(errors_fd,), daemon=True)
        self._drain.start()

    def _read_errors(self, fd):
        with os.fdopen(fd, "rb") as stream:
            while chunk := stream.read1(65536):
                if len(self._errors) < 4096:
                    self._errors += chunk[:4096 - len(self._errors)]

    def error(self):
        """The start of what the process printed on stderr (for messages)."""
        return bytes(self._errors).decode(errors="replace").strip()

    def poll(self):
        if self.returncode is not None:
            return self.returncode
        ended = self._pidfd is None or select.select([self._pidfd], [], [], 0)[0]
        if self.confined.process.poll() is None and not ended:
            return None
        self.kill()                  # the process ended, or its sandbox did (which ends it)
        sandbox_code = self.confined.process.wait()
        reported = self._reported_code()
        self.exit_code_known = reported is not None
        self.returncode = sandbox_code if reported is None else reported
        self.close()
        return self.returncode

    def _reported_code(self):
        """The exit code the zygote reports, or None when it reports none (it died)."""
        text = b""
        if self._status is not None and select.select([self._status], [], [], self.REPORT_SECONDS)[0]:
            text = os.read(self._status, 32)
        try:
            return int(text)
        except ValueError:
            return None

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("sandboxed process", timeout)
            # Wakes when the process ends; its sandbox's end (rarer) is seen within 50 ms.
            select.select([self._pidfd], [], [], 0.05 if left is None else min(left, 0.05))
        return self.returncode

    def send_signal(self, signum):
        if self.confined.process.poll() is None:
            os.killpg(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    terminate = kill

    def close(self):
        for name in ("_pidfd", "_status"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)
