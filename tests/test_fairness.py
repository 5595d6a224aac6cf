"""Fair grading, exercise by exercise, for every honest answer of the corpus: its public test
is green exactly when grading's hidden checks pass it, and exactly when it must keep the
exercise's points. A mistake the public test names, grading names with the same sentence.

Both run here in this process, without nbgrader or a kernel: the public test on the
notebook's globals as its cells leave them (``course.answered_namespace``), the hidden
checks as the outside judge runs them (its runner on the answer cell alone, then the
verdict), on several students' seeds. test_autograde.py proves the same end to end.
"""

import io
from contextlib import redirect_stdout

import pytest

import public_tests
from course import SOURCE_NB, answered_namespace, cell_by_grade_id, read_notebook
from gc_grader.assignment import EXERCISES
from gc_grader.checks.errors import AnswerCrashed, GradingFailure
from gc_grader.plugins.judge_outside_kernel import student_cells_before_test
from gc_grader.judge.requests import run_in_process
from gc_grader.judge.verdict import judge_report
from submissions import corpus

#: Honest submissions whose answers can run in this process: not the gaming ones, not those
#: that hang or end the process (test_autograde.py grades those in a kernel), and not notebook
#: edits (the cells they change are not answers).
HONEST = [s for s in corpus() if not (s.gaming or s.hangs or s.edit_notebook or s.filename)
          and s.student not in ("kills_kernel", "segfault")]
SEEDS = (1, 2024, 987654321)
SOURCE_CELLS = read_notebook(SOURCE_NB).cells


#: Run where the assignment's helpers import from (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("in_the_release")


def answers(submission):
    """Every exercise's answer cell as submitted (as released, when the student left it)."""
    notebook = submission.notebook()
    return {exercise: cell_by_grade_id(notebook, exercise).source for exercise in EXERCISES}


def public_verdict(namespace, exercise):
    """(None or the failure's message, what the test printed) of the public test of ``exercise``."""
    printed = io.StringIO()
    if exercise not in namespace:           # its cell failed: the test cell's call raises NameError
        return f"NameError: name {exercise!r} is not defined", ""
    try:
        with redirect_stdout(printed):
            getattr(public_tests, f"{exercise}_test")(namespace[exercise])
    except public_tests.TestFailed as failure:
        return str(failure), printed.getvalue()
    return None, printed.getvalue()


def hidden_verdict(submission, exercise, seed):
    """None, or the message of the hidden checks' failure, for ``exercise`` on ``seed``: the
    runner gets the cells grading gives it (the student's cells above the exercise's test)."""
    codes = student_cells_before_test(submission.notebook(), exercise, SOURCE_CELLS)
    try:
        if codes is None:
            raise AnswerCrashed(f"The answer cell of {exercise} is missing.")
        judge_report(exercise, run_in_process(exercise, codes, seed), seed)
    except GradingFailure as failure:
        return str(failure)
    return None


def test_the_corpus_has_the_answers_the_issue_asks_for():
    styles = [s for s in HONEST if s.student.startswith("style_")]
    assert len(styles) >= 19
    assert {"gc_ignores_epsilon", "gcn_ignores_epsilon", "gc_inline_model", "gc_stale_dtheta", "gcn_notebook_data",
            "gcn_no_unpack", "gc_no_norm", "gcn_no_norm"} \
        <= {s.student for s in HONEST}


@pytest.mark.parametrize("submission", HONEST, ids=lambda s: s.student)
def test_public_green_exactly_when_grading_gives_the_points(submission):
    namespace = answered_namespace(answers(submission))
    for exercise in EXERCISES:
        keeps = exercise not in submission.lost
        public, printed = public_verdict(namespace, exercise)
        assert (public is None) == keeps, f"{submission.student}, {exercise}: public test says {public or 'green'}"
        assert ("All tests passed." in printed) == keeps
        for seed in SEEDS:
            hidden = hidden_verdict(submission, exercise, seed)
            assert (hidden is None) == keeps, f"{submission.student}, {exercise}, seed {seed}: {hidden or 'passed'}"


HINTED = [s for s in HONEST if s.hint]


@pytest.mark.parametrize("submission", HINTED, ids=lambda s: s.student)
def test_the_public_verdict_names_the_function_and_says_its_sentence_once(submission):
    (exercise,) = submission.lost
    message, printed = public_verdict(answered_namespace(answers(submission)), exercise)
    sentence = public_tests.HINTS[submission.hint]
    assert message.startswith(f"{exercise} failed its test.")
    assert (message + printed).count(sentence) == 1, message
    assert any(word in message for word in ("expected", "should be", " raised ", " changed "))
    assert "Traceback" not in message and "public_tests.py" not in message


@pytest.mark.parametrize("submission", [s for s in HINTED if s.hint not in ("stale_dtheta", "notebook_values")],
                         ids=lambda s: s.student)
def test_grading_names_the_same_mistake(submission):
    """Where the answer, run alone, behaves as in the notebook, grading says the public test's
    sentence (one that reads a notebook variable finds none there, and says so instead)."""
    (exercise,) = submission.lost
    hidden = hidden_verdict(submission, exercise, SEEDS[0])
    assert hidden.startswith(f"{exercise} failed a hidden check.")
    assert public_tests.HINTS[submission.hint] in hidden


def test_a_verdict_is_shown_without_a_traceback():
    """In the kernel IPython shows what ``_render_traceback_`` gives: the verdict, once, in red."""
    failure = public_tests.TestFailed("gradient_check failed its test.\n  call\n  expected 1, obtained 2\n  Sentence.")
    lines = failure._render_traceback_()
    assert lines[0] == f"{public_tests.RED}gradient_check failed its test.{public_tests.RESET}"
    assert lines[1:] == ["  call", "  expected 1, obtained 2", "  Sentence."]
