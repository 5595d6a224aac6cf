"""Where grading's time goes: wall-clock seconds per phase, summed in this process.

Why: to make grading a class faster, the time of one submission must be split into what
costs it (issue 15): starting the sandboxed kernel, running the notebook, judging the
answers outside the kernel, nbgrader's own work, and recording the grades. Each phase is
timed where it happens (the kernel's start and the notebook's run in ResilientExecute,
the judge in JudgeOutsideKernel, nbgrader's commands in the class-grading worker, the
gradebook in the coordinator) and read back by whoever ran them: a grade-class worker
returns its batch's split with its results, and grade-class writes the class's in
``reports/<assignment>/seconds.json``, which ``benchmarks/grade_class_seconds.py`` prints.

Timing costs two clock reads per phase and changes nothing that is graded. Phases may
nest (the kernel's start happens inside the notebook's run): each is summed on its own,
and whoever reports them subtracts.
"""

import time
from collections import defaultdict
from contextlib import contextmanager

#: Seconds per phase since the last ``take``, in this process.
_TOTALS = defaultdict(float)


@contextmanager
def phase(name):
    """Add the wall-clock time of the block to phase ``name`` (also when the block raises)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _TOTALS[name] += time.perf_counter() - start


def take():
    """The seconds per phase summed since the last call, and start again from zero."""
    totals = dict(_TOTALS)
    _TOTALS.clear()
    return totals
