"""Judge an AnswerReport, in nbgrader's process, with the same verdicts as the kernel's tests.

``judge_report`` raises CheckFailed for a wrong result and AnswerCrashed for an answer
that raised or cannot be called as the assignment fixes; it returns None for a right
answer. The report's values are re-typed here (int, float, numpy float64) so that the
verdicts see what the answer returned, not its JSON form.
"""

from gc_grader.checks import cases, verdicts
from gc_grader.checks.errors import AnswerCrashed, CheckFailed
from gc_grader.judge.report import UnusableReport
from gc_i18n import _
from public_tests import SIGNATURES, crash_hint, hint, same_signature


def _crash_message(exercise, call, error, line):
    """What the answer raised and, when the public tests know the error, what is most likely wrong.

    The answer runs with the cells above it that the student may edit, so a function that
    reads a notebook variable instead of its arguments (a stale dtheta, say) finds it
    undefined here."""
    sentence = crash_hint(exercise, error, line) or _("Fix the line that raised, then run the public test again.")
    where = "\n  " + _("at: {line}").format(line=line) if line else ""
    return verdicts.verdict(exercise, call, _("raised {error}").format(error=error) + where, sentence)


def _value(exercise, returned, call, allowed):
    """The number ``returned`` stands for, or the failure it means."""
    if returned.kind == "error":
        raise AnswerCrashed(_crash_message(exercise, call, returned.error, returned.line))
    if returned.kind == "array":
        raise CheckFailed(verdicts.not_a_float(exercise, call, "ndarray", returned.shape))
    if returned.kind == "other" or returned.type_name not in allowed:
        raise CheckFailed(verdicts.not_a_float(exercise, call, returned.type_name))
    if returned.changed_parameters:
        raise CheckFailed(verdicts.changed_parameters(exercise, call))
    return int(returned.value) if returned.type_name == "int" else float(returned.value)


def judge_report(exercise, report, seed):
    """Judge what the answer's process reported for ``exercise`` on the cases of ``seed``."""
    if report.signature is None:
        raise AnswerCrashed(verdicts.verdict(
            exercise, _("the answer cell of {name}, with the cells above it").format(name=exercise),
            _("it does not define {name}").format(name=exercise),
            _("Keep the whole function, and what it needs, in its answer cell or in one above it.")))
    if not same_signature(report.signature, exercise):
        raise AnswerCrashed(verdicts.verdict(exercise, f"def {exercise}{report.signature}",
                                             _("expected {expected}").format(expected=f"def {exercise}{SIGNATURES[exercise]}"),
                                             hint("signature")))

    def returned(index, call, allowed=("float", "float64")):
        if index >= len(report.returned):
            raise UnusableReport(f"no result for case {index}")
        return _value(exercise, report.returned[index], call, allowed)

    if exercise in ("forward_propagation", "backward_propagation"):
        verdicts.judge_simple(exercise, lambda i, x, theta: returned(i, f"{exercise}(x={x}, theta={theta})",
                                                                     ("int", "float", "float64")),
                              cases.simple_cases(seed))
    elif exercise == "gradient_check":
        verdicts.judge_gradient_check(lambda i, case: returned(i, case.call()), cases.gradient_check_cases(seed))
    else:
        verdicts.judge_gradient_check_n(lambda i, label, epsilon: returned(i, cases.gradient_check_n_call(label, epsilon)),
                                        cases.hidden_network(seed))
