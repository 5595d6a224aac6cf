"""Grading as a Dask worker runs it: nbgrader's own autograde and generate_feedback over
a small batch of students, in a private scratch course, with everything returned as data.

Why a private scratch course per batch:
- nbgrader's SQLite gradebook locks when two graders write at once. Each worker
  writes into its own throwaway gradebook, and only the coordinator
  (gc_grader.grade_class) writes into the instructor's.
- A worker never touches the instructor's files, so a worker that dies mid-way
  leaves nothing behind. Its student is simply graded again.
- Files go in and out as bytes, so workers on other machines need no shared
  file system. They need the same Python environment (this package included).

nbgrader runs in the worker's process, not as one `nbgrader autograde` command per
student: that saves the ~3 s of start-up each command pays, and batches share
nbgrader's set-up, which is why one worker keeps up with stock serial autograde.
"""

import hashlib
import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from jinja2 import FileSystemBytecodeCache
from nbconvert.exporters import HTMLExporter

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
    definitions: str = ""          # digest of those definitions (a change regrades everyone)


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
    log: str = ""                  # nbgrader's log of the batch, when this student's grading failed
    timestamp: Optional[datetime] = None
    notebooks: list = field(default_factory=list)
    autograded: dict = field(default_factory=dict)   # path -> bytes, as autograde wrote them
    feedback: dict = field(default_factory=dict)     # path -> bytes, as generate_feedback wrote them


def read_tree(folder, follow_links=True):
    """Every file under ``folder``, as {relative path: bytes}.

    With ``follow_links=False`` (a student's submission) symbolic links are left out: a
    link could point at another student's work or at the instructor's solutions.
    File names that are not valid text keep their bytes (as surrogate escapes).
    """
    folder = Path(folder)
    files = {}
    for top, dirs, names in os.walk(folder, followlinks=follow_links):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS
                         and (follow_links or not os.path.islink(os.path.join(top, d))))
        for name in sorted(names):
            path = Path(top) / name
            if follow_links or not path.is_symlink():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


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
    """Write at ``path`` a new SQLite gradebook with the assignment definitions of ``db_url``;
    return a digest of those definitions.

    Workers grade against these rows exactly: nbgrader restores the instructor's
    test cells from the stored source cells, so they must be the instructor's own.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, select, text

    source, target = create_engine(db_url), create_engine(f"sqlite:///{path}")
    digest = hashlib.sha256()
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
                digest.update(repr(sorted(sorted(row.items(), key=str) for row in rows)).encode())
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    return digest.hexdigest()


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


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter, keeping its compiled jinja templates between commands.

    nbconvert compiles its templates anew for every exporter, and nbgrader makes an
    exporter per command: stock nbgrader pays that once per class, a worker once per
    batch (about 0.1 s each time). jinja's own file cache (in the temp folder, checked
    against each template's source) keeps the compiled code for every later batch.
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = FileSystemBytecodeCache()
        return environment


def grade_students(bundle, jobs):
    """Grade a few submissions with nbgrader in one scratch course; one Result each; never raises.

    One `autograde` and one `generate_feedback` serve the whole batch, as in stock
    nbgrader: each command costs a few tenths of a second to set up, whatever
    the number of students it grades.
    """
    results = {job.student: Result(job.student, job.fingerprint, ok=False) for job in jobs}
    log = ""
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="gc_grade_") as scratch:
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
    for result in results.values():
        result.log = "" if result.ok else log      # kept for the instructor only when it failed
    return list(results.values())


def _run_nbgrader(root, bundle, jobs, results):
    """nbgrader's autograde then generate_feedback over the batch; returns their log."""
    assignment = bundle.assignment
    (root / "nbgrader_config.py").write_bytes(bundle.config)
    (root / ".gc_grader_secret").write_bytes(bundle.secret)
    write_tree(root / "source" / assignment, bundle.source)
    # The grading code imports the course's helper modules (gc_utils, ...): the copies
    # shipped with the assignment, so a worker needs no checkout of the course. (The
    # folder must exist before it goes on sys.path: Python remembers a missing one.)
    helpers = str(root / "source" / assignment)
    sys.path.insert(0, helpers)
    try:
        return _grade_batch(root, bundle, jobs, results)
    finally:
        sys.path.remove(helpers)


def _grade_batch(root, bundle, jobs, results):
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    assignment = bundle.assignment
    (root / "gradebook.db").write_bytes(bundle.gradebook)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db_url, bundle.course_id) as gb:
        for job in jobs:
            write_tree(root / "submitted" / job.student / assignment, job.files)
            gb.update_or_create_student(job.student, **job.student_fields)
            if job.extension_seconds:
                gb.update_or_create_submission(assignment, job.student,
                                               extension=timedelta(seconds=job.extension_seconds))

    config = load_course_config(root)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.course_id = bundle.course_id
    config.NbGraderAPI.log_level = "WARN"
    config.GenerateFeedback.exporter_class = FeedbackHTMLExporter
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    # Students whose grading fails are left out by nbgrader (it removes their folder) and
    # reported in its log; the others are graded all the same.
    graded = api.autograde(assignment, "*", force=True, create=True)
    fed_back = api.generate_feedback(assignment, "*", force=True)
    log = graded.get("log", "") + fed_back.get("log", "")

    with Gradebook(db_url, bundle.course_id) as gb:
        for student, result in results.items():
            autograded = root / "autograded" / student / assignment
            feedback = root / "feedback" / student / assignment
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
