"""Recipes for student submissions: the release filled in correctly, left blank, or with one
known mistake (SPEC's table), each with the points it must get per exercise.

A mistake is written as edits of the instructor's own answer, so every recipe stays
a one-line difference from a correct solution and follows the source notebook when
it changes. Each edit must apply exactly once, or building the recipe fails loudly.
"""

from dataclasses import dataclass, field

from course import POINTS, solution_code


@dataclass(frozen=True)
class Submission:
    student: str
    description: str
    answers: dict = field(default_factory=dict)   # grade_id -> code; others stay as released
    lost: tuple = ()                               # exercises that must score 0

    def expected_points(self):
        return {name: 0 if name in self.lost else points for name, points in POINTS.items()}


def correct_answers():
    return {name: solution_code(name) for name in POINTS}


def _edit(code, old, new):
    count = code.count(old)
    if count != 1:
        raise ValueError(f"recipe edit {old!r} matches {count} times, not once")
    return code.replace(old, new)


def mistake(student, description, exercise, *edits, code=None):
    """A correct submission except for ``exercise``, changed by ``edits`` (old, new) or replaced by ``code``."""
    answers = correct_answers()
    if code is None:
        code = answers[exercise]
        for old, new in edits:
            code = _edit(code, old, new)
    answers[exercise] = code
    return Submission(student, description, answers, lost=(exercise,))


HARD_CODED = '''
def {name}({args}):
    return {value!r}
'''

TWO_EPS = "/ (2 * epsilon)"
NORM_1D = "difference = numerator / denominator"


def corpus():
    """Every submission of the end-to-end grading test, in a stable order."""
    gc, gcn = "gradient_check", "gradient_check_n"
    return [
        Submission("correct", "the instructor's answers", correct_answers()),
        Submission("blank", "the release, untouched", lost=tuple(POINTS)),
        # Exercises 1 and 2: a wrong callee costs its own exercise, not gradient_check's.
        mistake("fp_wrong", "forward_propagation adds instead of multiplying", "forward_propagation",
                ("J = theta * x", "J = theta + x")),
        mistake("bp_wrong", "backward_propagation returns theta", "backward_propagation",
                ("dtheta = x", "dtheta = theta")),
        # Exercise 3, the mistakes of SPEC's table.
        mistake("gc_eps", "divides by epsilon instead of 2 epsilon", gc, (TWO_EPS, "/ epsilon")),
        mistake("gc_precedence", "(J+ - J-) / 2 * epsilon", gc, (TWO_EPS, "/ 2 * epsilon")),
        mistake("gc_one_sided", "one-sided difference", gc,
                ("J_minus = forward_propagation(x, theta_minus)", "J_minus = forward_propagation(x, theta)"),
                (TWO_EPS, "/ epsilon")),
        mistake("gc_grad_is_approx", "grad = gradapprox", gc,
                ("grad = backward_propagation(x, theta)", "grad = gradapprox")),
        mistake("gc_stale_dtheta", "compares with the notebook's stale dtheta", gc,
                ("grad = backward_propagation(x, theta)", "grad = dtheta")),
        mistake("gc_hard_coded", "returns the public expected number", gc,
                code=HARD_CODED.format(name=gc, args="x, theta, epsilon=1e-7, print_msg=False",
                                       value=2.919335883291695e-10)),
        mistake("gc_array", "returns an ndarray", gc,
                (NORM_1D, "difference = np.array([numerator / denominator])")),
        # Exercise 4, the mistakes of SPEC's table.
        mistake("gcn_eps", "divides by epsilon instead of 2 epsilon", gcn, (TWO_EPS, "/ epsilon")),
        mistake("gcn_precedence", "(J+ - J-) / 2 * epsilon", gcn, (TWO_EPS, "/ 2 * epsilon")),
        mistake("gcn_no_copy", "perturbs the original vector", gcn,
                ("theta_plus = np.copy(parameters_values)", "theta_plus = parameters_values"),
                ("theta_minus = np.copy(parameters_values)", "theta_minus = parameters_values")),
        mistake("gcn_copy_once", "copies once, outside the loop", gcn,
                ("        theta_plus = np.copy(parameters_values)\n", ""),
                ("        theta_minus = np.copy(parameters_values)\n", ""),
                ("    for i in range(num_parameters):",
                 "    theta_plus = np.copy(parameters_values)\n"
                 "    theta_minus = np.copy(parameters_values)\n"
                 "    for i in range(num_parameters):")),
        mistake("gcn_whole_vector", "perturbs the whole vector at once", gcn,
                ("theta_plus[i] = theta_plus[i] + epsilon", "theta_plus = theta_plus + epsilon"),
                ("theta_minus[i] = theta_minus[i] - epsilon", "theta_minus = theta_minus - epsilon")),
        mistake("gcn_one_sided", "one-sided difference", gcn,
                ("theta_minus[i] = theta_minus[i] - epsilon", "pass"),
                (TWO_EPS, "/ epsilon")),
        mistake("gcn_grad_is_approx", "grad = gradapprox", gcn,
                ("    numerator = np.linalg.norm(grad - gradapprox)",
                 "    grad = gradapprox\n    numerator = np.linalg.norm(grad - gradapprox)")),
        mistake("gcn_global_cache", "uses the notebook's global cache instead of its arguments", gcn,
                ("grad = gradients_to_vector(gradients)",
                 "grad = gradients_to_vector(backward_propagation_n(X, Y, cache))")),
        mistake("gcn_hard_coded", "returns the public expected number", gcn,
                code=HARD_CODED.format(name=gcn, args="parameters, gradients, X, Y, epsilon=1e-7, print_msg=False",
                                       value=0.2850931567761623)),
        mistake("gcn_array", "returns an ndarray (norms by hand, no np.linalg.norm)", gcn,
                ("np.linalg.norm(grad - gradapprox)", "np.sqrt(np.sum((grad - gradapprox) ** 2, axis=0))"),
                ("np.linalg.norm(grad) + np.linalg.norm(gradapprox)",
                 "np.sqrt(np.sum(grad ** 2, axis=0)) + np.sqrt(np.sum(gradapprox ** 2, axis=0))")),
    ]
