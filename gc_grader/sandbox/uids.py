"""One unprivileged uid per concurrent sandbox, when grading runs as root.

bubblewrap started by root keeps root's access to files, even in a user namespace, so
student code must run as a real unprivileged uid. Each sandbox running at the same time
gets its own (``Sandbox.uid_base`` + slot): RLIMIT_NPROC counts per uid, so one
submission's fork bomb cannot starve another's kernel, and two submissions graded side
by side cannot signal or trace each other. A slot is held by an flock on a file in
LOCK_DIR, which the kernel releases even when the grader is killed, so slots are shared
correctly by every process on the machine (Dask workers, formgrader, nbgrader by hand).
"""

import errno
import fcntl
import os

LOCK_DIR = "/run/gc-sandbox"


class UidSlot:
    """A held slot: ``uid`` is this sandbox's alone until ``release``."""

    def __init__(self, uid, fd):
        self.uid, self._fd = uid, fd

    @classmethod
    def acquire(cls, settings):
        """The first free slot of ``settings`` (a Sandbox); RuntimeError when all are taken."""
        os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
        for slot in range(settings.uid_slots):
            uid = settings.uid_base + slot
            fd = os.open(os.path.join(LOCK_DIR, f"uid-{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                os.close(fd)
                if error.errno in (errno.EAGAIN, errno.EACCES):
                    continue
                raise
            return cls(uid, fd)
        raise RuntimeError(f"all {settings.uid_slots} sandbox uids are in use (raise Sandbox.uid_slots)")

    def release(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
