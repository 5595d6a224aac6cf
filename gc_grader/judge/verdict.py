"""Judge an AnswerReport, in nbgrader's process, with the same verdicts as the kernel's tests.

``judge_report`` raises CheckFailed for a wrong result and AnswerCrashed for an answer
that raised or cannot be called as the assignment fixes; it returns None for a right
answer. The report's values are re-typed here (int, float, numpy float64) so that the
verdicts see what the answer returned, not its JSON form.
"""

import re

import numpy as np

from gc_grader.assignment import SIGNATURES
from gc_grader.checks import cases, verdicts
from gc_grader.checks.errors import AnswerCrashed, CheckFailed
from gc_grader.judge.report import UnusableReport
from public_tests import HINTS

_TYPES = {"int": int, "float": float, "float64": np.float64}
#: Variables of the notebook that an answer may read by mistake instead of its arguments.
NOTEBOOK_VARIABLES = {"x", "theta", "X", "Y", "parameters", "gradients", "grad", "gradapprox", "J", "epsilon"}


def _crash_message(call, error):
    """What the answer raised; for a name the notebook defines, what is most likely wrong.

    The answer runs on its own, so a function that reads a notebook variable instead of
    its arguments (a stale dtheta, say) finds it undefined here."""
    message = f"{call} raised {error}"
    name = re.fullmatch(r"NameError: name '(\w+)' is not defined", error)
    if name and name[1] == "dtheta":
        return f"{message}. {HINTS['stale_dtheta']}"
    if name and name[1] in NOTEBOOK_VARIABLES:
        return f"{message}. {HINTS['notebook_values']}"
    return message


def _value(returned, call, allowed):
    """The number ``returned`` stands for, or the failure it means."""
    if returned.kind == "error":
        raise AnswerCrashed(_crash_message(call, returned.error))
    if returned.kind == "array":
        raise CheckFailed(verdicts.not_a_float(call, "ndarray", returned.shape))
    if returned.kind == "other" or returned.type_name not in allowed:
        raise CheckFailed(verdicts.not_a_float(call, returned.type_name))
    if returned.changed_parameters:
        raise CheckFailed(verdicts.changed_parameters(call))
    return _TYPES[returned.type_name](returned.value)


def judge_report(exercise, report, seed):
    """Judge what the answer's process reported for ``exercise`` on the cases of ``seed``."""
    if report.signature is None:
        raise AnswerCrashed(f"{exercise} is not defined by its answer cell run on its own: keep the whole "
                            "function, and what it needs, in that cell.")
    if report.signature != SIGNATURES[exercise]:
        raise AnswerCrashed(f"{exercise} has the signature {report.signature}; the assignment fixes it as "
                            f"{SIGNATURES[exercise]}, and that is how it is called.")

    def returned(index, call, allowed=("float", "float64")):
        if index >= len(report.returned):
            raise UnusableReport(f"no result for case {index}")
        return _value(report.returned[index], call, allowed)

    if exercise in ("forward_propagation", "backward_propagation"):
        verdicts.judge_simple(exercise, lambda i, x, theta: returned(i, f"{exercise}(x={x}, theta={theta})",
                                                                     ("int", "float", "float64")),
                              cases.simple_cases(seed))
    elif exercise == "gradient_check":
        verdicts.judge_gradient_check(lambda i, case: returned(i, case.call()), cases.gradient_check_cases(seed))
    else:
        verdicts.judge_gradient_check_n(lambda i, label, epsilon: returned(i, cases.gradient_check_n_call(label, epsilon)),
                                        cases.hidden_network(seed))
