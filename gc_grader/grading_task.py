"""One student's grading as a Dask worker runs it: nbgrader's own autograde and
generate_feedback, in a private scratch course, with everything returned as data.

Why a private scratch course per student:
- nbgrader's SQLite gradebook locks when two graders write at once. Each worker
  writes into its own throwaway gradebook, and only the coordinator
  (gc_grader.grade_class) writes into the instructor's.
- A worker never touches the instructor's files, so a worker that dies mid-way
  leaves nothing behind. Its student is simply graded again.
- Files go in and out as bytes, so workers on other machines need no shared
  file system. They need the same Python environment (this package included).

nbgrader runs in the worker's process, not as one `nbgrader autograde` command per
student. That saves the ~3 s of start-up each command pays, which is why one
worker keeps up with stock serial autograde.
"""

import os
import re
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

#: Files never shipped to workers: caches, not course material.
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}
#: The gradebook tables that describe the assignments, not anyone's work. A worker's
#: gradebook starts with exactly these rows from the instructor's.
DEFINITION_TABLES = ("course", "assignment", "notebook", "base_cell", "source_cell",
                     "grade_cells", "solution_cells", "task_cells")

# nbgrader and the course's preprocessors read files relative to the working directory
# (the course root), which is per process: one grading at a time per process.
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class CourseBundle:
    """What every worker needs to grade: sent once to each worker, not once per student."""
    assignment: str
    course_id: str
    config: bytes                  # nbgrader_config.py
    secret: bytes                  # .gc_grader_secret (the judge draws hidden inputs from it)
    source: dict                   # path under source/<assignment>/ -> bytes
    gradebook: bytes               # SQLite gradebook holding only the assignment definitions


@dataclass(frozen=True)
class Job:
    """One student's submission to grade."""
    student: str
    fingerprint: str               # of the submitted files; recorded once graded
    files: dict                    # path under submitted/<student>/<assignment>/ -> bytes
    student_fields: dict = field(default_factory=dict)   # names and email, for the feedback
    extension_seconds: Optional[float] = None             # the instructor's extension, if any


@dataclass
class NotebookScores:
    name: str
    late_penalty: Optional[float]
    auto_scores: dict              # grade cell name -> auto_score (None when not autograded)
    auto_comments: dict            # solution/task cell name -> auto_comment


@dataclass
class Result:
    student: str
    fingerprint: str
    ok: bool
    error: str = ""                # why grading failed, in a line or two
    log: str = ""                  # nbgrader's log of this student's grading
    timestamp: Optional[datetime] = None
    notebooks: list = field(default_factory=list)
    autograded: dict = field(default_factory=dict)   # path -> bytes, as autograde wrote them
    feedback: dict = field(default_factory=dict)     # path -> bytes, as generate_feedback wrote them
    seconds: float = 0.0
    worker: str = ""


def read_tree(folder):
    """Every file under ``folder`` (links followed), as {relative path: bytes}."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


def write_tree(folder, files):
    """Write {relative path: bytes} under ``folder``; a path leading outside it is refused."""
    folder = Path(folder)
    for relative, data in files.items():
        path = folder / relative
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"refusing to write {relative!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def definitions_gradebook(db_url, path):
    """Write at ``path`` a new SQLite gradebook with the assignment definitions of ``db_url``.

    Workers grade against these rows exactly: nbgrader restores the instructor's
    test cells from the stored source cells, so they must be the instructor's own.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, select, text

    source, target = create_engine(db_url), create_engine(f"sqlite:///{path}")
    try:
        # nbgrader's schema, stamped with the instructor's schema version: what nbgrader
        # itself would make, without its `alembic heads` subprocess.
        Base.metadata.create_all(target)
        with source.connect() as reading, target.begin() as writing:
            version = reading.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            writing.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            writing.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
            for name in DEFINITION_TABLES:
                table = Base.metadata.tables[name]
                rows = [dict(row._mapping) for row in reading.execute(select(table))]
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()


def load_course_config(root):
    """nbgrader's configuration for a course root: Jupyter's config paths, then the course's file."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        if (Path(folder) / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    return config


def grade_student(bundle, job):
    """Grade one submission with nbgrader in a scratch course; never raises."""
    start = time.perf_counter()
    result = Result(job.student, job.fingerprint, ok=False, worker=f"{socket.gethostname()}:{os.getpid()}")
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="gc_grade_") as scratch:
        here = os.getcwd()
        noise = Path(scratch) / "stderr.log"
        try:
            os.chdir(scratch)
            with _stderr_to(noise):
                _grade_in(Path(scratch), bundle, job, result)
        except Exception as error:  # a worker reports every failure as data
            result.ok = False
            result.error = result.error or f"{type(error).__name__}: {error}"
        finally:
            os.chdir(here)
            if noise.is_file():
                result.log += noise.read_text(errors="replace")
    result.seconds = time.perf_counter() - start
    return result


def _grade_in(root, bundle, job, result):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    assignment, student = bundle.assignment, job.student
    # The grading code imports the course's helper modules (gc_utils, ...): the copies
    # shipped with the assignment, so a worker needs no checkout of the course.
    sys.path.insert(0, str(root / "source" / assignment))
    try:
        _run_nbgrader(root, bundle, job, result)
    finally:
        sys.path.remove(str(root / "source" / assignment))


def _run_nbgrader(root, bundle, job, result):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    assignment, student = bundle.assignment, job.student
    (root / "nbgrader_config.py").write_bytes(bundle.config)
    (root / ".gc_grader_secret").write_bytes(bundle.secret)
    write_tree(root / "source" / assignment, bundle.source)
    write_tree(root / "submitted" / student / assignment, job.files)
    (root / "gradebook.db").write_bytes(bundle.gradebook)
    db_url = f"sqlite:///{root / 'gradebook.db'}"

    with Gradebook(db_url, bundle.course_id) as gb:
        gb.update_or_create_student(student, **job.student_fields)
        if job.extension_seconds:
            gb.update_or_create_submission(assignment, student,
                                           extension=timedelta(seconds=job.extension_seconds))

    config = load_course_config(root)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.course_id = bundle.course_id
    config.NbGraderAPI.log_level = "WARN"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    graded = api.autograde(assignment, student, force=True, create=True)
    result.log = graded.get("log", "")
    if not graded["success"]:
        result.error = _reason(graded) or "nbgrader autograde failed"
        return
    fed_back = api.generate_feedback(assignment, student, force=True)
    result.log += fed_back.get("log", "")
    if not fed_back["success"]:
        result.error = "feedback: " + (_reason(fed_back) or "nbgrader generate_feedback failed")
        return

    with Gradebook(db_url, bundle.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        result.timestamp = submission.timestamp
        result.notebooks = [
            NotebookScores(notebook.name, notebook.late_submission_penalty,
                           {grade.name: grade.auto_score for grade in notebook.grades},
                           {comment.name: comment.auto_comment for comment in notebook.comments})
            for notebook in submission.notebooks]
    result.autograded = read_tree(root / "autograded" / student / assignment)
    result.feedback = read_tree(root / "feedback" / student / assignment)
    result.ok = True


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


def _reason(outcome):
    """The most telling line of a failed nbgrader run: its last exception message that is
    not nbgrader's generic "see the above traceback"."""
    lines = f"{outcome.get('log', '')}\n{outcome.get('error', '')}".splitlines()
    found = [line.strip() for line in lines if _EXCEPTION_LINE.match(line) and "above traceback" not in line]
    return found[-1][:300] if found else ""
