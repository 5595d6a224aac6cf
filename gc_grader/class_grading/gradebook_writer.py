"""The instructor's side of grading a class: what needs grading, and how one student's
results go into the gradebook and the course directory.

Only one process, the coordinator, ever writes here (a lock keeps a second run out).
A student's grades go in as one database transaction, so an interrupted run leaves
every student either fully graded or untouched. The graded files go in after that
transaction. Last comes the graded mark: the fingerprint of the submission and of
what it was graded with. A student without a matching mark is graded again on the
next run.
"""

import fcntl
import shutil
import warnings
from contextlib import contextmanager

from nbgrader.api import MissingEntry
from sqlalchemy.exc import SAWarning

from gc_grader.class_grading.files import read_tree, write_tree
from gc_grader.class_grading.fingerprint import fingerprint
from gc_grader.class_grading.model import Job

#: Written last into autograded/<student>/<assignment>/: the fingerprint of the submission graded.
GRADED_MARK = ".gc_graded"
#: Scratch space of the command inside the course root (staging, files being replaced).
WORK_DIR = ".grade-class"


def graded_mark(course, assignment, student):
    mark = course.folder("autograded", assignment, student) / GRADED_MARK
    return mark.read_text().strip() if mark.is_file() else None


def submission_files(course, assignment, student):
    """The files a student submitted, symbolic links left out (see read_tree)."""
    return read_tree(course.folder("submitted", assignment, student), follow_links=False)


def plan(gb, course, assignment, grading, force=False):
    """(students to grade, students up to date, {student: why it cannot be read}).

    A submission is up to date when this command graded exactly these files, with
    exactly this ``grading`` (the fingerprint of the course bundle: configuration,
    source files, tests), and the gradebook holds its grades.
    """
    to_grade, up_to_date, unreadable = [], [], {}
    graded = {submission.student_id for submission in gb.assignment_submissions(assignment)}
    for student in course.submitted_students(assignment):
        try:
            files = submission_files(course, assignment, student)
        except OSError as error:
            unreadable[student] = f"not graded: its files cannot be read ({error})"
            continue
        mark = f"{fingerprint(files)} {grading}"
        if not force and student in graded and graded_mark(course, assignment, student) == mark:
            up_to_date.append(student)
        else:
            to_grade.append(student)
    return to_grade, up_to_date, unreadable


def job_for(gb, course, assignment, student, grading):
    """One student's grading job, read from disk when it is handed to a worker (not before:
    a class of thousands is never held in memory at once)."""
    files = submission_files(course, assignment, student)
    return Job(student, f"{fingerprint(files)} {grading}", files, _student_fields(gb, student),
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
        del session.commit
        session.commit()
    except BaseException:
        session.__dict__.pop("commit", None)
        session.rollback()
        raise


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


def forget_mark(course, assignment, student):
    """Drop a student's graded mark before their grades change: if the run stops before the
    new mark is written, the student is graded again rather than counted up to date."""
    (course.folder("autograded", assignment, student) / GRADED_MARK).unlink(missing_ok=True)


def place_files(course, assignment, result):
    """Put the worker's feedback, then its autograded files, in place (without the mark).

    Each folder is written aside first and then renamed into place, so a folder is
    never half-written: a crash leaves the old folder, the new one, or none.
    """
    work = course.root / WORK_DIR / assignment
    for kind, files in (("feedback", result.feedback), ("autograded", result.autograded)):
        staged = work / "staging" / kind / result.student
        shutil.rmtree(staged, ignore_errors=True)
        write_tree(staged, files)
        target = course.folder(kind, assignment, result.student)
        target.parent.mkdir(parents=True, exist_ok=True)
        old = work / "replaced" / kind / result.student
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            old.parent.mkdir(parents=True, exist_ok=True)
            target.rename(old)
        staged.rename(target)
        shutil.rmtree(old, ignore_errors=True)


def write_mark(course, assignment, result):
    """The last step for a student: record what was graded, so the next run can skip it."""
    (course.folder("autograded", assignment, result.student) / GRADED_MARK).write_text(result.fingerprint + "\n")


@contextmanager
def course_lock(course):
    """Hold the course for this run: a second grade-class in the same course would clear
    this run's staging area and race it for the gradebook."""
    work = course.root / WORK_DIR
    work.mkdir(exist_ok=True)
    with open(work / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"grade-class: another grade-class is running in {course.root}; wait for it to finish")
        # What an interrupted run left half-moved is dropped (its students have no mark).
        for leftover in work.iterdir():
            if leftover.name != "lock":
                shutil.rmtree(leftover, ignore_errors=True)
        yield
