"""One memory and process cgroup per sandbox, where the machine lets grading make one.

RLIMIT_AS bounds each process, not their sum: four processes of 1.6 GiB each hold 6.4 GiB
together, and memory files (memfd, tmpfs) are not mapped memory at all. A cgroup bounds the
whole sandbox: memory (``Sandbox.memory_limit``, its memory files included, which the
kernel charges to their writer), processes (``Sandbox.max_processes``) and, as one entity
with one share, the CPU (so 255 busy processes cannot starve the other sandboxes). The sandbox's first process joins it before bubblewrap
starts, so everything inside is counted from the start; when the sandbox ends, whatever
is still in it is killed and the cgroup removed.

It is made under the grader's own cgroup, so the machine's limits on grading still
hold: cgroup v1's memory and pids hierarchies (as root), or cgroup v2 where the grader's
cgroup delegates both controllers. Elsewhere (no permission, another layout) there is no
cgroup and the per-process limits alone apply; ``available`` says which.
"""

import itertools
import os
import signal
import time

ROOT = "/sys/fs/cgroup"
#: cgroup v1 hierarchies and the files that set their limits. The cpu one has none to set:
#: a cgroup of its own makes the whole sandbox one entity, with one default share of the
#: CPU, however many processes it runs (so it cannot starve the other sandboxes); it is
#: used where it exists.
V1_LIMITS = {"memory": ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"), "pids": ("pids.max",), "cpu": ()}
V1_OPTIONAL = {"cpu"}
_names = itertools.count()


class Cgroup:
    """A sandbox's cgroup: ``join`` is the command prefix that puts a process in it."""

    def __init__(self, folders):
        self.folders = folders

    @classmethod
    def create(cls, memory, processes):
        """A new cgroup with these limits, or None where none can be made here."""
        name = f"gc-sandbox-{os.getpid()}-{next(_names)}"
        for make in (_v2, _v1):
            folders = []
            try:
                if make(name, memory, processes, folders):
                    return cls(folders)
            except OSError:
                pass
            cls(folders).remove()
        return None

    def join(self):
        """A command prefix that moves itself into every folder of this cgroup, then runs the rest."""
        script = 'while [ "$1" != -- ]; do echo 0 > "$1/cgroup.procs" || exit 125; shift; done; shift; exec "$@"'
        return ["sh", "-c", script, "gc-sandbox-cgroup", *self.folders, "--"]

    def remove(self):
        """Kill what is left in it, then remove it (retried briefly while the dead are reaped)."""
        for folder in reversed(self.folders):
            for _ in range(500):     # a killed process leaves its cgroup within milliseconds: 1 s at most
                pids = _pids(folder)
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)
        self.folders = []


def available():
    """Whether sandboxes get a cgroup on this machine (a trial one is made and removed)."""
    trial = Cgroup.create(1 << 30, 16)
    if trial is None:
        return False
    trial.remove()
    return True


def _own(controller):
    """The grader's own cgroup path for ``controller`` (v1), or for the unified hierarchy ("")."""
    with open("/proc/self/cgroup") as file:
        for line in file:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(",") or controller == controllers == "":
                return path
    return None


def _v1(name, memory, processes, folders):
    for controller, files in V1_LIMITS.items():
        own = _own(controller)
        base = os.path.join(ROOT, controller)
        if own is None or not os.path.isfile(os.path.join(base, "cgroup.procs")):
            if controller in V1_OPTIONAL:
                continue
            return False
        folder = os.path.join(base + own, name)
        try:
            os.mkdir(folder)
        except OSError:
            if controller in V1_OPTIONAL:
                continue
            raise
        folders.append(folder)
        value = memory if controller == "memory" else processes
        for limit in files:
            if os.path.exists(os.path.join(folder, limit)):
                _write(os.path.join(folder, limit), value)
    return True


def _v2(name, memory, processes, folders):
    own = _own("")
    if own is None or not os.path.isfile(os.path.join(ROOT, "cgroup.controllers")):
        return False
    parent = ROOT + own
    with open(os.path.join(parent, "cgroup.subtree_control")) as file:
        # With "cpu" delegated too, the sandbox gets one default weight of the CPU.
        if not {"memory", "pids"} <= set(file.read().split()):
            return False
    folder = os.path.join(parent, name)
    os.mkdir(folder)
    folders.append(folder)
    _write(os.path.join(folder, "memory.max"), memory)
    if os.path.exists(os.path.join(folder, "memory.swap.max")):
        _write(os.path.join(folder, "memory.swap.max"), 0)
    _write(os.path.join(folder, "pids.max"), processes)
    return True


def _write(path, value):
    with open(path, "w") as file:
        file.write(str(value))


def _pids(folder):
    try:
        with open(os.path.join(folder, "cgroup.procs")) as file:
            return [int(line) for line in file if line.strip()]
    except OSError:
        return []
