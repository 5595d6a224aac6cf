"""How grade-class splits a class into batches for its workers (gc_grader/class_grading/coordinator.py),
and the local cluster they run on (gc_grader/class_grading/cluster.py)."""

import threading

import pytest

from gc_grader.class_grading.coordinator import batches


@pytest.mark.parametrize("count, batch, workers", [(0, 4, 2), (1, 4, 2), (5, 4, 1), (40, 4, 1), (40, 4, 2),
                                                   (101, 4, 2), (30, 8, 3), (7, 1, 4)])
def test_every_student_is_in_one_batch_in_order_and_no_batch_is_too_big(count, batch, workers):
    students = [f"s{i}" for i in range(count)]
    split = batches(students, batch, workers)
    assert [student for part in split for student in part] == students
    assert all(1 <= len(part) <= batch for part in split)


def test_with_several_workers_the_last_batches_shrink_so_that_they_finish_together():
    sizes = [len(part) for part in batches(list(range(40)), 4, 2)]
    assert sizes == [4] * 7 + [3, 3, 2, 1, 1, 1, 1]
    # The last batch each worker takes is a single student's.
    assert sizes[-2:] == [1, 1]


def test_one_worker_grades_whole_batches_and_a_small_class_still_comes_in_two():
    assert [len(part) for part in batches(list(range(40)), 4, 1)] == [4] * 10
    assert [len(part) for part in batches(list(range(5)), 4, 1)] == [3, 2]
    assert [len(part) for part in batches(list(range(5)), 4, 2)][0] == 2


def test_the_local_workers_start_with_the_grading_code_imported_and_without_dasks_profiler():
    """The profiler samples the grading thread every 10 ms for a dashboard nobody opens (about
    0.06 CPU-s per student). The grading code (nbgrader with it) is imported as a worker starts,
    not in its first task; the command's own configuration is left as it was."""
    import dask

    from gc_grader.class_grading.cluster import start_client

    import logging

    from distributed.worker_memory import parse_memory_limit

    client, cluster = start_client(None, 1)
    try:
        seen = client.run(lambda: (__import__("dask").config.get("distributed.worker.profile.enabled"),
                                   sorted({"nbgrader.api", "gc_grader.class_grading.worker", "IPython.lib.lexers"}
                                          & set(__import__("sys").modules))))
        assert list(seen.values()) == [(False, ["IPython.lib.lexers", "gc_grader.class_grading.worker",
                                                "nbgrader.api"])]
        # A lone worker may use all the machine's memory, as with LocalCluster(n_workers=1) (not a
        # core's share, Dask's figure for a worker it was not told the number of).
        limits = client.run(lambda dask_worker: dask_worker.memory_manager.memory_limit)
        assert list(limits.values()) == [parse_memory_limit("auto", 1, 1, logger=logging.getLogger())]
    finally:
        client.close()
        cluster.close()
    assert dask.config.get("distributed.worker.profile.enabled") is True
    assert dask.config.get("distributed.worker.preload") == []


def _cores_of_each_thread():
    """{thread id: the cores it may run on} of the calling process (a worker's, here)."""
    import os
    seen = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            seen[int(tid)] = sorted(os.sched_getaffinity(int(tid)))
        except OSError:        # the thread ended meanwhile
            pass
    return seen


def _cores_of_a_task_and_its_child():
    """The cores a grading task's thread may use, and those of a process it starts (as it starts
    the sandbox's zygote, whose forks are the kernels and judges)."""
    import os
    import subprocess
    import sys
    child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    return sorted(os.sched_getaffinity(0)), child


@pytest.fixture
def two_cores():
    """This process on two of the machine's cores (as if it had two), given back after; local
    workers start with that mask."""
    import os
    mask = os.sched_getaffinity(0)
    if len(mask) < 2:
        pytest.skip("pinning needs two cores or more; this machine has one")
    cores = sorted(mask)[:2]
    os.sched_setaffinity(0, cores)
    yield cores
    os.sched_setaffinity(0, mask)


def test_as_many_local_workers_as_cores_keep_a_core_each_with_every_thread_and_child(two_cores):
    """Each worker, each of its threads, its grading tasks and what they start stay on one core,
    a different one per worker, also after a restart."""
    import os

    from gc_grader.class_grading.cluster import cores_to_pin, start_client

    assert cores_to_pin(2) == two_cores and cores_to_pin(4) == two_cores
    client, cluster = start_client(None, 2)
    try:
        threads = client.run(_cores_of_each_thread)
        tasks = [client.submit(_cores_of_a_task_and_its_child, pure=False, workers=[address])
                 for address in sorted(threads)]
        tasked = [task.result() for task in tasks]
        client.restart()
        restarted = client.run(_cores_of_each_thread)
    finally:
        client.close()
        cluster.close()
    for seen in (threads, restarted):
        pinned = [{core for each in cores.values() for core in each} for cores in seen.values()]
        assert all(len(each) == 1 for each in pinned) and sorted(min(each) for each in pinned) == two_cores
        assert all(len(cores) > 1 for cores in seen.values())   # the event loop's and others, not just one
    assert sorted(tasked) == [([core], str([core])) for core in two_cores]
    assert sorted(os.sched_getaffinity(0)) == two_cores           # the command itself is left free


def test_fewer_local_workers_than_cores_or_an_uneven_share_are_left_free_to_move(two_cores):
    """With a core to spare, the judge beside the notebook and the coordinator use it: one
    worker kept on one core graded about 8 % slower. Three workers on two cores would leave
    two on one core and one on the other."""
    from gc_grader.class_grading.cluster import cores_to_pin, start_client

    assert cores_to_pin(1) is None and cores_to_pin(3) is None
    client, cluster = start_client(None, 1)
    try:
        threads = client.run(_cores_of_each_thread)
    finally:
        client.close()
        cluster.close()
    assert [set(map(tuple, seen.values())) for seen in threads.values()] == [{tuple(two_cores)}]


def _upkeep_periods(server):
    """Milliseconds between wake-ups of a Dask server's periodic upkeep (of those that run)."""
    names = ("tick", "monitor", "memory_monitor")
    return {name: server.periodic_callbacks[name].callback_time for name in names if name in server.periodic_callbacks}


def _worker_upkeep_periods(dask_worker):
    return _upkeep_periods(dask_worker)


def test_a_local_clusters_upkeep_wakes_at_most_once_a_second():
    """Dask's defaults (health checks every 20 ms, system figures every 500 ms, the worker's
    memory every 100 ms) kept an idle 2-worker cluster at 15 % of a core: every server of the
    local cluster (scheduler, nannies, workers) now wakes for them at most once a second."""
    from gc_grader.class_grading.cluster import start_client

    client, cluster = start_client(None, 2)
    try:
        periods = {"scheduler": _upkeep_periods(cluster.scheduler)}
        periods.update({f"nanny {name}": _upkeep_periods(nanny) for name, nanny in cluster.workers.items()})
        periods.update({f"worker {address}": found for address, found in client.run(_worker_upkeep_periods).items()})
    finally:
        client.close()
        cluster.close()
    assert len(periods) == 5
    assert all(found["tick"] >= 1000 and found["monitor"] >= 1000 for found in periods.values()), periods
    # Each nanny and worker still checks the worker's memory: LocalCluster gives every worker a
    # memory limit of its own (its share of the machine's), and with a limit the check runs.
    memory = [found["memory_monitor"] for found in periods.values() if "memory_monitor" in found]
    assert len(memory) == 4 and min(memory) >= 1000, periods


def test_a_scheduler_out_of_reach_is_named():
    from gc_grader.class_grading.cluster import start_client

    with pytest.raises(SystemExit, match="cannot reach the Dask scheduler at nonsense://nowhere"):
        start_client("nonsense://nowhere", 1)


#: In a process of its own: a local worker's teardown in a child process, then in the process itself.
TEARDOWN_PROBE = """
import gc, multiprocessing
from gc_grader.class_grading import cluster, worker  # a local worker has both imported

def worker_process(queue):
    cluster.dask_teardown(None)
    queue.put((gc.get_freeze_count(), len(gc.get_objects())))

if __name__ == "__main__":
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=worker_process, args=(queue,))
    child.start()
    print(*queue.get(timeout=60))
    child.join()
    cluster.dask_teardown(None)
    print(gc.get_freeze_count())
"""


def test_a_closing_local_worker_leaves_its_objects_to_the_end_of_its_process():
    """Its garbage collector would otherwise walk all of them as Python exits (about 0.45 s
    that the cluster's close waits for, per worker). A process that goes on after its worker
    closed (one that is not a worker process of its own) keeps collecting."""
    import subprocess
    import sys

    lines = subprocess.run([sys.executable, "-c", TEARDOWN_PROBE], capture_output=True, text=True, check=True,
                           timeout=120).stdout.split("\n")
    frozen, left = map(int, lines[0].split())
    assert frozen > 50_000 and left < 1_000
    assert int(lines[1]) == 0


def _our_processes():
    """This process's descendants, but for multiprocessing's resource tracker (started once,
    by the first local cluster, it stays until the end)."""
    import psutil

    return {child for child in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(child.cmdline())}


def test_the_local_cluster_ends_with_the_grading_even_when_the_grading_fails():
    """What stops the coordinator's loop (here: a course it cannot read, as a bug would) stops
    the grading, not the cluster's close: no worker outlives the run."""
    from argparse import Namespace

    import psutil

    from gc_grader.class_grading.coordinator import Coordinator
    from gc_grader.class_grading.model import CourseBundle

    before = _our_processes()
    args = Namespace(scheduler=None, workers=1, batch=4, assignment="gradient_checking")
    bundle = CourseBundle("gradient_checking", "course", b"", b"", {}, b"")
    coordinator = Coordinator(args, None, None, bundle, {})
    with pytest.raises(AttributeError):
        coordinator.run(["ada"])
    gone, alive = psutil.wait_procs(_our_processes() - before, timeout=10)
    assert alive == []


#: In a process of its own, as ``python -m gc_grader.class_grading`` does it: local workers started,
#: then nbgrader imported on the main thread while they start. Prints whether they were still
#: starting when the start returned, how many worker processes were running before they were
#: waited for, how many came up, then every module imported on each thread meanwhile (not
#: while the main thread waits for Dask to make the cluster: nothing is imported beside that).
EARLY_START_PROBE = """
import json, sys, threading
from gc_grader.class_grading import cluster

class Recorder:
    def __init__(self):
        self.seen, self.waiting = {}, False

    def find_spec(self, name, path=None, target=None):
        if name not in sys.modules and not self.waiting:
            self.seen.setdefault(threading.current_thread().name, []).append(name)
        return None

recorder = Recorder()

class WaitedFor(cluster.LocalCluster):
    def __init__(self, *args, **kw):
        recorder.waiting = True
        try:
            super().__init__(*args, **kw)
        finally:
            recorder.waiting = False

if __name__ == "__main__":
    cluster.LocalCluster = WaitedFor
    sys.meta_path.insert(0, recorder)
    starting = cluster.LocalWorkers(2)
    still_starting = len(starting.cluster.scheduler.workers) < 2
    import nbgrader.api, nbgrader.apps.exportapp
    import psutil
    spawned = [child for child in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(child.cmdline())]
    client, _ = starting.take()
    sys.meta_path.remove(recorder)
    up = len(client.nthreads())
    client.close()
    starting.close()
    # A module only tried (an optional one that is not installed) leaves nothing half made.
    imported = {thread: [name for name in names if name in sys.modules] for thread, names in recorder.seen.items()}
    print(json.dumps([still_starting, len(spawned), up, imported]))
"""


def test_local_workers_start_beside_the_commands_imports_and_dasks_thread_imports_nothing():
    """grade-class starts its local workers before it imports nbgrader, which then goes on while
    they start (about a second sooner to grade). Dask starts them on a thread of its own: a
    module imported for the first time by two threads at once can come out half made, so
    everything that thread would import is imported before (``SPAWN_IMPORTS``)."""
    import json
    import subprocess
    import sys

    output = subprocess.run([sys.executable, "-c", EARLY_START_PROBE], capture_output=True, text=True,
                            check=True, timeout=180).stdout
    still_starting, spawned, up, seen = json.loads(output.splitlines()[-1])
    assert still_starting and up == 2
    assert spawned >= 2                       # the workers' processes were started before they were waited for
    assert len(seen.get("MainThread", [])) > 100                  # the recorder sees imports: nbgrader's
    assert {thread: names for thread, names in seen.items() if thread != "MainThread" and names} == {}


def test_local_workers_closed_while_they_start_end_and_leave_the_configuration_as_it_was():
    """When there is nobody to grade (or the command stops on an error), the workers started
    early are closed, still starting or not; the settings they started with are the command's
    no more."""
    import dask
    import psutil

    from gc_grader.class_grading.cluster import LocalWorkers

    import time

    before, ticking = _our_processes(), dask.config.get("distributed.admin.tick.interval")
    starting = LocalWorkers(1)
    assert dask.config.get("distributed.admin.tick.interval") == "1s" != ticking
    deadline = time.monotonic() + 30
    while not any("spawn_main" in " ".join(child.cmdline()) for child in _our_processes() - before):
        assert time.monotonic() < deadline, "no worker process started"
        time.sleep(0.02)
    assert not starting.cluster.scheduler.workers                 # started, not up yet
    starting.close()
    starting.close()                                              # again: nothing more to do
    gone, alive = psutil.wait_procs(_our_processes() - before, timeout=10)
    assert alive == []
    assert dask.config.get("distributed.admin.tick.interval") == ticking
    assert dask.config.get("distributed.worker.preload") == []


def test_a_local_worker_that_cannot_start_is_named(monkeypatch):
    """A worker that fails as it starts (here: a preload that cannot be imported) stops the
    command with a message, instead of leaving it waiting."""
    from gc_grader.class_grading import cluster

    broken = {**cluster.settings(1), "distributed.worker.preload": ["gc_no_such_module"]}
    monkeypatch.setattr(cluster, "settings", lambda workers: broken)
    before = _our_processes()
    with pytest.raises(SystemExit, match="local Dask worker 0 could not start"):
        cluster.start_client(None, 1)
    import psutil
    gone, alive = psutil.wait_procs(_our_processes() - before, timeout=10)
    assert alive == []


#: Holds the tasks of the placement test on their workers until it is set (the workers are
#: threads of this process).
_GATE = threading.Event()


def _held(*_):
    _GATE.wait(120)
    return True


def test_each_batch_goes_to_the_worker_with_the_fewest_students_left():
    """Dask places a task as it is submitted; the coordinator tells it where, by the students
    each worker holds (where Dask says each batch is, else where it was sent)."""
    from argparse import Namespace

    from distributed import Client, LocalCluster

    from gc_grader.class_grading.coordinator import Coordinator
    from gc_grader.class_grading.model import CourseBundle

    _GATE.clear()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local, \
            Client(local) as client:
        client.wait_for_workers(2)
        first, second = sorted(client.nthreads())
        bundle = CourseBundle("gradient_checking", "course", b"", b"", {}, b"")
        coordinator = Coordinator(Namespace(scheduler=None, workers=2, batch=4, assignment="a"), None, None, bundle, {})
        coordinator.client = client

        def hand(worker, students, *depends):
            future = client.submit(_held, *depends, pure=False, workers=[worker])
            coordinator.in_flight[future.key] = future, ["student"] * students, worker
            return future

        try:
            running = hand(first, 10)
            assert coordinator.least_busy_worker() == second
            hand(second, 4)
            hand(second, 3)
            assert coordinator.least_busy_worker() == second          # 7 against 10
            hand(second, 4, running)          # waits for another task: on no worker's list yet, counted where sent
            assert coordinator.least_busy_worker() == first           # 11 against 10
        finally:
            _GATE.set()
        client.gather([future for future, *_ in coordinator.in_flight.values()])
        _GATE.clear()
        try:
            hand(second, 1)
            assert coordinator.least_busy_worker() == first      # its 10, graded, no longer count
        finally:
            _GATE.set()
