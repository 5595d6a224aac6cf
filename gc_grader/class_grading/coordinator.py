"""The coordinator: hands batches of students to Dask workers and records each result.

It is the only writer of the instructor's gradebook and course folders
(``gradebook_writer``); workers (``worker``) grade in scratch courses of their own and
send everything back as data.
"""

import glob
import math
import sys
from collections import defaultdict
from contextlib import ExitStack

from distributed import as_completed
from tqdm import tqdm

from gc_grader import stopwatch
from gc_grader.class_grading.cluster import start_client
from gc_grader.class_grading.fingerprint import grading_fingerprint
from gc_grader.class_grading.gradebook_writer import (forget_mark, job_for, place_files, record_grades,
                                                      write_mark)
from gc_grader.class_grading.model import Result
from gc_grader.class_grading.worker import grade_students


def same_bundle(bundle):
    """Hand the course bundle to the tasks that need it.

    It travels as the result of this task rather than as scattered data: if the worker
    holding it dies, the scheduler computes it again instead of losing it.
    """
    return bundle


def batches(students, batch, workers):
    """Split ``students`` into batches of at most ``batch``, small enough that every worker
    gets at least two when the class is small.

    With several workers the batches shrink towards the end of the class (each at most a
    half of what remains per worker), so that the workers finish together instead of one
    grading a last whole batch while the others wait. With one worker nothing waits: every
    batch but the last has the same size."""
    workers = max(1, workers)
    if workers == 1:
        size = max(1, min(batch, math.ceil(len(students) / 2)))
        return [students[i:i + size] for i in range(0, len(students), size)]
    split, start = [], 0
    while start < len(students):
        size = max(1, min(batch, math.ceil((len(students) - start) / (2 * workers))))
        split.append(students[start:start + size])
        start += size
    return split


class Coordinator:
    """Hands batches to the cluster and records each result as it arrives (the only writer).

    Only a few batches per worker are in flight at a time, each read from disk just
    before it is handed out, so memory does not grow with the size of the class. A
    student whose batch failed as a whole (a worker died, or nbgrader gave up on the
    batch) is graded once more on their own, so that one hostile submission does not
    cost its batch mates their grades.
    """

    def __init__(self, args, course, gb, bundle, failures, starting=None):
        self.args, self.course, self.gb, self.failures = args, course, gb, failures
        #: Local workers started before the command's imports (``cluster.LocalWorkers``), if any.
        self.starting = starting
        self.bundle, self.grading = bundle, grading_fingerprint(bundle)
        #: The batches handed out and not yet back, by task key: (future, jobs, the worker it was
        #: sent to, or None when Dask chose).
        self.graded, self.in_flight = [], {}
        #: Seconds per phase of the whole run (gc_grader.stopwatch): the workers' phases, summed
        #: over every batch (failed ones too), "recording" here, and "wall", the run end to end.
        self.seconds = defaultdict(float)

    def run(self, students):
        stopwatch.take()
        with stopwatch.phase("wall"):
            graded = self._run(students)
        for name, seconds in stopwatch.take().items():
            self.seconds[name] += seconds
        return graded

    def _run(self, students):
        with ExitStack() as closing:      # on every way out: cancel, close the client, close the cluster
            # The cluster is taken (or started) here, so what is left of its start counts in "wall";
            # it ends before export and report.
            client, cluster = start_client(self.args.scheduler, self.args.workers, self.starting)
            if cluster is not None:
                closing.callback(cluster.close)
            closing.callback(client.close)
            closing.callback(lambda: client.cancel([future for future, *_ in self.in_flight.values()]))
            self.client, self.running = client, as_completed()
            self.bundle_future = client.submit(same_bundle, self.bundle, pure=False)
            self.waiting = list(reversed(batches(students, self.args.batch, len(client.nthreads()))))
            self.hand_out()
            with tqdm(total=len(students), unit="student", desc="grading", file=sys.stderr, mininterval=0.5) as bar:
                for future in self.running:
                    _, jobs, _ = self.in_flight.pop(future.key)
                    try:
                        results = future.result()
                    except Exception as error:  # KilledWorker: workers died grading it, again and again
                        results = [Result(job.student, job.fingerprint, ok=False, error=f"{type(error).__name__}: {error}")
                                   for job in jobs]
                    retry = [job for job, result in zip(jobs, results) if not result.ok] if len(jobs) > 1 else []
                    for result in results:
                        for name, seconds in result.seconds.items():
                            self.seconds[name] += seconds
                        if result.ok:
                            self.record(result)
                        elif not retry:
                            self.failures.setdefault(result.student, f"not graded: {result.error}")
                            self._keep_log(result)
                    self.waiting.extend([job.student] for job in retry)
                    bar.update(len(jobs) - len(retry))
                    self.hand_out()
        return self.graded

    def hand_out(self):
        """Keep every worker busy, plus one batch waiting each (workers may join or leave)."""
        target = 2 * max(1, len(self.client.nthreads())) + 1
        while self.waiting and len(self.in_flight) < target:
            batch, jobs = self.waiting.pop(), []
            for student in batch:
                try:
                    jobs.append(job_for(self.gb, self.course, self.args.assignment, student, self.grading))
                except OSError as error:
                    self.failures[student] = f"not graded: its files cannot be read ({error})"
            if jobs:
                worker = self.least_busy_worker()
                placement = {"workers": [worker], "allow_other_workers": True} if worker else {}
                future = self.client.submit(grade_students, self.bundle_future, jobs, pure=False, **placement)
                self.in_flight[future.key] = future, jobs, worker
                self.running.add(future)

    def least_busy_worker(self):
        """The worker with the fewest students handed to it and not yet graded; None with one.
        Not per thread: a worker grades one batch at a time (``worker._ONE_AT_A_TIME``).

        Why: Dask places a task on a worker as it is submitted, not knowing how many students
        it holds, and a worker runs what it was given in turn. The batches shrink towards the
        end of the class, and Dask once stacked the larger ones on one worker: 40 students on
        two workers, one graded 24 of them in three batches while the other went idle for 6
        of the run's 29 seconds. Each batch now goes to the worker with the least left to
        grade (where Dask says each batch is, else where it was sent). It runs elsewhere if
        that worker leaves, or if Dask's work stealing moves it."""
        where = self.client.processing()          # {worker: keys of the tasks it holds}
        if len(where) < 2:
            return None
        load, counted = dict.fromkeys(where, 0), set()
        for worker, keys in where.items():
            for key in keys:
                if key in self.in_flight:
                    load[worker] += len(self.in_flight[key][1])
                    counted.add(key)
        for key, (future, jobs, sent_to) in self.in_flight.items():
            if key not in counted and not future.done() and sent_to in load:
                load[sent_to] += len(jobs)
        return min(load, key=load.get)

    def record(self, result):
        """Grades (one transaction), then files, then feedback with manual scores, then the mark."""
        with stopwatch.phase("recording"):
            self._record(result)

    def _record(self, result):
        assignment, student = self.args.assignment, result.student
        try:
            forget_mark(self.course, assignment, student)
            manual = record_grades(self.gb, assignment, result)
        except Exception as error:  # the gradebook refused: nothing of this student changed
            self.gb.db.rollback()
            self.failures[student] = f"graded, but the gradebook refused the grades: {type(error).__name__}: {error}"
            return
        try:
            place_files(self.course, assignment, result)
            if manual:   # a grader's manual scores must show in the feedback: make it from this gradebook
                self._feedback_from_gradebook(assignment, student)
            write_mark(self.course, assignment, result)
        except Exception as error:
            self.failures[student] = (f"grades recorded, but its files or feedback were not written "
                                      f"({type(error).__name__}: {error}); the next run grades it again")
            return
        self.graded.append(student)

    def _feedback_from_gradebook(self, assignment, student):
        """nbgrader's generate_feedback for one student, from the instructor's gradebook."""
        outcome = self.course.api().generate_feedback(assignment, glob.escape(student), force=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader generate_feedback failed: {outcome.get('error', '').strip()[-500:]}")

    def _keep_log(self, result):
        """nbgrader's log of a failed grading, for the instructor: reports/<assignment>/logs/."""
        if result.log:
            folder = self.args.reports / "logs"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{result.student}.log").write_text(result.log, errors="replace")
