"""Grading as a Dask worker runs it: nbgrader's own autograde and generate_feedback over
a small batch of students, in a private scratch course, with everything returned as data.

Why a private scratch course per batch:
- nbgrader's SQLite gradebook locks when two graders write at once. Each worker
  writes into its own throwaway gradebook, and only the coordinator
  (gc_grader.class_grading.coordinator) writes into the instructor's.
- A worker never touches the instructor's files, so a worker that dies mid-way
  leaves nothing behind. Its student is simply graded again.
- Files go in and out as bytes, so workers on other machines need no shared
  file system. They need the same Python environment (this package included).

nbgrader runs in the worker's process, not as one `nbgrader autograde` command per
student: that saves the ~3 s of start-up each command pays, and batches share
nbgrader's set-up, which is why one worker keeps up with stock serial autograde.
"""

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import nbgrader.api
import sqlalchemy
from nbgrader.api import Gradebook, MissingEntry

from gc_grader import stopwatch
from gc_grader.class_grading.course import Course
from gc_grader.class_grading.files import read_tree, write_tree
from gc_grader.class_grading.model import NotebookScores, Result
from gc_grader.pages.feedback_exporter import FeedbackHTMLExporter

#: What a worker's first grading imports on its way besides this module's imports (IPython's
#: lexers for the feedback's highlighted code, SQLite's dialect, the sandbox's kernel
#: launcher); a local worker imports them as it starts (``cluster.dask_setup``). Not the
#: grading checks: they import the course's helpers, which come with the first batch.
FIRST_GRADING_IMPORTS = ("IPython.lib.lexers", "sqlalchemy.dialects.sqlite", "numpy.random",
                         "gc_grader.sandbox.provisioner", "gc_grader.sandbox.zygote")

#: How SQLite keeps a scratch gradebook (``_one_engine_per_database``): it commits without
#: waiting for the disk and keeps its rollback journal in memory. Why: nbgrader commits about
#: 21 times per student in it, and each commit waited for its journal and its database to
#: reach the disk (about 1.4 ms per commit on the benchmark machine's disk, 0.5 ms of it CPU,
#: against 0.13 ms for a database in memory). A scratch gradebook is thrown away with its
#: batch, and a batch whose worker dies is graded again from the start, so what reaching the
#: disk protects against (a power cut, a crash) costs nothing here. A transaction still rolls
#: back as before: its journal is kept, in memory. The instructor's gradebook, which the
#: coordinator writes, keeps SQLite's (and nbgrader's) settings.
SCRATCH_GRADEBOOK_PRAGMAS = ("PRAGMA synchronous=OFF", "PRAGMA journal_mode=MEMORY")

# nbgrader and the course's preprocessors read files relative to the working directory
# (the course root), which is per process: one grading at a time per process.
_ONE_AT_A_TIME = threading.Lock()


def grade_students(bundle, jobs):
    """Grade a few submissions with nbgrader in one scratch course; one Result each; never raises.

    One `autograde` and one `generate_feedback` serve the whole batch, as in stock
    nbgrader: each command costs a few tenths of a second to set up, whatever
    the number of students it grades.
    """
    results = {job.student: Result(job.student, job.fingerprint, ok=False) for job in jobs}
    log = ""
    with _ONE_AT_A_TIME:
        stopwatch.take()         # this batch's phases only (one batch at a time in this process)
        with stopwatch.phase("worker"), tempfile.TemporaryDirectory(prefix="gc_grade_") as scratch:
            here, root = os.getcwd(), Path(scratch)
            noise = root / "stderr.log"
            try:
                os.chdir(root)
                with _stderr_to(noise):
                    log = _run_nbgrader(root, bundle, jobs, results)
            except Exception as error:  # a worker reports every failure as data
                for result in results.values():
                    result.error = result.error or f"{type(error).__name__}: {error}"
            finally:
                os.chdir(here)
                if noise.is_file():
                    log += noise.read_text(errors="replace")
        # Each student carries an equal share of the batch's time: the coordinator's sums are the class's.
        shares = {name: seconds / len(results) for name, seconds in stopwatch.take().items()}
    for result in results.values():
        result.log = "" if result.ok else log      # kept for the instructor only when it failed
        result.seconds = shares
    return list(results.values())


def _run_nbgrader(root, bundle, jobs, results):
    """nbgrader's autograde then generate_feedback over the batch; returns their log."""
    (root / "nbgrader_config.py").write_bytes(bundle.config)
    course = Course(root, db_url=f"sqlite:///{root / 'gradebook.db'}")
    course.require_folders_inside()
    course.secret_path.write_bytes(bundle.secret)
    source = course.folder("source", bundle.assignment)
    write_tree(source, bundle.source)
    # The grading code imports the course's helper modules (gc_utils, ...): the copies
    # shipped with the assignment, so a worker needs no checkout of the course. (The
    # folder must exist before it goes on sys.path: Python remembers a missing one.)
    sys.path.insert(0, str(source))
    try:
        with _one_engine_per_database():
            return _grade_batch(course, bundle, jobs, results)
    finally:
        sys.path.remove(str(source))


def _grade_batch(course, bundle, jobs, results):
    assignment = bundle.assignment
    (course.root / "gradebook.db").write_bytes(bundle.gradebook)
    with Gradebook(course.db_url, bundle.course_id) as gb:
        for job in jobs:
            write_tree(course.folder("submitted", assignment, job.student), job.files)
            gb.update_or_create_student(job.student, **job.student_fields)
            if job.extension_seconds:
                gb.update_or_create_submission(assignment, job.student,
                                               extension=timedelta(seconds=job.extension_seconds))

    course.config.CourseDirectory.course_id = bundle.course_id
    course.config.GenerateFeedback.exporter_class = FeedbackHTMLExporter
    api = course.api()

    # Students whose grading fails are left out by nbgrader (it removes their folder) and
    # reported in its log; the others are graded all the same.
    with stopwatch.phase("autograde"):
        graded = api.autograde(assignment, "*", force=True, create=True)
    with stopwatch.phase("feedback"):
        fed_back = api.generate_feedback(assignment, "*", force=True)
    log = graded.get("log", "") + fed_back.get("log", "")

    with Gradebook(course.db_url, bundle.course_id) as gb:
        for student, result in results.items():
            autograded = course.folder("autograded", assignment, student)
            feedback = course.folder("feedback", assignment, student)
            if not autograded.is_dir():
                result.error = _reason(log, student) or "nbgrader autograde failed"
                continue
            if not feedback.is_dir():
                result.error = "feedback: " + (_reason(log, student) or "nbgrader generate_feedback failed")
                continue
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                result.error = "nbgrader autograde recorded no submission"
                continue
            result.timestamp = submission.timestamp
            result.notebooks = [
                NotebookScores(notebook.name, notebook.late_submission_penalty,
                               {grade.name: grade.auto_score for grade in notebook.grades},
                               {comment.name: comment.auto_comment for comment in notebook.comments})
                for notebook in submission.notebooks]
            result.autograded = read_tree(autograded)
            result.feedback = read_tree(feedback)
            result.ok = True
    return log


@contextmanager
def _one_engine_per_database():
    """While a batch is graded, nbgrader's Gradebooks share one SQLAlchemy engine per database,
    and check its tables once.

    nbgrader opens a Gradebook about 11 times per student (each step and several of its
    preprocessors), and each one creates an engine (``nbgrader.api.create_engine``).
    SQLAlchemy compiles a statement once per engine (its cache is the engine's), so every
    Gradebook compiled every query again, and set up a pool and a dialect: about 0.06 CPU-s
    per student in all. SQLAlchemy means an engine to last as long as the program; here
    one lasts as long as the batch (its scratch gradebook). Each Gradebook still has its own
    session and connections; its ``close`` disposes of the engine's idle connections (the
    next Gradebook opens new ones), not of the engine or its statements.

    Each Gradebook also checks the schema as it opens: it lists the tables, then
    ``create_all`` asks the database about every table again (about 0.02 CPU-s per student
    in all). Nothing in a batch drops a table, so on a shared engine only the first open
    checks; the later ones are told the tables it found (``_TablesSeen``) and skip
    ``create_all``. The first open still creates what is missing, as nbgrader's does.

    Every gradebook opened meanwhile is a scratch one, thrown away with its batch: SQLite
    keeps it without waiting for the disk (``SCRATCH_GRADEBOOK_PRAGMAS``)."""
    metadata = nbgrader.api.Base.metadata
    create, inspect, create_all = nbgrader.api.create_engine, nbgrader.api.inspect, metadata.create_all
    patched_before = vars(metadata).get("create_all")        # only if something set it already
    engines, tables = {}, {}

    def shared_engine(url, **options):
        key = (url if isinstance(url, str) else url.render_as_string(hide_password=False),
               tuple(sorted(options.items())))
        if key not in engines:
            engine = create(url, **options)
            if engine.dialect.name == "sqlite":
                sqlalchemy.event.listen(engine, "connect", _scratch_sqlite)
            engines[key] = engine
        return engines[key]

    def inspect_once(subject, *args, **kw):
        if subject in tables:
            return _TablesSeen(tables[subject])
        return inspect(subject, *args, **kw)

    def create_all_once(bind=None, *args, **kw):
        if bind in tables:
            return
        create_all(bind, *args, **kw)
        if bind in engines.values():
            tables[bind] = inspect(bind).get_table_names()

    nbgrader.api.create_engine, nbgrader.api.inspect = shared_engine, inspect_once
    metadata.create_all = create_all_once
    try:
        yield
    finally:
        nbgrader.api.create_engine, nbgrader.api.inspect = create, inspect
        if patched_before is None:
            vars(metadata).pop("create_all", None)       # the method of its class again
        else:
            metadata.create_all = patched_before
        for engine in engines.values():
            engine.dispose()


def _scratch_sqlite(connection, _record):
    """Set ``SCRATCH_GRADEBOOK_PRAGMAS`` on each new connection to a scratch gradebook."""
    cursor = connection.cursor()
    try:
        for pragma in SCRATCH_GRADEBOOK_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


class _TablesSeen:
    """What nbgrader's Gradebook asks of ``sqlalchemy.inspect(engine)`` as it opens (the table
    names), answered from the first check of the batch's shared engine."""

    def __init__(self, names):
        self.names = names

    def get_table_names(self):
        return list(self.names)


@contextmanager
def _stderr_to(path):
    """Send this process's stderr, and its kernels', to ``path`` while grading.

    nbgrader's database warnings and every kernel's start-up banner would otherwise
    fill the instructor's terminal, once per student, around the progress bar.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


_EXCEPTION_LINE = re.compile(r"^\s*([\w.]+(Error|Exception)): (.+)$")


def _reason(log, student):
    """Why nbgrader failed on ``student``: the last exception message of the traceback it
    logs after "There was an error processing assignment: .../<student>/...", other than
    its generic "see the above traceback"; else the first error nbgrader logged (when it
    gave up on the whole batch, e.g. for an outdated metadata format)."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines)
              if "There was an error processing assignment:" in line and f"/{student}/" in line]
    if not starts:
        return _first_error(lines)
    block = []
    for line in lines[starts[-1] + 1:]:
        if block and line.startswith("[") and "Traceback" not in line:
            break                                  # the next log record
        block.append(line)
    found = [line.strip() for line in block if _EXCEPTION_LINE.match(line) and "above traceback" not in line]
    return found[-1][:300] if found else ""


def _first_error(lines):
    record = []
    for line in lines:
        if line.startswith("[ERROR]") or "| ERROR]" in line.split("]")[0] + "]":
            if record:
                break
            record.append(line.split("]", 1)[1])
        elif record:
            if line.startswith("["):
                break
            record.append(line)
    return " ".join(" ".join(record).split())[:300]
