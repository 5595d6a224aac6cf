"""The Dask cluster grade-class grades on, started in the background and closed in the background.

Started as soon as the command line is read (``__main__``): a local worker is a new
Python process that imports Dask, nbgrader and the grading code before it takes any work
(about a second and a half), and that now happens while the command itself imports
nbgrader and checks the course, on the cores those leave idle. Closed while the command
exports the grades and writes its report: local workers take about half a second to stop.

This module imports only Dask, so that the cluster starts before nbgrader is imported.
"""

import logging
import threading

import dask
from distributed import Client, LocalCluster

#: The module every local worker imports as it starts, before it registers (Dask's
#: ``distributed.worker.preload``): the grading code, with what its first grading would
#: import on the way (see ``worker.dask_setup``).
WORKER_PRELOAD = "gc_grader.class_grading.worker"


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
    return Client(cluster), cluster


class ClusterInBackground:
    """``start_client(scheduler, workers)`` in a thread of its own, begun when this is made.

    ``client()`` waits for it (and raises what stopped it, e.g. the SystemExit of a
    scheduler out of reach). A context manager: on exit the client and the cluster are
    closed, and waited for; ``close_in_background`` begins that earlier.
    """

    def __init__(self, scheduler, workers):
        self._started, self._failure, self._closing = None, None, None
        self._starting = threading.Thread(target=self._start, args=(scheduler, workers),
                                          name="start the Dask cluster", daemon=True)
        self._starting.start()

    def _start(self, scheduler, workers):
        try:
            self._started = start_client(scheduler, workers)
        except BaseException as failure:      # raised again in the thread that asks for the client
            self._failure = failure

    def client(self):
        """The Dask client, once the cluster has started."""
        self._starting.join()
        if self._failure is not None:
            raise self._failure
        return self._started[0]

    def close_in_background(self):
        """Begin closing the client and the cluster (once it has started), in a thread."""
        if self._closing is None:
            self._closing = threading.Thread(target=self._close, name="close the Dask cluster")
            self._closing.start()

    def _close(self):
        self._starting.join()
        if self._started is not None:
            client, cluster = self._started
            client.close()
            if cluster is not None:
                cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *failure):
        self.close_in_background()
        self._closing.join()
