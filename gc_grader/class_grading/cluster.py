"""The Dask cluster grade-class grades on, with local workers that start with the grading code
imported.

A local worker imports Dask, nbgrader and the grading code before it takes any work
(``WORKER_PRELOAD``): both workers are then ready to grade at the same moment, and their
first batch is graded as fast as the others. Before, the first task of each imported the
grading code, the second worker about a second after the first.

With at least as many local workers as cores, each worker is kept on a core of its own, with
everything it starts (``CORES``, ``pin_to_core``).

``python -m gc_grader.class_grading`` (./grade-class) starts the local workers first thing
(``LocalWorkers``), before the command imports nbgrader: the workers' start (about 2.5 s, their
imports) then goes on beside the command's own imports and checks (about 2.5 s, on one core)
instead of after them. The coordinator takes them when there is someone to grade; otherwise
the command closes them as soon as it knows. Either way the cluster is closed before the
command goes on to export and report, not beside them: closing it in a thread while the
report imported matplotlib once made that import fail (a fresh-clone test run).
"""

import gc
import importlib
import logging
import multiprocessing
import os
import time

import dask
from distributed import Client, LocalCluster
from distributed.core import Status
from distributed.worker_memory import parse_memory_limit

#: Dask configuration key: the cores local workers are kept on, one each in turn (unset: none).
CORES = "gc-grader.worker-cores"

#: The module every local worker imports as it starts, before it registers (Dask's
#: ``distributed.worker.preload``): this one, for its ``dask_setup`` and ``dask_teardown``.
WORKER_PRELOAD = __name__


#: How often a local cluster's own upkeep wakes up: once a second at most, instead of Dask's
#: defaults, which suit a long-lived cluster watched on its dashboard. Every server of the
#: cluster (the scheduler and each nanny in this process, each worker beside its kernels)
#: checked its event loop's health every 20 ms (``tick``) and read its process's and the
#: host's CPU, memory, disk and network figures every 500 ms (``system-monitor``), and each
#: nanny and worker checked the worker's memory against its limit every 100 ms. An idle local
#: cluster of two workers took 15 % of a core so (14.5 to 17.1 %, four runs of 15 s on the
#: 2-core benchmark machine, against 0.5 % for the machine at rest), 1.6 to 3.2 % with these.
#: Nothing here reads those figures to a second, and a worker's memory is still checked
#: against its limit every second (student code has the sandbox's limits besides).
QUIET = {"distributed.admin.tick.interval": "1s", "distributed.admin.system-monitor.interval": "5s",
         "distributed.worker.memory.monitor-interval": "1s"}


#: Seconds local workers may take to start (each imports Dask, nbgrader and the grading code).
START_SECONDS = 120

#: What Dask imports on its own thread as it starts local workers, imported beforehand on the
#: thread that starts them: ``python -m gc_grader.class_grading`` imports nbgrader meanwhile,
#: and a module imported for the first time by two threads at once can come out half made
#: (tests/class_grading/test_coordinator.py checks that Dask's thread imports nothing).
SPAWN_IMPORTS = ("_posixshmem", "multiprocessing.resource_tracker", "multiprocessing.synchronize", "email.policy",
                 "importlib_metadata._adapters", "importlib_metadata._text")


def start_client(scheduler, workers, starting=None):
    """A Dask client on the cluster at ``scheduler``, or on a local one of ``workers`` processes
    (``starting``, when they were started already, else new), then also returned, to be closed."""
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise SystemExit(f"grade-class: cannot reach the Dask scheduler at {scheduler}: {error}")
    return (starting or LocalWorkers(workers)).take()


class LocalWorkers:
    """A local Dask cluster whose ``workers`` start in the background from the moment it is made,
    until ``take`` waits for them (or ``close`` stops them).

    Dask's own way: a cluster of no worker, then ``scale``, which starts them on Dask's thread.
    The configuration they start with (``settings``) is in force until they are up: Dask reads
    it as it makes each worker's nanny, on its thread. Each worker gets the memory limit
    ``LocalCluster(n_workers=workers)`` gives (its share of the machine's), and gives up
    starting after START_SECONDS, as a failed worker, which ``take`` names."""

    def __init__(self, workers):
        for name in SPAWN_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:      # not part of this Python (importlib_metadata is a backport)
                pass
        self.workers, self.cluster = workers, None
        self._settings = dask.config.set(settings(workers))
        try:
            self.cluster = LocalCluster(n_workers=0, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR,
                                        memory_limit=parse_memory_limit("auto", 1, workers,
                                                                        logger=logging.getLogger(__name__)),
                                        death_timeout=START_SECONDS)
            self.cluster.scale(workers)
        except BaseException:
            self.close()
            raise

    def take(self):
        """(client, cluster) once every worker is up; SystemExit, saying why, if one cannot start."""
        try:
            client = Client(self.cluster)
            try:
                self._wait(client)
            except BaseException:
                client.close()
                raise
        except BaseException:
            self.close()
            raise
        self._release()
        return client, self.cluster

    def _wait(self, client):
        deadline = time.monotonic() + START_SECONDS
        while len(client.nthreads()) < self.workers:
            # A copy: Dask's thread adds the workers it has started to this dict.
            failed = [name for name, nanny in list(self.cluster.workers.items()) if nanny.status == Status.failed]
            if failed:
                raise SystemExit(f"grade-class: local Dask worker {failed[0]} could not start (its error is above)")
            if time.monotonic() > deadline + 10:          # their own deadline has passed, and more
                raise SystemExit(f"grade-class: the local Dask workers did not start within {START_SECONDS} s")
            time.sleep(0.05)

    def close(self):
        """Stop the workers (started or still starting) and the cluster; again does nothing."""
        self._release()
        if self.cluster is not None:
            self.cluster.close()

    def _release(self):
        if self._settings is not None:
            self._settings.__exit__(None, None, None)
            self._settings = None


def settings(workers):
    """The Dask configuration of a local cluster of ``workers``: the workers' preload and cores,
    and the cluster's quiet upkeep (``QUIET``).

    No dashboard, so nobody reads what the workers' statistical profiler gathers: it samples
    the grading thread's stack every 10 ms, about 0.06 CPU-s per student. (The workers take
    the configuration they are started with, and keep it when they are restarted.)"""
    return {"distributed.worker.profile.enabled": False, "distributed.worker.preload": [WORKER_PRELOAD],
            CORES: cores_to_pin(workers), **QUIET}


def cores_to_pin(workers):
    """The cores to keep ``workers`` local workers on, one each in turn; None to let them move.

    Why: grading is a conversation between processes. The worker sends the kernel a cell and
    waits, the kernel runs it and sends back its outputs, the judge runs beside them; each
    message wakes a thread of the other side (ZMQ's and ipykernel's threads included), dozens
    per cell. Waking a thread on the other core costs far more than on the same one: on the
    2-core virtual machine of the benchmark a pipe's ping-pong between two processes took
    170 to 200 us per round trip across the cores and 10 us on one (``taskset``). With one
    worker per core, each keeps its kernels and judges on its own core, and every wake-up is
    local: two workers graded 40 submissions in 33.3 s instead of 35.9 s (five alternating
    runs; CPU time 8 % lower). With fewer workers than cores there is a core left that the
    judge, running beside the notebook, and the coordinator can use: one worker kept on one
    core graded about 8 % slower, so then nothing is pinned. Nor when the workers do not
    divide evenly among the cores (three on two): a core with two would keep them there
    while the other has one."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):      # not Linux: the system places them
        return None
    return cores if len(cores) > 1 and workers % len(cores) == 0 else None


def pin_to_core(worker):
    """Keep this worker process, each of its threads and all it starts later on one core of
    ``CORES``, by its place among the local workers (LocalCluster names them 0, 1, ...).
    Only a speed-up: where the system refuses, the worker runs where it is put."""
    cores = dask.config.get(CORES, None)
    if not cores or not str(worker.name).isdigit():
        return
    core = {cores[int(worker.name) % len(cores)]}
    pinned = set()
    while True:            # affinity is per thread; a thread started meanwhile may have missed it
        threads = set(os.listdir("/proc/self/task")) - pinned
        if not threads:
            return
        for thread in threads:
            try:
                os.sched_setaffinity(int(thread), core)
            except OSError:     # ended meanwhile, or refused: the others are still pinned
                pass
        pinned |= threads


def dask_setup(worker):
    """Run by each local worker as it starts (``WORKER_PRELOAD``), before it takes work: the
    grading code (nbgrader with it) and what its first grading would import next. Every
    worker is then ready to grade at the same moment, and its first batch goes as fast as
    the others."""
    pin_to_core(worker)
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

