"""End to end with the real nbgrader: generate, submit, check, autograde, feedback, export.

The corpus is graded once for the whole module: grading is the slow part (a second or
two per submission). The submissions that never finish a cell by design are graded in a
scratch course of their own, whose cells and outside judgements time out after
SHORT_TIMEOUT seconds instead of the course's 30, and in the background, while the rest
of the corpus is graded in the other.
"""

import csv
import html
import re
import shutil
import zipfile

import nbformat
import pytest

import public_tests
from course import (ASSIGNMENT, NOTEBOOK, POINTS, ROOT, check_submissions, copy_course, nbgrader, nbgrader_alongside,
                    points_by_exercise, run_nbgrader, short_timeouts)
from gc_grader.assignment import exercise_of
from submissions import corpus

pytestmark = pytest.mark.slow

SUBMISSIONS = corpus()
#: Seconds per cell and per outside judgement in the course of the submissions that hang.
SHORT_TIMEOUT = 5


class GradedCorpus:
    """The corpus, graded: the usual submissions in one scratch course, those that hang in another."""

    def __init__(self, usual, hanging):
        self.usual, self.hanging = usual, hanging
        #: Each course -> the students graded in it.
        self.students = {usual: {s.student for s in SUBMISSIONS if not s.hangs},
                         hanging: {s.student for s in SUBMISSIONS if s.hangs}}

    def course_of(self, student):
        """The course where ``student`` was graded."""
        (course,) = [course for course, students in self.students.items() if student in students]
        return course

    def autograded(self, student):
        """The notebook of ``student`` as nbgrader autograded it."""
        return nbformat.read(self.course_of(student) / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)


@pytest.fixture(scope="module")
def graded(generated_course, tmp_path_factory):
    usual = copy_course(generated_course, tmp_path_factory.mktemp("corpus") / "course")
    hanging = short_timeouts(copy_course(generated_course, tmp_path_factory.mktemp("hanging") / "course"),
                             SHORT_TIMEOUT)
    for submission in SUBMISSIONS:
        submission.place(hanging if submission.hangs else usual)
    report = check_submissions(usual)
    assert "renamed: 'Gradient_Checking (1).ipynb' is graded as Gradient_Checking.ipynb" in report
    check_submissions(hanging)
    # The hanging submissions mostly wait on their timeouts: they are graded meanwhile. The
    # corpus goes through nbgrader's command line, exactly as an instructor runs it (in a
    # process whose modules come from the course alone, not from this test process).
    with nbgrader_alongside(hanging, "autograde", ASSIGNMENT):
        nbgrader(usual, "autograde", ASSIGNMENT)
    for course in (usual, hanging):
        run_nbgrader(course, "generate_feedback", ASSIGNMENT)
    return GradedCorpus(usual, hanging)


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.student)
def test_each_submission_gets_exactly_its_points(graded, submission):
    assert points_by_exercise(graded.course_of(submission.student), submission.student) == \
        submission.expected_points(), submission.description


def test_correct_gets_100_and_blank_gets_0(graded):
    assert sum(points_by_exercise(graded.usual, "correct").values()) == 100
    assert sum(points_by_exercise(graded.usual, "blank").values()) == 0


def feedback_text(course, student):
    """The feedback HTML of one student as plain text (tags dropped, entities decoded)."""
    page = (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("submission", [s for s in SUBMISSIONS if s.hint], ids=lambda s: s.student)
def test_feedback_names_the_function_and_says_the_likely_mistake_once(graded, submission):
    (exercise,) = submission.lost
    hint = public_tests.HINTS[submission.hint]
    text = feedback_text(graded.course_of(submission.student), submission.student)
    assert text.count(hint) == 1, f"{submission.student}: the feedback says {text.count(hint)} times: {hint}"
    assert f"{exercise} failed its test." in text
    # No traceback through the test module (the demo cells may show the student's own).
    assert "public_tests.py" not in text


#: The error names of the outside judge's verdicts (gc_grader.checks.errors): every other error
#: in a test cell is the public test's own (or the kernel's, which the student saw as well).
JUDGE_ERRORS = {"CheckFailed", "AnswerCrashed"}


def public_test_was_green(notebook, exercise):
    """Whether the public test cells of ``exercise`` ran without an error of their own in the kernel."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"
             and exercise_of(cell.metadata.get("nbgrader", {}).get("grade_id", "") or "") == exercise
             and cell.metadata.get("nbgrader", {}).get("grade")]
    assert cells, exercise
    return not any(output.output_type == "error" and output.ename not in JUDGE_ERRORS
                   for cell in cells for output in cell.outputs)


@pytest.mark.parametrize("submission", [s for s in SUBMISSIONS if not s.gaming], ids=lambda s: s.student)
def test_public_green_exactly_when_the_exercise_keeps_its_points(graded, submission):
    """Issue 12's promise, end to end: for every honest submission, exercise by exercise, the
    public test was green in the student's own kernel exactly when grading gave full points."""
    notebook = graded.autograded(submission.student)
    points = points_by_exercise(graded.course_of(submission.student), submission.student)
    for exercise, full in POINTS.items():
        assert public_test_was_green(notebook, exercise) == (points[exercise] == full), \
            f"{submission.student}, {exercise}: {points[exercise]} of {full} points"


# Lines of the hidden checks' code (gc_grader/checks, run by the outside judge only), but for
# those every student sees in the release anyway. "_hidden." and "in_kernel" are what the test
# cells of older gradebooks called: ClearOldHiddenTests drops them before the kernel runs.
_RELEASED = "\n".join(cell.source for cell in nbformat.read(str(ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"), 4).cells)
HIDDEN_CODE = [line.strip() for path in sorted((ROOT / "gc_grader" / "checks").glob("*.py"))
               for line in path.read_text().splitlines()
               if len(line.strip()) > 30 and not line.strip().startswith(("#", '"')) and line.strip() not in _RELEASED]


def test_feedback_never_shows_hidden_test_code(graded):
    for submission in SUBMISSIONS:
        text = feedback_text(graded.course_of(submission.student), submission.student)
        # The feedback shows the student's own code: what they wrote themselves is no leak.
        own = "\n".join(submission.answers.values())
        secrets = [secret for secret in ("BEGIN HIDDEN TESTS", "gc_grader", "_hidden.", "in_kernel", *HIDDEN_CODE)
                   if secret not in own]
        assert "BEGIN HIDDEN TESTS" in secrets and "_hidden." in secrets
        for secret in secrets:
            assert secret not in text, f"{submission.student}'s feedback shows hidden test code: {secret}"


def test_the_cell_that_killed_the_kernel_is_named(graded):
    nb = graded.autograded("kills_kernel")
    killed = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells if cell.cell_type == "code"
              and any(o.output_type == "error" and o.ename == "KernelDied" for o in cell.outputs)]
    # The demo cell calls gradient_check too, so it is the first to die; the test cell dies again.
    assert killed == ["demo-gradient-check", "gradient_check_tests"]


def test_grading_twice_gives_identical_scores_and_feedback(course):
    chosen = {s.student: s for s in SUBMISSIONS if s.student in ("correct", "gcn_no_copy", "kills_kernel", "duplicated_answer")}
    for submission in chosen.values():
        submission.place(course)
    runs = []
    for _ in range(2):
        run_nbgrader(course, "autograde", ASSIGNMENT, "--force")
        run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
        runs.append({student: (points_by_exercise(course, student), feedback_text(course, student))
                     for student in chosen})
    assert runs[0] == runs[1]
    for student, submission in chosen.items():
        assert runs[0][student][0] == submission.expected_points(), student


def test_feedback_is_one_html_file_per_student(graded):
    for submission in SUBMISSIONS:
        course = graded.course_of(submission.student)
        html = course / "feedback" / submission.student / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert html.is_file(), f"no feedback for {submission.student}"
        total = sum(submission.expected_points().values())
        assert f"Score: {total:.1f} / 100.0" in html.read_text(encoding="utf-8")


def test_export_writes_every_score_to_csv(graded):
    rows = {}
    for course, students in graded.students.items():
        run_nbgrader(course, "export")
        with open(course / "grades.csv", newline="") as f:
            exported = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}
        assert set(exported) == students
        rows.update(exported)
    assert set(rows) == {s.student for s in SUBMISSIONS}
    for submission in SUBMISSIONS:
        assert float(rows[submission.student]["raw_score"]) == sum(submission.expected_points().values())
        assert float(rows[submission.student]["max_score"]) == 100


def test_zip_collect_takes_an_lms_download(course):
    """README's LMS path: a zip of "<student>_Gradient_Checking.ipynb" files, then autograde."""
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    correct, wrong = SUBMISSIONS[0], next(s for s in SUBMISSIONS if s.student == "gcn_no_copy")
    with zipfile.ZipFile(archive / "lms-download.zip", "w") as zf:
        for student, submission in (("alice", correct), ("bob", wrong)):
            zf.writestr(f"{student}_{NOTEBOOK}.ipynb", nbformat.writes(submission.notebook()))
    run_nbgrader(course, "zip_collect", ASSIGNMENT)
    for student in ("alice", "bob"):
        assert (course / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
    run_nbgrader(course, "autograde", ASSIGNMENT)
    assert points_by_exercise(course, "alice") == correct.expected_points()
    assert points_by_exercise(course, "bob") == wrong.expected_points()


def test_a_corrupt_submission_is_reported_and_the_others_are_graded(course):
    correct, blank = SUBMISSIONS[0], next(s for s in SUBMISSIONS if s.student == "blank")
    correct.place(course)
    blank.place(course)
    broken = course / "submitted" / "truncated" / ASSIGNMENT
    shutil.copytree(course / "submitted" / "correct" / ASSIGNMENT, broken)
    notebook = broken / f"{NOTEBOOK}.ipynb"
    notebook.write_text(notebook.read_text()[:5000])      # an upload cut short
    assert "truncated: Gradient_Checking.ipynb is not a valid notebook file" in check_submissions(course)
    proc = run_nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert proc.returncode != 0 and "truncated" in proc.stdout + proc.stderr
    assert points_by_exercise(course, "correct") == correct.expected_points()
    assert points_by_exercise(course, "blank") == blank.expected_points()


def test_explorer_cells_print_a_static_summary_under_autograde(graded):
    """Grading never depends on a widget: under nbgrader the explorers print text instead."""
    notebook = graded.autograded("correct")
    for cell_id, model in (("explore-epsilon", "1-D: J = θ·x"), ("explore-network", "network")):
        (cell,) = [c for c in notebook.cells if c.get("id") == cell_id]
        printed = "".join(o.get("text", "") for o in cell.outputs)
        assert f"static summary for {model}" in printed, cell.outputs
        assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)
    assert "widgets" not in notebook.metadata
