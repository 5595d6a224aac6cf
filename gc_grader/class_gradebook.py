"""The instructor's side of grading a class: what needs grading, and how one student's
results go into the gradebook and the course directory.

Only one process, the coordinator, ever writes here. A student's grades go in as
one database transaction, so an interrupted run leaves every student either fully
graded or untouched. The graded files go in after that transaction. Last comes a
record of which submission was graded (its fingerprint); a student without that
record is graded again on the next run.
"""

import hashlib
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path

from nbgrader.api import MissingEntry
from sqlalchemy.exc import SAWarning

from gc_grader.grading_task import Job, read_tree, write_tree

#: Written last into autograded/<student>/<assignment>/: the fingerprint of the submission graded.
GRADED_MARK = ".gc_graded"
#: Scratch space of the command inside the course root (staging, files being replaced).
WORK_DIR = ".grade-class"


def fingerprint(files):
    """A digest of a submission: its file names and contents (timestamp.txt included)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def submitted_students(course, assignment):
    """Students with a submission folder for ``assignment``, sorted."""
    folder = Path(course) / "submitted"
    return sorted(path.parent.name for path in folder.glob(f"*/{assignment}") if path.is_dir())


def graded_mark(course, assignment, student):
    mark = Path(course) / "autograded" / student / assignment / GRADED_MARK
    return mark.read_text().strip() if mark.is_file() else None


def plan(gb, course, assignment, force=False):
    """(students to grade, students up to date): a submission is up to date when this
    command graded exactly these files before and the gradebook holds its grades."""
    to_grade, up_to_date = [], []
    graded = {submission.student_id for submission in gb.assignment_submissions(assignment)}
    for student in submitted_students(course, assignment):
        files = read_tree(Path(course) / "submitted" / student / assignment)
        if not force and student in graded and graded_mark(course, assignment, student) == fingerprint(files):
            up_to_date.append(student)
        else:
            to_grade.append(student)
    return to_grade, up_to_date


def job_for(gb, course, assignment, student):
    """One student's grading job, read from disk when it is handed to a worker (not before:
    a class of thousands is never held in memory at once)."""
    files = read_tree(Path(course) / "submitted" / student / assignment)
    return Job(student, fingerprint(files), files, _student_fields(gb, student),
               _extension_seconds(gb, assignment, student))


def _student_fields(gb, student):
    try:
        row = gb.find_student(student)
    except MissingEntry:
        return {}
    fields = {"first_name": row.first_name, "last_name": row.last_name, "email": row.email,
              "lms_user_id": row.lms_user_id}
    return {key: value for key, value in fields.items() if value is not None}


def _extension_seconds(gb, assignment, student):
    try:
        extension = gb.find_submission(assignment, student).extension
    except MissingEntry:
        return None
    return extension.total_seconds() if extension else None


@contextmanager
def one_transaction(gb):
    """Run nbgrader's Gradebook methods, which commit after every change, as one transaction.

    Inside the block their commits only flush; the block's changes are committed
    together at its end, or rolled back together when it raises (or is interrupted).
    """
    session = gb.db
    session.commit = session.flush
    try:
        yield gb
    except BaseException:
        session.rollback()
        raise
    finally:
        del session.commit
    session.commit()


def record_grades(gb, assignment, result):
    """Write one student's autograde results into the gradebook, in one transaction.

    The rules are nbgrader's own (SaveAutoGrades): the automatic score is replaced,
    a grader's manual score is kept, and a cell with a manual score is flagged for
    review. Returns True when the student has manual grading here, whose feedback
    must therefore come from this gradebook rather than from the worker's.
    """
    student = result.student
    manual = False
    with warnings.catch_warnings(), one_transaction(gb):
        # nbgrader's add_submission builds its rows in a way SQLAlchemy warns about, harmlessly.
        warnings.filterwarnings("ignore", message=".*not in session", category=SAWarning)
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        when = {"timestamp": result.timestamp} if result.timestamp else {}
        gb.update_or_create_submission(assignment, student, **when)
        for scores in result.notebooks:
            notebook = gb.find_submission_notebook(scores.name, assignment, student)
            notebook.late_submission_penalty = scores.late_penalty
            for grade in notebook.grades:
                if grade.name in scores.auto_scores:
                    grade.auto_score = scores.auto_scores[grade.name]
                    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                manual = manual or grade.manual_score is not None
            for comment in notebook.comments:
                if comment.name in scores.auto_comments:
                    comment.auto_comment = scores.auto_comments[comment.name]
                manual = manual or bool(comment.manual_comment)
    return manual


def place_files(course, assignment, result):
    """Put the worker's feedback, then its autograded files, in place; the graded mark last.

    Each folder is written aside first and then renamed into place, so a folder is
    never half-written: a crash leaves the old folder, the new one, or none.
    """
    course = Path(course)
    work = course / WORK_DIR
    for kind, files in (("feedback", result.feedback), ("autograded", result.autograded)):
        staged = work / "staging" / kind / result.student
        shutil.rmtree(staged, ignore_errors=True)
        write_tree(staged, files)
        if kind == "autograded":
            (staged / GRADED_MARK).write_text(result.fingerprint + "\n")
        target = course / kind / result.student / assignment
        target.parent.mkdir(parents=True, exist_ok=True)
        old = work / "replaced" / kind / result.student
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            old.parent.mkdir(parents=True, exist_ok=True)
            target.rename(old)
        staged.rename(target)
        shutil.rmtree(old, ignore_errors=True)


def clear_work_dir(course):
    """Drop what an interrupted run left in the command's scratch space."""
    shutil.rmtree(Path(course) / WORK_DIR, ignore_errors=True)
