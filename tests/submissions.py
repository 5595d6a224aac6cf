"""Recipes for student submissions: the release filled in correctly, left blank, or with one
known mistake (SPEC's table), each with the points it must get per exercise.

A mistake is written as edits of the instructor's own answer, so every recipe stays
a one-line difference from a correct solution and follows the source notebook when
it changes. Each edit must apply exactly once, or building the recipe fails loudly.
"""

import copy
from dataclasses import dataclass, field
from typing import Callable, Optional

from course import POINTS, fill_release, grade_id, place_submission, solution_code
from public_tests import EXPECTED


@dataclass(frozen=True)
class Submission:
    student: str
    description: str
    answers: dict = field(default_factory=dict)   # grade_id -> code; others stay as released
    lost: tuple = ()                               # exercises that must score 0
    edit_notebook: Optional[Callable] = None       # changes the notebook's cells (delete, duplicate...)
    filename: Optional[str] = None                 # the student renamed the notebook
    hint: Optional[str] = None                     # key of public_tests.HINTS its feedback must show
    hangs: bool = False                            # a cell of it never finishes: it waits for every timeout
    gaming: bool = False                           # games or attacks the grader; the others are honest answers

    def notebook(self):
        """The submitted notebook: the release with these answers and edits."""
        nb = fill_release(self.answers)
        if self.edit_notebook:
            self.edit_notebook(nb)
        return nb

    def place(self, course_dir):
        place_submission(course_dir, self.student, self.notebook(), **({"filename": self.filename} if self.filename else {}))

    def expected_points(self):
        return {name: 0 if name in self.lost else points for name, points in POINTS.items()}


def correct_answers():
    return {name: solution_code(name) for name in POINTS}


def _edit(code, old, new):
    count = code.count(old)
    if count != 1:
        raise ValueError(f"recipe edit {old!r} matches {count} times, not once")
    return code.replace(old, new)


def variant(student, description, changes, lost=()):
    """A submission built from the correct one: ``changes`` maps an exercise to a list of
    (old, new) edits of its answer, or to the whole code that replaces it."""
    answers = correct_answers()
    for exercise, change in changes.items():
        if isinstance(change, str):
            answers[exercise] = change
        else:
            for old, new in change:
                answers[exercise] = _edit(answers[exercise], old, new)
    return Submission(student, description, answers, lost=tuple(lost))


def mistake(student, description, exercise, *edits, code=None, hint=None, hangs=False, gaming=False):
    """A correct submission except for ``exercise``, changed by ``edits`` or replaced by ``code``."""
    submission = variant(student, description, {exercise: code if code is not None else list(edits)},
                         lost=(exercise,))
    return Submission(**{**submission.__dict__, "hint": hint, "hangs": hangs, "gaming": gaming})


def gaming(submission):
    """``submission``, marked as one that games or attacks the grader rather than answers."""
    return Submission(**{**submission.__dict__, "gaming": True})


GC_ESTIMATE = "    gradapprox = (J_plus - J_minus) / (2 * epsilon)"
GC_NORMS = ("    numerator = np.linalg.norm(grad - gradapprox)\n"
            "    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n"
            "    difference = numerator / denominator")
GCN_ESTIMATE = "        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)"
GCN_UNPACK_PLUS = "J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))"


def rounding_styles():
    """Correct answers that round differently from the instructor's: each must get all 100 points,
    and its public tests must be green."""
    gc, gcn = "gradient_check", "gradient_check_n"
    return [
        variant("style_split_division", "J_plus and J_minus each divided by 2 epsilon", {
            gc: [(GC_ESTIMATE, "    gradapprox = J_plus / (2 * epsilon) - J_minus / (2 * epsilon)")],
            gcn: [(GCN_ESTIMATE, "        gradapprox[i] = J_plus[i] / (2 * epsilon) - J_minus[i] / (2 * epsilon)")]}),
        variant("style_divide_twice", "divided by epsilon, then by 2", {
            gc: [(GC_ESTIMATE, "    gradapprox = (J_plus - J_minus) / epsilon / 2")],
            gcn: [(GCN_ESTIMATE, "        gradapprox[i] = (J_plus[i] - J_minus[i]) / epsilon / 2")]}),
        variant("style_half_factor", "multiplied by 0.5 / epsilon", {
            gc: [(GC_ESTIMATE, "    gradapprox = 0.5 * (J_plus - J_minus) / epsilon")],
            gcn: [(GCN_ESTIMATE, "        gradapprox[i] = 0.5 / epsilon * (J_plus[i] - J_minus[i])")]}),
        variant("style_abs_scalars", "1-D norms as abs(); the ratio as a product with the reciprocal", {
            gc: [(GC_NORMS, "    difference = abs(grad - gradapprox) * (1.0 / (abs(grad) + abs(gradapprox)))")]}),
        variant("style_np_abs", "1-D norms as np.abs", {
            gc: [(GC_NORMS, "    difference = np.abs(grad - gradapprox) / (np.abs(grad) + np.abs(gradapprox))")]}),
        variant("style_after_loop", "gradapprox computed from J_plus and J_minus after the loop", {
            gcn: [(GCN_ESTIMATE + "\n", ""),
                  ("    # difference: formula (2)", "    gradapprox = (J_plus - J_minus) / (2 * epsilon)\n"
                                                   "    # difference: formula (2)")]}),
        variant("style_spectral_norm", "norms with ord=2 (the largest singular value of a column)", {
            gcn: [("np.linalg.norm(grad - gradapprox)", "np.linalg.norm(grad - gradapprox, ord=2)"),
                  ("np.linalg.norm(grad) + np.linalg.norm(gradapprox)",
                   "np.linalg.norm(grad, 2) + np.linalg.norm(gradapprox, 2)")]}),
        variant("style_one_hot_step", "the step as a one-hot vector added to and taken from the parameters", {
            gcn: [("        theta_plus = np.copy(parameters_values)\n        theta_plus[i] = theta_plus[i] + epsilon",
                   "        step = np.zeros_like(parameters_values)\n        step[i] = epsilon\n"
                   "        theta_plus = parameters_values + step"),
                  ("        theta_minus = np.copy(parameters_values)\n        theta_minus[i] = theta_minus[i] - epsilon",
                   "        theta_minus = parameters_values - step")]}),
        variant("style_python_lists", "J_plus, J_minus and gradapprox as Python lists, made an array at the end", {
            gcn: [("    J_plus = np.zeros((num_parameters, 1))\n    J_minus = np.zeros((num_parameters, 1))\n"
                   "    gradapprox = np.zeros((num_parameters, 1))", "    J_plus, J_minus, estimates = [], [], []"),
                  (GCN_UNPACK_PLUS, "J_plus.append(forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))[0])"),
                  ("J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))",
                   "J_minus.append(forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))[0])"),
                  (GCN_ESTIMATE, "        estimates.append((J_plus[i] - J_minus[i]) / (2 * epsilon))"),
                  ("    # difference: formula (2)", "    gradapprox = np.array(estimates).reshape(-1, 1)\n"
                                                   "    # difference: formula (2)")]}),
        variant("style_flat_vectors", "flat vectors, norms by np.sqrt of a dot product, a float returned", {
            gcn: [("    numerator = np.linalg.norm(grad - gradapprox)\n"
                   "    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n",
                   "    g, a = grad.ravel(), gradapprox.ravel()\n"
                   "    numerator = np.sqrt(np.dot(g - a, g - a))\n"
                   "    denominator = np.sqrt(np.dot(g, g)) + np.sqrt(np.dot(a, a))\n"),
                  ("    return difference", "    return float(difference)")]}),
        variant("style_helper_above", "formula (2) as a helper in exercise 3's cell, reused in exercise 4's", {
            gc: [(GC_NORMS, "    difference = relative_difference(grad, gradapprox)"),
                 ("    return difference", "    return difference\n\n\n"
                  "def relative_difference(grad, gradapprox):\n"
                  "    return np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))")],
            gcn: [("    numerator = np.linalg.norm(grad - gradapprox)\n"
                   "    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n"
                   "    difference = numerator / denominator",
                   "    difference = relative_difference(grad, gradapprox)")]}),
        variant("style_decorated", "answers under a decorator (np.errstate), which wraps the function", {
            gc: [("def gradient_check(", "@np.errstate(divide='ignore')\ndef gradient_check(")],
            gcn: [("def gradient_check_n(", "@np.errstate(divide='ignore')\ndef gradient_check_n(")]}),
        variant("style_math_module", "1-D: math.fabs and a subtraction of the two halves", {
            gc: [(GC_ESTIMATE, "    gradapprox = (J_plus - J_minus) * (1 / (2 * epsilon))"),
                 (GC_NORMS, "    import math\n"
                            "    difference = math.fabs(grad - gradapprox) / (math.fabs(grad) + math.fabs(gradapprox))")]}),
    ]


def honest_mistakes():
    """Honest mistakes beyond SPEC's table, each named by its public test and its feedback."""
    gc, gcn = "gradient_check", "gradient_check_n"
    return [
        mistake("gc_ignores_epsilon", "gradient_check always uses 1e-7, whatever epsilon it is given", gc,
                ("    theta_plus = theta + epsilon", "    epsilon = 1e-7\n    theta_plus = theta + epsilon"),
                hint="ignores_epsilon"),
        mistake("gc_inline_gradient", "gradient_check writes grad = x instead of calling backward_propagation", gc,
                ("grad = backward_propagation(x, theta)", "grad = x"), hint="inline_model"),
        mistake("gc_no_norm", "gradient_check without norms: (grad - gradapprox) / (grad + gradapprox)", gc,
                (GC_NORMS, "    difference = (grad - gradapprox) / (grad + gradapprox)"), hint="no_norm"),
        mistake("gc_fixed_step", "theta moved by 1e-7 whatever epsilon is, though divided by 2 epsilon", gc,
                ("theta_plus = theta + epsilon", "theta_plus = theta + 1e-7"),
                ("theta_minus = theta - epsilon", "theta_minus = theta - 1e-7"), hint="ignores_epsilon"),
        mistake("gc_no_return", "gradient_check without its return line", gc,
                ("    return difference", "    pass"), hint="no_return"),
        mistake("gc_no_denominator", "the numerator of formula (2) only", gc,
                ("    difference = numerator / denominator", "    difference = numerator"), hint="no_denominator"),
        mistake("fp_float32", "forward_propagation in float32", "forward_propagation",
                ("    J = theta * x", "    J = np.float32(theta) * np.float32(x)"), hint="forward_propagation"),
        mistake("gcn_all_values", "grad stacked from every value of gradients, intermediate ones too", gcn,
                ("grad = gradients_to_vector(gradients)",
                 "grad = np.concatenate([value.reshape(-1, 1) for value in gradients.values()])")),
        mistake("gcn_changes_gradients", "gradient_check_n scales a gradient of its argument in place", gcn,
                ("    grad = gradients_to_vector(gradients)",
                 "    gradients[\"db3\"] *= 1.5\n    grad = gradients_to_vector(gradients)"),
                hint="changed_parameters"),
        mistake("gcn_no_unpack", "J_plus[i] = forward_propagation_n(...) without unpacking (cost, cache)", gcn,
                (GCN_UNPACK_PLUS, "J_plus[i] = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))"),
                hint="unpack_cost"),
        mistake("gcn_no_norm", "gradient_check_n without norms: an array of 47 ratios", gcn,
                ("    numerator = np.linalg.norm(grad - gradapprox)\n"
                 "    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n"
                 "    difference = numerator / denominator",
                 "    difference = (grad - gradapprox) / (grad + gradapprox)"), hint="not_a_float"),
    ]


def with_notebook_edit(submission, student, description, edit, lost=None):
    """``submission`` with its notebook changed by ``edit(nb)``."""
    return Submission(student, description, submission.answers,
                      lost=submission.lost if lost is None else tuple(lost), edit_notebook=edit)


def delete_cell(gid):
    def edit(nb):
        nb.cells = [cell for cell in nb.cells if grade_id(cell) != gid]
    return edit


def duplicate_cell(gid):
    def edit(nb):
        index = next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == gid)
        twin = copy.deepcopy(nb.cells[index])
        twin["id"] = f"{twin['id']}-twin"
        nb.cells.insert(index + 1, twin)
    return edit


def replace_cell(cell_id, source):
    def edit(nb):
        matches = [cell for cell in nb.cells if cell.get("id") == cell_id]
        assert len(matches) == 1, cell_id
        matches[0].source = source
    return edit


def blank_cell(gid):
    def edit(nb):
        for cell in nb.cells:
            if grade_id(cell) == gid:
                cell.source = "pass"
    return edit


HARD_CODED = '''
def {name}({args}):
    return {value!r}
'''

TWO_EPS = "/ (2 * epsilon)"

PATCH_COMPARISONS = '''
import math
np.isclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
'''

def _lookup_table_gc():
    """An answer that only knows the results of the cases written in this repository."""
    from gc_grader.checks import cases, mistakes
    table = {(2, 4, 1e-7): EXPECTED["gradient_check"]}
    for case in cases.gradient_check_cases():
        table[(case.x, case.theta, case.epsilon)] = mistakes.gradient_check_1d(
            cases.cubic_forward, case.backward, case.x, case.theta, case.epsilon)
    return (f"def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n"
            f"    return {table!r}[(x, theta, epsilon)]\n")


#: Exercises 3 and 4 answered with the finite differences of gc_epsilon (the explorers'
#: module, shipped to students) instead of the student's own computation.
EXPLORER_GC = """from gc_epsilon import Line, estimate, relative_difference

def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    line = Line("", np.array([float(theta)]), np.array([1.0]),
                lambda th, dtype: forward_propagation(x, th[0]), None)
    return relative_difference(backward_propagation(x, theta), estimate(line, epsilon))
"""
EXPLORER_GCN = """from gc_epsilon import Line, estimate, relative_difference

def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta = dictionary_to_vector(parameters)[0].ravel()
    cost = lambda th, dtype: forward_propagation_n(X, Y, vector_to_dictionary(th))[0]
    approx = [estimate(Line("", theta, np.eye(theta.size)[i], cost, None), epsilon) for i in range(theta.size)]
    return relative_difference(gradients_to_vector(gradients).ravel(), np.array(approx))
"""


LOOKUP_TABLE_GC = _lookup_table_gc()

PATCH_PUBLIC_TESTS = '''
import public_tests
gradient_check_n_test = public_tests.gradient_check_n_test = lambda *args, **kwargs: None
'''

#: An attack on the grader from the kernel. (A try statement, so the judge's runner, which
#: runs an answer cell's definitions only, never runs it; were it a plain import and
#: assignment, the runner would run it in a process of its own, away from the verdict.)
REBIND_GRADER = '''
try:
    import gc_grader.checks.verdicts
    gc_grader.checks.verdicts.judge_gradient_check_n = lambda *args, **kwargs: None
except ImportError:
    pass
'''

VECTORISED_GCN = '''
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    n = theta.shape[0]
    plus = theta + epsilon * np.eye(n)      # column j: theta with entry j raised
    minus = theta - epsilon * np.eye(n)
    J_plus = np.array([forward_propagation_n(X, Y, vector_to_dictionary(plus[:, j]))[0] for j in range(n)])
    J_minus = np.array([forward_propagation_n(X, Y, vector_to_dictionary(minus[:, j]))[0] for j in range(n)])
    gradapprox = ((J_plus - J_minus) / (2 * epsilon)).reshape(n, 1)
    return np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
'''
NORM_1D = "difference = numerator / denominator"


def corpus():
    """Every submission of the end-to-end grading tests, in a stable order."""
    gc, gcn = "gradient_check", "gradient_check_n"
    correct = Submission("correct", "the instructor's answers", correct_answers())
    wrong_gc = mistake("x", "x", gc, code=HARD_CODED.format(name=gc, args="x, theta, epsilon=1e-7, print_msg=False", value=0.0))
    wrong_gcn = mistake("x", "x", gcn, code=HARD_CODED.format(
        name=gcn, args="parameters, gradients, X, Y, epsilon=1e-7, print_msg=False", value=EXPECTED[gcn]))
    return [
        correct,
        Submission("blank", "the release, untouched", lost=tuple(POINTS)),
        *rounding_styles(),
        *honest_mistakes(),
        # Other correct styles: each must get all 100 points.
        variant("style_inline", "J computed inline in gradapprox; one-line answers", {
            "forward_propagation": [("    J = theta * x\n    return J", "    return x * theta")],
            gc: [("    J_plus = forward_propagation(x, theta_plus)\n    J_minus = forward_propagation(x, theta_minus)\n"
                  "    gradapprox = (J_plus - J_minus) / (2 * epsilon)",
                  "    gradapprox = (forward_propagation(x, theta_plus) - forward_propagation(x, theta_minus)) / (2 * epsilon)")],
            gcn: [("        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)",
                   "        gradapprox[i] = (forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))[0]\n"
                   "                         - forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))[0]) / (2 * epsilon)")],
        }),
        variant("style_index_i0", "theta_plus[i][0] indexing, in-place updates", {
            gcn: [("theta_plus[i] = theta_plus[i] + epsilon", "theta_plus[i][0] += epsilon"),
                  ("theta_minus[i] = theta_minus[i] - epsilon", "theta_minus[i][0] -= epsilon")],
        }),
        variant("style_sqrt_sum", "norms as np.sqrt(np.sum(...)), float() returns", {
            gc: [("np.linalg.norm(grad - gradapprox)", "np.sqrt(np.sum(np.square(grad - gradapprox)))"),
                 ("    return difference", "    return float(difference)")],
            gcn: [("np.linalg.norm(grad - gradapprox)", "np.sqrt(np.sum((grad - gradapprox) ** 2))"),
                  ("np.linalg.norm(grad) + np.linalg.norm(gradapprox)",
                   "np.sqrt(np.sum(grad ** 2)) + np.sqrt(np.sum(gradapprox ** 2))"),
                  ("    return difference", "    return float(difference)")],
        }),
        variant("style_minus_from_plus", "theta_minus derived from theta_plus by subtracting 2 epsilon", {
            gc: [("theta_minus = theta - epsilon", "theta_minus = theta_plus - 2 * epsilon")],
            gcn: [("        theta_minus = np.copy(parameters_values)\n        theta_minus[i] = theta_minus[i] - epsilon",
                   "        theta_minus = np.copy(theta_plus)\n        theta_minus[i] = theta_minus[i] - 2 * epsilon")],
        }),
        variant("style_vectorised", "all perturbed vectors at once with np.eye", {gcn: VECTORISED_GCN}),
        variant("style_norm_in_loop", "the difference recomputed inside the loop", {
            gcn: [("        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)\n",
                   "        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)\n"
                   "        difference = np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))\n"),
                  ("    numerator = np.linalg.norm(grad - gradapprox)\n"
                   "    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)\n"
                   "    difference = numerator / denominator\n", "")],
        }),
        # Isolation: a wrong callee costs its own exercise, not the checks that call it.
        mistake("fp_wrong", "forward_propagation adds instead of multiplying", "forward_propagation",
                ("J = theta * x", "J = theta + x")),
        mistake("bp_wrong", "backward_propagation returns theta", "backward_propagation",
                ("dtheta = x", "dtheta = theta")),
        variant("redefines_forward_n", "a correct gradient_check_n cell that also redefines forward_propagation_n wrongly", {
            gcn: [("    return difference", "    return difference\n\n\ndef forward_propagation_n(X, Y, parameters):\n"
                   "    return 0.0, None")]}),
        with_notebook_edit(correct, "bpn_broken", "backward_propagation_n edited into a syntax error "
                           "(the bug hunt is not graded)", replace_cell("backward-propagation-n", "def backward_propagation_n(X, Y, cache):\n    return {")),
        # Exercise 3, the mistakes of SPEC's table.
        mistake("gc_eps", "divides by epsilon instead of 2 epsilon", gc, (TWO_EPS, "/ epsilon"), hint="divides_by_epsilon"),
        mistake("gc_precedence", "(J+ - J-) / 2 * epsilon", gc, (TWO_EPS, "/ 2 * epsilon"), hint="precedence"),
        mistake("gc_one_sided", "one-sided difference", gc,
                ("J_minus = forward_propagation(x, theta_minus)", "J_minus = forward_propagation(x, theta)"),
                (TWO_EPS, "/ epsilon"), hint="one_sided"),
        mistake("gc_grad_is_approx", "grad = gradapprox", gc,
                ("grad = backward_propagation(x, theta)", "grad = gradapprox"), hint="grad_is_gradapprox"),
        mistake("gc_stale_dtheta", "compares with the notebook's stale dtheta", gc,
                ("grad = backward_propagation(x, theta)", "grad = dtheta"), hint="stale_dtheta"),
        mistake("gc_notebook_values", "uses the notebook's x = 2, theta = 4 instead of its arguments", gc,
                ("    theta_plus = theta + epsilon", "    x, theta = 2, 4\n    theta_plus = theta + epsilon"),
                hint="notebook_values"),
        mistake("gc_hard_coded", "returns the public expected number", gc,
                code=HARD_CODED.format(name=gc, args="x, theta, epsilon=1e-7, print_msg=False",
                                       value=EXPECTED[gc]), hint="hard_coded"),
        mistake("gc_array", "returns an ndarray", gc,
                (NORM_1D, "difference = np.array([numerator / denominator])"), hint="not_a_float"),
        # Exercise 4, the mistakes of SPEC's table.
        mistake("gcn_eps", "divides by epsilon instead of 2 epsilon", gcn, (TWO_EPS, "/ epsilon"), hint="divides_by_epsilon"),
        mistake("gcn_precedence", "(J+ - J-) / 2 * epsilon", gcn, (TWO_EPS, "/ 2 * epsilon"), hint="precedence"),
        mistake("gcn_no_copy", "perturbs the original vector", gcn,
                ("theta_plus = np.copy(parameters_values)", "theta_plus = parameters_values"),
                ("theta_minus = np.copy(parameters_values)", "theta_minus = parameters_values"), hint="no_copy"),
        mistake("gcn_copy_once", "copies once, outside the loop", gcn,
                ("        theta_plus = np.copy(parameters_values)\n", ""),
                ("        theta_minus = np.copy(parameters_values)\n", ""),
                ("    for i in range(num_parameters):",
                 "    theta_plus = np.copy(parameters_values)\n"
                 "    theta_minus = np.copy(parameters_values)\n"
                 "    for i in range(num_parameters):"), hint="copy_once"),
        mistake("gcn_whole_vector", "perturbs the whole vector at once", gcn,
                ("theta_plus[i] = theta_plus[i] + epsilon", "theta_plus = theta_plus + epsilon"),
                ("theta_minus[i] = theta_minus[i] - epsilon", "theta_minus = theta_minus - epsilon"), hint="whole_vector"),
        mistake("gcn_one_sided", "one-sided difference", gcn,
                ("theta_minus[i] = theta_minus[i] - epsilon", "pass"),
                (TWO_EPS, "/ epsilon"), hint="one_sided"),
        mistake("gcn_grad_is_approx", "grad = gradapprox", gcn,
                ("    numerator = np.linalg.norm(grad - gradapprox)",
                 "    grad = gradapprox\n    numerator = np.linalg.norm(grad - gradapprox)"), hint="grad_is_gradapprox"),
        mistake("gcn_global_cache", "uses the notebook's global cache instead of its arguments", gcn,
                ("grad = gradients_to_vector(gradients)",
                 "grad = gradients_to_vector(backward_propagation_n(X, Y, cache))"), hint="notebook_values"),
        mistake("gcn_notebook_data", "checks the notebook's test case instead of its arguments", gcn,
                ("    parameters_values, _ = dictionary_to_vector(parameters)",
                 "    X, Y, parameters = gradient_check_n_test_case()\n    parameters_values, _ = dictionary_to_vector(parameters)"),
                hint="notebook_values"),
        mistake("gcn_hard_coded", "returns the public expected number", gcn,
                code=HARD_CODED.format(name=gcn, args="parameters, gradients, X, Y, epsilon=1e-7, print_msg=False",
                                       value=EXPECTED[gcn]), hint="hard_coded"),
        mistake("gcn_array", "returns an ndarray (norms by hand, no np.linalg.norm)", gcn,
                ("np.linalg.norm(grad - gradapprox)", "np.sqrt(np.sum((grad - gradapprox) ** 2, axis=0))"),
                ("np.linalg.norm(grad) + np.linalg.norm(gradapprox)",
                 "np.sqrt(np.sum(grad ** 2, axis=0)) + np.sqrt(np.sum(gradapprox ** 2, axis=0))"), hint="not_a_float"),
        # Gaming: patched comparison helpers and public tests, tampered or deleted test cells.
        gaming(mistake("patch_isclose", "wrong answer; np.isclose, np.allclose, np.testing and math.isclose patched", gc,
                code=HARD_CODED.format(name=gc, args="x, theta, epsilon=1e-7, print_msg=False", value=0.0) + PATCH_COMPARISONS)),
        gaming(mistake("patch_public_tests", "wrong answer; the public test function patched to do nothing", gcn,
                code=wrong_gcn.answers[gcn] + PATCH_PUBLIC_TESTS)),
        gaming(mistake("patch_norm", "wrong answer; np.linalg.norm patched so every difference is 1/2", gcn,
                code=wrong_gcn.answers[gcn] + "\nnp.linalg.norm = lambda *args, **kwargs: 1.0\n")),
        gaming(with_notebook_edit(wrong_gcn, "blanked_test", "wrong answer; its test cell blanked", blank_cell("gradient_check_n_tests"))),
        gaming(with_notebook_edit(wrong_gc, "deleted_test", "wrong answer; its test cell deleted", delete_cell("gradient_check_tests"))),
        with_notebook_edit(correct, "deleted_test_correct", "right answers; a test cell deleted", delete_cell("gradient_check_n_tests")),
        with_notebook_edit(correct, "deleted_answer", "the gradient_check answer cell deleted",
                           delete_cell("gradient_check"), lost=[gc]),
        with_notebook_edit(correct, "duplicated_answer", "the gradient_check answer cell duplicated",
                           duplicate_cell("gradient_check")),
        with_notebook_edit(correct, "duplicated_test", "a test cell duplicated", duplicate_cell("forward_propagation_tests")),
        mistake("gc_inline_model", "gradient_check writes J = theta * x itself instead of calling forward_propagation", gc,
                ("J_plus = forward_propagation(x, theta_plus)", "J_plus = theta_plus * x"),
                ("J_minus = forward_propagation(x, theta_minus)", "J_minus = theta_minus * x"), hint="inline_model"),
        mistake("gcn_ignores_epsilon", "gradient_check_n always uses 1e-7, whatever epsilon it is given", gcn,
                ("    parameters_values, _ = dictionary_to_vector(parameters)",
                 "    epsilon = 1e-7\n    parameters_values, _ = dictionary_to_vector(parameters)"),
                hint="ignores_epsilon"),
        mistake("gcn_changed_signature", "gradient_check_n with epsilon and print_msg swapped", gcn,
                ("def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):",
                 "def gradient_check_n(parameters, gradients, X, Y, print_msg=False, epsilon=1e-7):"), hint="signature"),
        mistake("changed_signature", "gradient_check without its epsilon parameter", gc,
                ("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):",
                 "def gradient_check(x, theta, print_msg=False):\n    epsilon = 1e-7"), hint="signature"),
        Submission("renamed", "right answers in a renamed notebook", correct.answers, filename="Gradient_Checking (1).ipynb"),
        # Attacks on the tests in the kernel, caught by the judge outside it (gc_grader.plugins.judge_outside_kernel).
        gaming(Submission("attack_input_transformer", "an IPython input transformer empties every later cell; "
                   "only forward_propagation is answered", {"forward_propagation": correct.answers["forward_propagation"]
                   + "\nget_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"},
                   lost=("backward_propagation", gc, gcn))),
        gaming(mistake("attack_rebinds_grader", "hard-coded answer; the grader's verdict on gradient_check_n rebound to "
                "do nothing, from the kernel (where no grader code runs, and gc_grader may not even import)", gcn,
                code=wrong_gcn.answers[gcn] + REBIND_GRADER)),
        gaming(mistake("attack_lookup_table", "a lookup table of the public case and the fixed hidden cases written in "
                "this repository", gc, code=LOOKUP_TABLE_GC)),
        gaming(variant("attack_explorer_module", "gradient_check and gradient_check_n built on gc_epsilon, the "
                "explorers' shipped module (it passes the public tests)",
                {gc: EXPLORER_GC, gcn: EXPLORER_GCN}, lost=(gc, gcn))),
        # Breakage: each costs its own exercise only, and the batch finishes.
        mistake("endless_loop", "an endless loop in gradient_check", gc,
                ("    theta_plus = theta + epsilon", "    while True:\n        pass\n    theta_plus = theta + epsilon"),
                hangs=True),
        mistake("sleeps", "time.sleep(3600) in gradient_check_n", gcn,
                ("    parameters_values, _ = dictionary_to_vector(parameters)",
                 "    import time\n    time.sleep(3600)\n    parameters_values, _ = dictionary_to_vector(parameters)"),
                hangs=True),
        mistake("syntax_error", "a syntax error in backward_propagation", "backward_propagation",
                ("dtheta = x", "dtheta = x +")),
        mistake("kills_kernel", "os._exit in gradient_check", gc,
                ("    return difference", "    import os\n    os._exit(1)")),
        mistake("segfault", "a segmentation fault in forward_propagation", "forward_propagation",
                ("    J = theta * x", "    import ctypes\n    ctypes.string_at(0)\n    J = theta * x")),
        variant("floods_output", "right answers; forward_propagation prints 100,000 lines", {
            "forward_propagation": [("    J = theta * x", "    for line in range(100_000):\n        print(line)\n    J = theta * x")]}),
        variant("warns", "right answers; backward_propagation prints a warning on stderr", {
            "backward_propagation": [("    dtheta = x", "    import warnings\n    warnings.warn('just saying')\n    dtheta = x")]}),
    ]
