"""The hidden checks in-process, as the outside judge runs them (its runner on the answer cell
alone, here in this process instead of the sandbox, then the verdict), now that no hidden
check runs in the student's kernel: every correct
style passes, every known mistake is named, a wrong result is CheckFailed and code that
raises is AnswerCrashed, and a changed signature or a deleted answer fails with a sentence.
(tests/judge/ covers the runner and the report themselves.)"""


import pytest

import public_tests
from course import SOURCE_NB, read_notebook
from gc_grader.plugins.judge_outside_kernel import student_cells_before_test
from gc_grader.assignment import EXERCISES
from gc_grader.checks.errors import AnswerCrashed, CheckFailed
from gc_grader.judge.requests import run_in_process
from gc_grader.judge.verdict import judge_report
from submissions import corpus

CORRECT = [s for s in corpus() if not s.lost and not s.edit_notebook and not s.filename]
HINTED = [s for s in corpus() if s.hint]


#: Run where the assignment's helpers import from (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("in_the_release")


def judged(exercise, code, seed=12345):
    """Judge ``code`` as the answer cell of ``exercise``; raises what the verdict raises."""
    judge_report(exercise, run_in_process(exercise, [code], seed), seed)


def student(name):
    return next(s for s in corpus() if s.student == name)


def test_the_corpus_has_correct_styles_and_named_mistakes_to_check():
    assert len(CORRECT) >= 7 and len(HINTED) >= 15


@pytest.mark.parametrize("submission", CORRECT, ids=lambda s: s.student)
def test_every_correct_style_passes(submission):
    cells = read_notebook(SOURCE_NB).cells
    for exercise in EXERCISES:
        codes = student_cells_before_test(submission.notebook(), exercise, cells)
        judge_report(exercise, run_in_process(exercise, codes, 12345), 12345)


@pytest.mark.parametrize("submission", [s for s in HINTED if s.hint not in ("stale_dtheta", "signature", "unpack_cost")
                                        and s.student != "gcn_global_cache"], ids=lambda s: s.student)
def test_each_known_mistake_is_named(submission):
    (exercise,) = submission.lost
    with pytest.raises(CheckFailed) as failure:
        judged(exercise, submission.answers[exercise])
    assert public_tests.HINTS[submission.hint] in str(failure.value)
    assert str(failure.value).startswith(f"{exercise} failed a hidden check.\n")
    assert "expected " in str(failure.value) or "changed " in str(failure.value)


def test_a_stale_notebook_variable_is_not_there_when_judged():
    """The answer cell runs alone: a gradient_check that reads the notebook's dtheta finds none,
    and says so with the public test's sentence (which that test, on a second model, says too)."""
    submission = student("gc_stale_dtheta")
    with pytest.raises(AnswerCrashed, match="name 'dtheta' is not defined") as failure:
        judged("gradient_check", submission.answers["gradient_check"])
    assert public_tests.HINTS["stale_dtheta"] in str(failure.value)


def test_a_wrong_result_and_a_crash_are_told_apart():
    with pytest.raises(CheckFailed, match=r"expected \S+, obtained 0\.5") as wrong:
        judged("gradient_check", "def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n    return 0.5")
    assert not isinstance(wrong.value, AnswerCrashed)
    with pytest.raises(AnswerCrashed, match="raised ValueError: oops") as crashed:
        judged("gradient_check", "def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n"
                                 "    raise ValueError('oops')")
    assert not isinstance(crashed.value, CheckFailed)


def test_a_signature_change_or_a_missing_answer_fails_with_a_sentence():
    with pytest.raises(AnswerCrashed, match=r"def gradient_check\(x, theta\)\n  expected def gradient_check"
                                            r"\(x, theta, epsilon=1e-07, print_msg=False\)"):
        judged("gradient_check", "def gradient_check(x, theta):\n    return 0.5")
    judged("forward_propagation", "def forward_propagation(x: float, theta: float) -> float:\n    return theta * x")
    with pytest.raises(AnswerCrashed, match="it does not define gradient_check_n"):
        judged("gradient_check_n", "pass")


@pytest.mark.parametrize("name", ["changed_signature", "gcn_changed_signature", "gcn_ignores_epsilon",
                                  "attack_rebinds_grader"])
def test_answers_that_game_or_change_the_contract_lose_their_points(name):
    """The judge catches these on its own, whatever the kernel said. (The corpus's patch_*
    answers are graded end to end only: run here, their assignments would patch numpy and
    public_tests in this very process.)"""
    submission = student(name)
    (exercise,) = submission.lost
    with pytest.raises((CheckFailed, AnswerCrashed)):
        judged(exercise, submission.answers[exercise])
