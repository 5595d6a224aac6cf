"""The kernel provisioner of the ``gc-sandbox`` kernel: every graded notebook's kernel, sandboxed.

nbgrader chooses the kernel by name (``c.Execute.kernel_name = "gc-sandbox"`` in
nbgrader_config.py) and ignores a configured kernel manager class, so the way in is
the kernelspec: its ``metadata.kernel_provisioner`` names this class (registered under
the ``jupyter_client.kernel_provisioners`` entry point), and jupyter_client hands it
the launch. That covers ``./grade-class``, ``nbgrader autograde`` run by hand and
formgrader's Autograde button alike.

The kernel runs through ``Sandbox.start`` with no network, so it talks to nbclient over
ZMQ's ``ipc`` transport: it binds its sockets in its own ``/tmp`` and the grader
connects to them through ``/proc/<pid>/root/tmp``. Its home holds copies of the
regular files of the folder nbgrader runs the notebook in (the student's notebook and
the released helpers nbgrader put beside it); a symlink there is followed only to a
released helper. The kernelspec asks
for ``interrupt_mode: message``, so a cell's timeout interrupts the kernel itself
rather than signalling bubblewrap. Killing the kernel kills its whole sandbox.
"""

import asyncio
import glob
import json
import os
import sys
import time

import zmq
from jupyter_client.provisioning import LocalProvisioner

from gc_grader.assignment import SUPPORT_FILES
from gc_grader.sandbox.bubblewrap import BASE_ENVIRONMENT, Sandbox, SandboxUnavailable

#: Inside the sandbox: the connection file and the prefix of the kernel's sockets.
CONNECTION_FILE = "/tmp/kernel.json"
SOCKETS = "/tmp/kernel"
#: The only variables of the kernel's environment that reach it: nbgrader's "this is grading"
#: (the explorers show no widget then). The rest may hold the grader's secrets.
PASSED_THROUGH = ("NBGRADER_EXECUTION",)
#: The largest message the kernel manager's own sockets accept from the kernel.
CONTROL_MESSAGE_BYTES = 1 << 20
#: The sandboxed kernel's one start line: it writes "gc-sandbox kernel started" on its
#: ``sys.stderr`` (ipykernel's stream, sent on IOPub) and flushes it, before any request is
#: handled, so the message belongs to no cell and no notebook shows it. An ``if`` statement,
#: not an expression: it defines no name, sets no ``_`` and counts no cell. Why: ipykernel
#: (7.4) sends a cell's printed output from its output thread, which at its first send takes
#: a descriptor of its own (the ZMQ socket it schedules its sends through). A kernel whose
#: first printed output comes from a cell that has used up every descriptor loses it
#: (strace: eventfd2 fails with EMFILE in that thread); after one send at start it does not
#: (tests/sandbox/test_attacks.py, exhaust-fds). A kernel that imports ipykernel's debugger
#: itself writes and flushes the debugger's import warning, which does the same; one forked
#: from the zygote, which imported the debugger before, needs this line. (On the command
#: line it replaces any ``IPKernelApp.exec_lines`` of a configuration file; none reaches the
#: sandbox.)
START_LINE = ("--IPKernelApp.exec_lines="
              "if __import__('sys').stderr.write('gc-sandbox kernel started\\n'): __import__('sys').stderr.flush()")
#: IPython's history kept in memory in the sandboxed kernel, as nbclient keeps it in every kernel
#: it knows for ipykernel (``NotebookClient.ipython_hist_file``): it knows them by name (python3),
#: so the grading kernel, named gc-sandbox, kept a SQLite file in its home, which nothing reads
#: once its sandbox is gone. That file cost a database made at start and a thread woken after
#: every cell to write to it: about 55 ms per notebook here (nbclient running the corpus's
#: correct notebook, ten alternating runs: 767 -> 712 ms, median). In memory, every history
#: magic (``%history``, ``-l``, ``-g``, ``%rerun``) answers as in ipykernel's python3 kernel.
IN_MEMORY_HISTORY = "--HistoryManager.hist_file=:memory:"
#: No sleep before each reply. ipykernel (7.4) sleeps half a millisecond after flushing a cell's
#: output and before replying, a guard against clients that miss output sent just before the
#: reply; nbclient reads a cell's outputs until its "idle" status, which leaves after them on
#: the same channel, and every output is flushed before the reply still. While the kernel
#: sleeps, the worker waiting for the reply has nothing to do either, and on the benchmark
#: machine such a sleep lasts longer than asked: notebooks of 101 cells that only ``pass``, six
#: kernels each way on one core, took 1125 and 1248 ms with this against 1336 and 1509 without,
#: about 2 ms a cell (a graded notebook has 18). What the sleep could guard is output that
#: reaches the kernel through its file descriptors (C code, a child process), read by a thread
#: of ipykernel's as it comes: a cell that ends as it writes may have it arrive after the cell's
#: end, with the sleep or without (a loaded machine lost such a line in a few cells of 60 both
#: ways). On a quiet one, 300 cells ending with ``os.write(1, ...)`` kept every line either way.
NO_REPLY_SLEEP = "--IPythonKernel._execute_sleep=0"
#: Seconds the provisioner waits for the kernel's sockets before handing them to the client,
#: which copes with a late kernel anyway (it retries, within the kernel's start-up timeout).
BIND_SECONDS = 10
#: Seconds ``kill`` waits for the killed kernel to be gone.
DEATH_SECONDS = 1
#: A file larger than this in the notebook's folder is not copied in.
MAX_COPIED_FILE = 20 * 10 ** 6


class SandboxProvisioner(LocalProvisioner):
    """Launch the kernel with ``Sandbox.start``; with ``c.Sandbox.enabled = False``, as Jupyter does."""

    confined = None
    #: The kernel when it was forked into its sandbox (``zygote.ForkedProcess``); jupyter_client
    #: forgets ``process`` before it cleans up, this keeps its pidfd to close.
    forked = None

    @property
    def sandbox(self):
        # Configured from the kernel manager's config, which nbclient gives nbgrader's.
        return Sandbox(parent=self.parent or self)

    async def pre_launch(self, **kwargs):
        sandbox = self.sandbox
        if not sandbox.enabled:
            self.log.warning("Sandbox.enabled is False: this kernel runs student code UNSANDBOXED, with "
                             "the grader's own privileges")
            return await super().pre_launch(**kwargs)
        sandbox.check()
        km = self.parent
        km.transport, km.ip, km.cache_ports = "ipc", SOCKETS, False
        # The kernel manager's own sockets (control) take small messages, a few at a time.
        km.context.setsockopt(zmq.MAXMSGSIZE, CONTROL_MESSAGE_BYTES)
        km.context.setsockopt(zmq.RCVHWM, 16)
        kwargs = await super().pre_launch(**kwargs)
        host_file = os.path.realpath(km.connection_file)
        python = {"python", "python3", "{python}"}
        cmd = [sys.executable if i == 0 and arg in python else CONNECTION_FILE if arg == host_file else arg
               for i, arg in enumerate(kwargs["cmd"])]
        # As nbclient does, a history file the kernel was given already (its extra arguments) is kept.
        history = [] if any(arg.startswith("--HistoryManager.hist_file") for arg in cmd) else [IN_MEMORY_HISTORY]
        kwargs["cmd"] = cmd + [START_LINE, NO_REPLY_SLEEP, *history]
        return kwargs

    async def launch_kernel(self, cmd, **kwargs):
        sandbox = self.sandbox
        if not sandbox.enabled:
            return await super().launch_kernel(cmd, **kwargs)
        folder = kwargs.get("cwd") or os.getcwd()
        # The kernel binds inside; the file on the host names the path the grader connects to.
        with open(self.parent.connection_file) as file:
            connection = json.dumps({**json.load(file), "transport": "ipc", "ip": SOCKETS}).encode()
        passed = {name: value for name, value in (kwargs.get("env") or {}).items() if name in PASSED_THROUGH}
        files, data = {**_copied_files(folder), **_font_cache()}, {CONNECTION_FILE: connection}
        if len(cmd) >= 3 and cmd[0] == sys.executable and cmd[1] == "-m":
            self.confined, self.process = sandbox.start_python(cmd[1:], files=files, data=data, env=passed)
            self.forked = self.process if self.process is not self.confined.process else None
        else:
            self.confined = sandbox.start(cmd, files=files, data=data, env=passed)
            self.process = self.confined.process
        self.pid = self.pgid = self.process.pid
        self.cwd = folder
        try:
            pid = self.confined.pid
        except SandboxUnavailable:
            self.confined.kill()
            raise
        info = dict(self.connection_info)
        info["ip"] = f"/proc/{pid}/root{SOCKETS}"
        self.connection_info = info
        await self._sockets_bound(info)
        return info

    async def _sockets_bound(self, info):
        """Return once the kernel has bound its five sockets (or ended, or BIND_SECONDS passed).

        The client connects as soon as this returns; to a socket not bound yet, ZMQ retries
        only after its reconnect interval (0.1 s), and a forked kernel binds well before that."""
        paths = [f"{info['ip']}-{info[name]}" for name in
                 ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        deadline = time.monotonic() + BIND_SECONDS
        while not all(os.path.exists(path) for path in paths) and self.process.poll() is None \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    async def kill(self, restart=False):
        """Kill the kernel, and return once it is dead (at most DEATH_SECONDS later).

        jupyter_client asks whether the kernel lives right after killing it, and if so sleeps
        0.1 s before it asks again: a kernel with numpy loaded takes a few milliseconds to die,
        so most kernels would cost that 0.1 s more."""
        await super().kill(restart)
        deadline = time.monotonic() + DEATH_SECONDS
        while self.process is not None and self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.002)

    async def cleanup(self, restart=False):
        if self.confined is not None:
            self.confined.kill()
            self.confined = None
        if self.forked is not None:     # a kernel forked into the sandbox: its pidfd
            self.forked.close()
            self.forked = None
        await super().cleanup(restart)


def _font_cache():
    """The grader's matplotlib font list, copied where the kernel's matplotlib looks (MPLCONFIGDIR):
    the same fonts and packages are inside, and building it again costs every kernel a few
    tenths of a second. Nothing when the grader has none."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    found = sorted(glob.glob(os.path.join(folder, "fontlist-v*.json")))
    inside = BASE_ENVIRONMENT["MPLCONFIGDIR"]
    return {f"{inside}/{os.path.basename(path)}": path for path in found[-1:] if os.path.isfile(path)}


def _copied_files(folder):
    """Inside name -> host path of the notebooks and released helpers (and language files) of ``folder``.

    Nothing else: a file the student added (an ``ipykernel_launcher.py`` that would run
    as the kernel, say) stays out. A symlink is followed only to a released helper
    (source/ links to them, and `nbgrader validate` runs the source): one to anything
    else, the secret or another submission say, is never copied in.
    """
    files = {}
    for entry in os.scandir(folder):
        if not (entry.name.endswith(".ipynb") or entry.name in SUPPORT_FILES):
            continue
        path = entry.path
        if entry.is_symlink():
            path = os.path.realpath(path)
            if os.path.basename(path) not in SUPPORT_FILES or not os.path.isfile(path):
                continue
        elif not entry.is_file(follow_symlinks=False):
            continue
        if os.stat(path).st_size <= MAX_COPIED_FILE:
            files[entry.name] = path
    return files
