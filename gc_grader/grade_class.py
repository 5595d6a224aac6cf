"""Grade a whole class in one command, in parallel, on this machine or on a Dask cluster.

    ./grade-class gradient_checking [--collect exchange|zip] [--workers N | --scheduler ADDRESS]
                                    [--db URL] [--force]

Steps, each one nbgrader's own:
1. collect the submissions (`nbgrader collect` from the exchange, or `nbgrader zip_collect`
   from an LMS download), unless they are already in submitted/;
2. check them (gc_grader.check_submissions: renamed and broken notebooks);
3. grade every new or changed submission on Dask workers, each one running nbgrader's
   autograde and generate_feedback over a few students at a time (gc_grader.grading_task).
   This process alone writes the results into the gradebook and the course directory
   (gc_grader.class_gradebook), one student at a time;
4. nbgrader's export to grades.csv; then a summary per exercise on screen and in
   reports/<assignment>/, with the score distribution as a PNG (gc_grader.class_report).

The gradebook is nbgrader's: SQLite in the course root unless `--db` or the course
configuration's `CourseDirectory.db_url` names another (PostgreSQL, for instance).
"""

import argparse
import glob
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

from gc_grader.check_submissions import check_all, means_zero

#: Exit status after Ctrl-C, as a shell reports it.
INTERRUPTED = 130


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grade-class", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="the assignment to grade, e.g. gradient_checking")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.add_argument("--collect", choices=("none", "exchange", "zip"), default="none",
                        help="first collect submissions from the nbgrader exchange, or from an LMS download "
                             "in downloaded/<assignment>/archive/ (default: grade what submitted/ holds)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="worker processes of the local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on an existing Dask cluster, e.g. tcp://10.0.0.5:8786; its workers need "
                            "this course's Python environment, with one thread each (dask worker --nthreads 1)")
    parser.add_argument("--db", metavar="URL", help="gradebook database URL (default: the course's db_url)")
    parser.add_argument("--batch", type=int, default=4,
                        help="students per nbgrader run on a worker (default 4): larger saves start-up "
                             "time, smaller gives a finer progress bar and less to redo if a worker dies")
    parser.add_argument("--force", action="store_true",
                        help="grade every submission again, even those already graded")
    parser.add_argument("--reports", type=Path,
                        help="folder for the summary and the plot (default: reports/<assignment>)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    return args


class Course:
    """The instructor's course directory and nbgrader's settings for it."""

    def __init__(self, root, db_override=None):
        from nbgrader.coursedir import CourseDirectory
        from gc_grader.grading_task import load_course_config

        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").is_file():
            raise SystemExit(f"grade-class: {self.root} has no nbgrader_config.py; run it from the course directory "
                             f"or give --course")
        config = load_course_config(self.root)
        config.CourseDirectory.root = str(self.root)
        if db_override:
            config.CourseDirectory.db_url = db_override
        settings = CourseDirectory(config=config)
        config.CourseDirectory.db_url = settings.db_url
        self.config, self.db_url, self.course_id = config, settings.db_url, settings.course_id
        from sqlalchemy.engine import make_url
        self.shown_url = make_url(self.db_url).render_as_string(hide_password=True)

    def api(self):
        """nbgrader's own API on this course and gradebook, in this process."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        self.config.NbGraderAPI.log_level = "WARN"
        return NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)

    def feedback_from_gradebook(self, assignment, student):
        """nbgrader's generate_feedback for one student, from this gradebook."""
        outcome = self.api().generate_feedback(assignment, glob.escape(student), force=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader generate_feedback failed: {outcome.get('error', '').strip()[-500:]}")


def safe_text(error, course):
    """An error's text without the gradebook's password."""
    return str(error).replace(course.db_url, course.shown_url)


def collect(course, assignment, how):
    """nbgrader's own collect (exchange) or zip_collect (LMS download), when asked."""
    if how == "exchange":
        outcome = course.api().collect(assignment, update=True)
        if not outcome["success"]:
            raise SystemExit(f"grade-class: nbgrader collect failed:\n{outcome.get('log', '').strip()[-3000:]}")
    elif how == "zip":
        archive = course.root / "downloaded" / assignment / "archive"
        if not archive.is_dir():
            raise SystemExit(f"grade-class: put the LMS download (zip files) in {archive} first")
        # zip_collect does not use the gradebook; --force replaces the folders of the
        # students in the download (only theirs), as a fresh download should.
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force"],
                              cwd=course.root, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"grade-class: nbgrader zip_collect failed:\n{proc.stderr.strip()[-3000:]}")


def check(course, assignment):
    """Run the pre-grading check on every submission; return {student: reason it scores 0}."""
    zero = {}
    for student, message in check_all(course.root, assignment)[1]:
        print(f"check: {student}: {message}")
        if means_zero(message):
            zero.setdefault(student, message)
    return zero


def course_bundle(course, assignment):
    """What workers need, read once: configuration, secret, source files, assignment definitions."""
    import tempfile
    from gc_grader.grading_task import CourseBundle, definitions_gradebook, read_tree
    from gc_grader.judge import course_secret

    source = course.root / "source" / assignment
    if not source.is_dir():
        raise SystemExit(f"grade-class: no {source}; is {assignment!r} the right assignment?")
    with tempfile.TemporaryDirectory(prefix="gc_defs_") as scratch:
        path = Path(scratch) / "gradebook.db"
        digest = definitions_gradebook(course.db_url, path)
        definitions = path.read_bytes()
    return CourseBundle(assignment, course.course_id, (course.root / "nbgrader_config.py").read_bytes(),
                        (course_secret(course.root) + "\n").encode(), read_tree(source), definitions, digest)


def same_bundle(bundle):
    """Hand the course bundle to the tasks that need it.

    It travels as the result of this task rather than as scattered data: if the worker
    holding it dies, the scheduler computes it again instead of losing it.
    """
    return bundle


def start_client(args):
    from distributed import Client, LocalCluster

    if args.scheduler:
        try:
            return Client(args.scheduler, timeout="30s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise SystemExit(f"grade-class: cannot reach the Dask scheduler at {args.scheduler}: {error}")
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def batches(students, batch, workers):
    """Split ``students`` into batches of at most ``batch``, small enough that every worker
    gets at least two when the class is small."""
    size = max(1, min(batch, math.ceil(len(students) / (2 * max(1, workers)))))
    return [students[i:i + size] for i in range(0, len(students), size)]


class Coordinator:
    """Hands batches to the cluster and records each result as it arrives (the only writer).

    Only a few batches per worker are in flight at a time, each read from disk just
    before it is handed out, so memory does not grow with the size of the class. A
    student whose batch failed as a whole (a worker died, or nbgrader gave up on the
    batch) is graded once more on their own, so that one hostile submission does not
    cost its batch mates their grades.
    """

    def __init__(self, args, course, gb, bundle, failures):
        self.args, self.course, self.gb, self.failures = args, course, gb, failures
        self.bundle, self.grading = bundle, bundle_fingerprint(bundle)
        self.graded, self.in_flight = [], {}

    def run(self, students):
        from distributed import as_completed
        from tqdm import tqdm

        client, cluster = start_client(self.args)
        self.client, self.running = client, as_completed()
        try:
            self.bundle_future = client.submit(same_bundle, self.bundle, pure=False)
            self.waiting = list(reversed(batches(students, self.args.batch, len(client.nthreads()))))
            self.hand_out()
            with tqdm(total=len(students), unit="student", desc="grading", file=sys.stderr, mininterval=0.5) as bar:
                for future in self.running:
                    _, jobs = self.in_flight.pop(future.key)
                    try:
                        results = future.result()
                    except Exception as error:  # KilledWorker: workers died grading it, again and again
                        results = [self._failed(job, f"{type(error).__name__}: {error}") for job in jobs]
                    retry = [job for job, result in zip(jobs, results) if not result.ok] if len(jobs) > 1 else []
                    for result in results:
                        if result.ok:
                            self.record(result)
                        elif not retry:
                            self.failures.setdefault(result.student, f"not graded: {result.error}")
                            self._keep_log(result)
                    self.waiting.extend([job.student] for job in retry)
                    bar.update(len(jobs) - len(retry))
                    self.hand_out()
        finally:
            client.cancel([future for future, _ in self.in_flight.values()])
            client.close()
            if cluster is not None:
                cluster.close()
        return self.graded

    def hand_out(self):
        """Keep every worker busy, plus one batch waiting each (workers may join or leave)."""
        from gc_grader.class_gradebook import job_for
        from gc_grader.grading_task import grade_students

        target = 2 * max(1, len(self.client.nthreads())) + 1
        while self.waiting and len(self.in_flight) < target:
            batch, jobs = self.waiting.pop(), []
            for student in batch:
                try:
                    jobs.append(job_for(self.gb, self.course.root, self.args.assignment, student, self.grading))
                except OSError as error:
                    self.failures[student] = f"not graded: its files cannot be read ({error})"
            if jobs:
                future = self.client.submit(grade_students, self.bundle_future, jobs, pure=False)
                self.in_flight[future.key] = future, jobs
                self.running.add(future)

    def record(self, result):
        """Grades (one transaction), then files, then feedback with manual scores, then the mark."""
        from gc_grader.class_gradebook import forget_mark, place_files, record_grades, write_mark

        assignment, student = self.args.assignment, result.student
        try:
            forget_mark(self.course.root, assignment, student)
            manual = record_grades(self.gb, assignment, result)
        except Exception as error:  # the gradebook refused: nothing of this student changed
            self.gb.db.rollback()
            self.failures[student] = f"graded, but the gradebook refused the grades: {type(error).__name__}: {error}"
            return
        try:
            place_files(self.course.root, assignment, result)
            if manual:   # a grader's manual scores must show in the feedback: make it from this gradebook
                self.course.feedback_from_gradebook(assignment, student)
            write_mark(self.course.root, assignment, result)
        except Exception as error:
            self.failures[student] = (f"grades recorded, but its files or feedback were not written "
                                      f"({type(error).__name__}: {error}); the next run grades it again")
            return
        self.graded.append(student)

    def _failed(self, job, why):
        from gc_grader.grading_task import Result
        return Result(job.student, job.fingerprint, ok=False, error=why)

    def _keep_log(self, result):
        """nbgrader's log of a failed grading, for the instructor: reports/<assignment>/logs/."""
        if result.log:
            folder = self.args.reports / "logs"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{result.student}.log").write_text(result.log, errors="replace")


def bundle_fingerprint(bundle):
    """What a grading depended on besides the submission: configuration, secret, source
    files, the assignment's definitions and this grading code (gc_grader). Changing any
    of them regrades everyone."""
    import gc_grader
    from gc_grader.class_gradebook import fingerprint
    code = {f"gc_grader/{path.name}": path.read_bytes() for path in Path(gc_grader.__file__).parent.glob("*.py")}
    return fingerprint({"config": bundle.config, "secret": bundle.secret, "definitions": bundle.definitions.encode(),
                        **{f"source/{name}": data for name, data in bundle.source.items()}, **code})[:16]


def export(course, gb):
    """What `nbgrader export` does (its configured plugin, grades.csv by default), in this process."""
    from nbgrader.apps.exportapp import ExportApp

    app = ExportApp(config=course.config)
    app.log_level = "WARN"
    app.init_plugin()
    app.plugin_inst.export(gb)


def report(args, course, gb, failures, graded, up_to_date):
    from gc_grader.class_report import class_scores, lost_point_reasons, plot_distribution, summary_lines

    scores = class_scores(gb, args.assignment)
    reasons = lost_point_reasons(course.root, args.assignment, scores.scores)
    lines = summary_lines(args.assignment, scores, reasons, failures, len(graded), len(up_to_date))
    folder = args.reports
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.txt").write_text("\n".join(lines) + "\n")
    plot_distribution(args.assignment, scores, folder / "score_distribution.png")
    print("\n".join(lines))
    print(f"\nWritten: {course.root / 'grades.csv'}, {folder / 'summary.txt'}, {folder / 'score_distribution.png'}")


def main(argv=None):
    args = parse_args(argv)
    # Student folders and files may have names that are not valid text: show them escaped.
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.stderr.reconfigure(errors="backslashreplace")
    # nbgrader runs `alembic` and `jupyter` from this environment's bin/ (workers inherit it).
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.pop("NBGRADER_EXECUTION", None)
    from nbgrader.api import Gradebook, MissingEntry

    from gc_grader.class_gradebook import course_lock, plan

    # Like every nbgrader command, this one works from the course root: relative paths in
    # the configuration (grades.csv, say) and the course's helper modules are found there.
    if not args.course.is_dir():
        raise SystemExit(f"grade-class: no course directory {args.course}")
    args.reports = (args.reports.resolve() if args.reports
                    else args.course.resolve() / "reports" / args.assignment)
    os.chdir(args.course)
    sys.path.insert(0, str(Path.cwd()))
    course = Course(Path.cwd(), args.db)
    with course_lock(course.root):
        try:
            gradebook = Gradebook(course.db_url, course.course_id)
        except Exception as error:
            raise SystemExit(f"grade-class: cannot open the gradebook {course.shown_url}: "
                             f"{type(error).__name__}: {safe_text(error, course)}")
        with gradebook as gb:
            try:
                gb.find_assignment(args.assignment)
            except MissingEntry:
                raise SystemExit(f"grade-class: the gradebook has no assignment {args.assignment!r}; "
                                 f"run `nbgrader generate_assignment {args.assignment}` first")
            collect(course, args.assignment, args.collect)
            failures = check(course, args.assignment)
            bundle = course_bundle(course, args.assignment)
            students, up_to_date, unreadable = plan(gb, course.root, args.assignment, bundle_fingerprint(bundle),
                                                    force=args.force)
            failures.update(unreadable)
            print(f"grade-class: {len(students)} to grade, {len(up_to_date)} already graded and unchanged"
                  + ("" if args.force or not up_to_date else " (--force grades them again)"))
            try:
                graded = Coordinator(args, course, gb, bundle, failures).run(students) if students else []
            except KeyboardInterrupt:
                print("\ngrade-class: interrupted. Every student whose grading finished is in the gradebook; "
                      "the others are untouched: run the same command again to grade them.", file=sys.stderr)
                return INTERRUPTED
            export(course, gb)
            report(args, course, gb, failures, graded, up_to_date)
    return 0


if __name__ == "__main__":
    sys.exit(main())
