"""The hidden checks in-process, as the hidden test cells call them (no kernel, no nbgrader):
every correct style passes, every known mistake is named, a wrong result is CheckFailed and
code that raises is AnswerCrashed, isolation gives the student's functions back, and
tampering with numpy is refused."""

import numpy as np
import pytest

import public_tests
from course import answered_namespace, notebook_functions
from gc_grader.checks import in_kernel
from gc_grader.checks.errors import AnswerCrashed, CheckFailed
from submissions import corpus

CORRECT = [s for s in corpus() if not s.lost and not s.edit_notebook and not s.filename]
CHECKS = {"forward_propagation": in_kernel.check_forward_propagation,
          "backward_propagation": in_kernel.check_backward_propagation,
          "gradient_check": in_kernel.check_gradient_check,
          "gradient_check_n": in_kernel.check_gradient_check_n}


def student(name):
    return next(s for s in corpus() if s.student == name)


@pytest.mark.parametrize("submission", CORRECT, ids=lambda s: s.student)
def test_hidden_checks_pass_every_correct_style(submission):
    ns = answered_namespace(submission.answers)
    for check in CHECKS.values():
        check(ns)


@pytest.mark.parametrize("submission", [s for s in corpus() if s.hint], ids=lambda s: s.student)
def test_hidden_checks_name_each_known_mistake(submission):
    ns = answered_namespace(submission.answers)
    (exercise,) = submission.lost
    with pytest.raises(CheckFailed) as failure:
        CHECKS[exercise](ns)
    assert public_tests.HINTS[submission.hint] in str(failure.value)


def test_one_ambiguous_case_does_not_decide_the_hint():
    # With grad = the notebook's dtheta (2), the first hidden case gives 1.0, as the
    # precedence mistake does; the other cases tell them apart.
    ns = answered_namespace(student("gc_stale_dtheta").answers)
    with pytest.raises(CheckFailed, match="reusing a variable of the notebook"):
        in_kernel.check_gradient_check(ns)


def test_isolation_uses_known_good_callees_and_gives_the_students_back():
    ns = answered_namespace(student("fp_wrong").answers)
    student_forward = ns["forward_propagation"]
    restore = in_kernel.isolate_gradient_check(ns)
    assert ns["forward_propagation"](2, 4) == 8
    in_kernel.check_gradient_check(ns)            # passes although forward_propagation is wrong
    restore()
    assert ns["forward_propagation"] is student_forward


def test_a_replaced_numpy_function_refuses_grading():
    ns = answered_namespace(CORRECT[0].answers)
    original = np.linalg.norm
    np.linalg.norm = lambda *args, **kwargs: 1.0
    try:
        with pytest.raises(CheckFailed, match="numpy.linalg.norm was replaced"):
            in_kernel.check_gradient_check_n(ns)
    finally:
        np.linalg.norm = original
    in_kernel.check_gradient_check_n(ns)


def test_a_wrong_result_and_a_crash_are_told_apart():
    ns = notebook_functions()
    exec("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n    return 0.5", ns)
    with pytest.raises(CheckFailed, match=r"returned 0\.5; expected") as wrong:
        in_kernel.check_gradient_check(ns)
    assert not isinstance(wrong.value, AnswerCrashed)
    exec("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n    raise ValueError('oops')", ns)
    with pytest.raises(AnswerCrashed, match="raised ValueError: oops") as crashed:
        in_kernel.check_gradient_check(ns)
    assert not isinstance(crashed.value, CheckFailed)


def test_a_signature_change_or_a_deleted_answer_fails_with_a_sentence():
    ns = notebook_functions()
    exec("def gradient_check(x, theta):\n    return 0.5", ns)
    with pytest.raises(AnswerCrashed, match=r"has the signature \(x, theta\); the assignment fixes it as "
                                            r"\(x, theta, epsilon=1e-07, print_msg=False\)"):
        in_kernel.check_gradient_check(ns)
    del ns["gradient_check_n"]
    with pytest.raises(AnswerCrashed, match="gradient_check_n is not defined"):
        in_kernel.check_gradient_check_n(ns)


def test_test_cells_stored_before_the_restructure_still_grade():
    """nbgrader grades with the test cells its gradebook stored at generate time: those of a
    course generated before the checks moved import gc_grader.hidden_tests, and must still grade."""
    old_cells = ["from gc_grader import hidden_tests as _hidden\n_hidden.check_forward_propagation(globals())",
                 "from gc_grader import hidden_tests as _hidden\n_hidden.isolate_gradient_check(globals())\n"
                 "from gc_grader import hidden_tests as _hidden\n_hidden.check_gradient_check(globals())",
                 "from gc_grader import hidden_tests as _hidden\n_hidden.isolate_gradient_check_n(globals())\n"
                 "_hidden.check_gradient_check_n(globals())"]
    right = answered_namespace(CORRECT[0].answers)
    for cell in old_cells:
        exec(cell, right)
    wrong = answered_namespace(student("gcn_no_copy").answers)
    with pytest.raises(CheckFailed, match="perturb the original vector"):
        exec(old_cells[-1], wrong)
