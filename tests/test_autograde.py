"""End to end with the real nbgrader: generate, submit, autograde, feedback, export.

One scratch course and gradebook serve the whole module: grading the corpus is
the slow part (a couple of seconds per submission), so it happens once.
"""

import csv
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import ASSIGNMENT, NOTEBOOK, POINTS, exercise_of, fill_release, make_scratch_course, nbgrader, place_submission
from submissions import corpus

SUBMISSIONS = corpus()


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = make_scratch_course(tmp_path_factory.mktemp("course"))
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    for submission in SUBMISSIONS:
        place_submission(course, submission.student, fill_release(submission.answers))
    nbgrader(course, "autograde", ASSIGNMENT)
    return course


def points_by_exercise(course, student):
    """Read one student's autograded points per exercise from the gradebook."""
    points = dict.fromkeys(POINTS, 0.0)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        for grade in notebook.grades:
            points[exercise_of(grade.name)] += grade.score
    return points


def test_corpus_names_are_unique():
    names = [s.student for s in SUBMISSIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.student)
def test_each_submission_gets_exactly_its_points(graded_course, submission):
    assert points_by_exercise(graded_course, submission.student) == submission.expected_points(), \
        submission.description


def test_correct_gets_100_and_blank_gets_0(graded_course):
    assert sum(points_by_exercise(graded_course, "correct").values()) == 100
    assert sum(points_by_exercise(graded_course, "blank").values()) == 0


def test_feedback_is_one_html_file_per_student(graded_course):
    nbgrader(graded_course, "generate_feedback", ASSIGNMENT)
    for submission in SUBMISSIONS:
        html = graded_course / "feedback" / submission.student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert html.is_file(), f"no feedback for {submission.student}"
        total = sum(submission.expected_points().values())
        assert f"Score: {total:.1f} / 100.0" in html.read_text(encoding="utf-8")


def test_export_writes_every_score_to_csv(graded_course):
    nbgrader(graded_course, "export")
    with open(graded_course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}
    assert set(rows) == {s.student for s in SUBMISSIONS}
    for submission in SUBMISSIONS:
        assert float(rows[submission.student]["raw_score"]) == sum(submission.expected_points().values())
        assert float(rows[submission.student]["max_score"]) == 100


def test_zip_collect_takes_an_lms_download(tmp_path):
    """README's LMS path: a zip of "<student>_Gradient_Checking.ipynb" files, then autograde."""
    course = make_scratch_course(tmp_path / "course")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    correct, wrong = SUBMISSIONS[0], next(s for s in SUBMISSIONS if s.student == "gcn_no_copy")
    with zipfile.ZipFile(archive / "lms-download.zip", "w") as zf:
        for student, submission in (("alice", correct), ("bob", wrong)):
            zf.writestr(f"{student}_{NOTEBOOK}.ipynb", nbformat.writes(fill_release(submission.answers)))
    nbgrader(course, "zip_collect", ASSIGNMENT)
    for student in ("alice", "bob"):
        assert (course / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
    nbgrader(course, "autograde", ASSIGNMENT)
    assert points_by_exercise(course, "alice") == correct.expected_points()
    assert points_by_exercise(course, "bob") == wrong.expected_points()
