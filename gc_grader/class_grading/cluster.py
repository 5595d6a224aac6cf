"""The Dask cluster grade-class grades on, with local workers that start with the grading code
imported.

A local worker imports Dask, nbgrader and the grading code before it takes any work
(``WORKER_PRELOAD``): both workers are then ready to grade at the same moment, and their
first batch is graded as fast as the others. Before, the first task of each imported the
grading code, the second worker about a second after the first.

The coordinator starts it when there is someone to grade and closes it before the command
goes on to export and report, not beside them: closing it in a thread while the report
imported matplotlib once made that import fail (a fresh-clone test run).
"""

import gc
import importlib
import logging
import multiprocessing

import dask
from distributed import Client, LocalCluster

#: The module every local worker imports as it starts, before it registers (Dask's
#: ``distributed.worker.preload``): this one, for its ``dask_setup`` and ``dask_teardown``.
WORKER_PRELOAD = __name__


def start_client(scheduler, workers):
    """A Dask client on the cluster at ``scheduler``, or on a new local one of ``workers``
    processes (then also returned, to be closed)."""
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise SystemExit(f"grade-class: cannot reach the Dask scheduler at {scheduler}: {error}")
    # No dashboard, so nobody reads what the workers' statistical profiler gathers: it samples
    # the grading thread's stack every 10 ms, about 0.06 CPU-s per student. (The workers take
    # the configuration they are started with, and keep it when they are restarted.)
    settings = {"distributed.worker.profile.enabled": False, "distributed.worker.preload": [WORKER_PRELOAD]}
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def dask_setup(worker):
    """Run by each local worker as it starts (``WORKER_PRELOAD``), before it takes work: the
    grading code (nbgrader with it) and what its first grading would import next. Every
    worker is then ready to grade at the same moment, and its first batch goes as fast as
    the others."""
    from gc_grader.class_grading import worker as grading
    for name in grading.FIRST_GRADING_IMPORTS:
        importlib.import_module(name)


def dask_teardown(worker):
    """Run by each local worker as it closes, just before its process ends.

    The process then exits as Python does, and its garbage collector would walk every object
    that nbgrader and Dask left (about 0.45 s; the cluster's close waits for it). Frozen,
    they are left to the end of the process; what the worker's close still creates is
    collected as usual. Only in a process of its own (a local worker is one), never in a
    process that goes on after its worker closed."""
    if multiprocessing.parent_process() is not None:
        gc.freeze()

