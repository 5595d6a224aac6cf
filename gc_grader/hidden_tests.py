"""What the hidden test cells of the notebook run.

Each ``check_*`` takes the notebook's namespace (the cell passes ``globals()``), calls
the student's function on inputs other than the public ones, and raises
AssertionError with a message that says what was expected, what was obtained and,
for every known mistake, in one plain sentence what is most likely wrong. That
message is all the feedback shows of a hidden test (see preprocessors.HideHiddenTests).

Grading is fair and hard to game because:
- each exercise is graded alone: gradient_check runs against known-good
  forward_propagation / backward_propagation, gradient_check_n against a known-good
  forward_propagation_n and the real gc_utils functions; the student's own come back
  at the end of the cell (``isolate_*``), even when the cell fails;
- expected values are real signals (a cubic model at larger epsilons, gradients with
  a known error), never rounding noise, so every correct formula passes;
- the notebook's globals cannot shadow this module's names, it compares with float
  operators only, and it refuses to grade when numpy functions its reference relies on
  were replaced from the notebook.

Known limit: these checks run in the student's kernel, so code written to attack them
(an IPython input transformer that empties later cells, rebinding this module's
functions) can defeat them. Judging answers outside the kernel closes that; see README.
"""

import builtins
import inspect
import math
import numbers
import sys
import types
from functools import partial

import numpy as np

import gc_utils
import public_tests
import testCases
from gc_grader import mistakes
from gc_grader.network import forward_propagation_n as known_good_forward_n

RTOL = 1e-4

# ---------------------------------------------------------------- plumbing


#: The signatures SPEC fixes: graders, tests and other code call the functions this way.
SIGNATURES = {
    "forward_propagation": "(x, theta)",
    "backward_propagation": "(x, theta)",
    "gradient_check": "(x, theta, epsilon=1e-07, print_msg=False)",
    "gradient_check_n": "(parameters, gradients, X, Y, epsilon=1e-07, print_msg=False)",
}


def _function(ns, name):
    """The student's function, with the signature the assignment fixes."""
    function = ns.get(name)
    if not callable(function):
        raise AssertionError(f"{name} is not defined: was its cell deleted, renamed or never run?")
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(?)"
    if signature != SIGNATURES[name]:
        raise AssertionError(f"{name} has the signature {signature}; the assignment fixes it as "
                             f"{SIGNATURES[name]}, and that is how it is called.")
    return function


def _call(function, name, *args):
    """Call student code; turn its exceptions into a failed check that names them."""
    try:
        return function(*args)
    except Exception as error:  # a bug in student code is a failed check, with its message
        raise AssertionError(f"{name}{args_text(args)} raised {type(error).__name__}: {error}") from None


def args_text(args):
    shown = []
    for arg in args:
        shown.append(type(arg).__name__ if isinstance(arg, (dict, np.ndarray)) else repr(arg))
    return "(" + ", ".join(shown) + ")"


def _as_float(value, call):
    """The returned difference as a float; anything else fails with a sentence that says why."""
    if type(value) in (float, np.float64):
        return float(value)
    if isinstance(value, np.ndarray):
        raise AssertionError(
            f"{call} returned a numpy array of shape {value.shape}, not a float. "
            "Compute the norms with np.linalg.norm, which returns a single number.")
    raise AssertionError(f"{call} returned {value!r} of type {type(value).__name__}, not a float.")


def _relatively_close(a, b, rtol=RTOL):
    return abs(a - b) <= rtol * abs(b)


_RELIED_ON = {
    "numpy": ["dot", "log", "exp", "maximum", "multiply", "sum", "copy", "zeros", "concatenate"],
    "numpy.linalg": ["norm"],
}


def _assert_untampered():
    """Refuse to grade when the notebook replaced a function the reference computations use."""
    for module, names in _RELIED_ON.items():
        owner = np if module == "numpy" else np.linalg
        for name in names:
            function = getattr(owner, name)
            if not getattr(function, "__module__", "").startswith("numpy"):
                raise AssertionError(f"{module}.{name} was replaced by code in the notebook; "
                                     "graded code must not change numpy.")
    for name in ("abs", "float", "isinstance", "type", "callable", "range", "zip"):
        if not isinstance(getattr(builtins, name), (types.BuiltinFunctionType, type)):
            raise AssertionError(f"the built-in {name} was replaced by code in the notebook.")


class _Swap:
    """Give names of the notebook other values for a while, then put the student's back."""

    def __init__(self, ns, **replacements):
        self.ns, self.replacements = ns, replacements
        self.saved = {name: ns.get(name, _MISSING) for name in replacements}

    def apply(self):
        self.ns.update(self.replacements)
        return self

    def restore(self, *_):
        for name, value in self.saved.items():
            if value is _MISSING:
                self.ns.pop(name, None)
            else:
                self.ns[name] = value

    def __enter__(self):
        return self.apply()

    def __exit__(self, *_):
        self.restore()


_MISSING = object()


def _until_end_of_cell(swap):
    """Keep ``swap`` applied until the current cell finishes (whatever happens in it).

    Returns the restoring function, which callers outside IPython call themselves.
    """
    swap.apply()
    # Inside a kernel IPython is loaded already; the judge's processes never load it (it
    # costs them 50 ms each, four times per submission).
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return swap.restore

    def restore(*_):
        swap.restore()
        shell.events.unregister("post_run_cell", restore)
    shell.events.register("post_run_cell", restore)
    return restore


#: Simulated mistakes that share a sentence.
_HINT_OF = {"inline_gradient": "inline_model"}


def _judge(results):
    """Fail on the first case whose result is off, naming the mistake that explains them all.

    ``results`` holds (call, obtained, expected, simulated) for every case.
    """
    failed = [r for r in results if not _relatively_close(r[1], r[2])]
    if not failed:
        return
    name = mistakes.name_the_mistake([r[1:] for r in results], 1e-3)
    call, got, expected, _ = failed[0]
    sentence = public_tests.HINTS.get(_HINT_OF.get(name, name)) or "Compare each step with formulas (1) and (2)."
    raise AssertionError(f"{call} returned {got!r}; expected {expected!r}. {sentence}")


# ---------------------------------------------------------------- exercises 1 and 2

_SIMPLE_CASES = [(3.0, -1.5), (-0.7, 2.3), (0.0, 5.0), (12.5, 0.08)]


def simple_cases(seed=None):
    """The hidden (x, theta) of exercises 1 and 2: fixed, or drawn from ``seed``."""
    if seed is None:
        return _SIMPLE_CASES
    rng = np.random.RandomState(seed)
    return [(float(round(rng.uniform(-5, 5), 3)), float(round(rng.uniform(-5, 5), 3))) for _ in range(4)]


def check_forward_propagation(ns):
    forward = _function(ns, "forward_propagation")
    judge_simple("forward_propagation", lambda i, x, theta: _call(forward, "forward_propagation", x, theta),
                 simple_cases())


def check_backward_propagation(ns):
    backward = _function(ns, "backward_propagation")
    judge_simple("backward_propagation", lambda i, x, theta: _call(backward, "backward_propagation", x, theta),
                 simple_cases())


def judge_simple(name, obtain, cases):
    """Exercises 1 and 2: J = theta * x and dJ/dtheta = x, exactly, on every case."""
    for index, (x, theta) in enumerate(cases):
        got = obtain(index, x, theta)
        expected = theta * x if name == "forward_propagation" else x
        if not (type(got) in (int, float, np.float64) and got == expected):
            meaning = "the cost J = theta * x" if name == "forward_propagation" else \
                "the derivative of theta * x with respect to theta is x"
            raise AssertionError(f"{name}(x={x}, theta={theta}) returned {got!r}; expected {expected!r}: {meaning}.")


# ---------------------------------------------------------------- exercise 3


def _linear_forward(x, theta):
    return theta * x


def _linear_backward(x, theta):
    return x


def _cubic_forward(x, theta):
    return x * theta ** 3


def _cubic_backward(x, theta):
    return 3 * x * theta ** 2


def _twice_cubic_backward(x, theta):
    return 6 * x * theta ** 2


def isolate_gradient_check(ns):
    """Until the end of the cell, gradient_check calls known-good versions of its callees."""
    return _until_end_of_cell(_Swap(ns, forward_propagation=_linear_forward,
                                    backward_propagation=_linear_backward))


# The cubic model J = x * theta**3 at epsilons where a centered difference is measurably
# better than a one-sided one; the last case's backward pass is wrong (twice the truth).
_GRADIENT_CHECK_CASES = [
    (-0.7, 2.3, 1e-2, _cubic_backward),
    (1.3, 0.6, 1e-3, _cubic_backward),
    (0.45, -3.2, 1e-2, _cubic_backward),
    (7.0, 1.1, 1e-3, _cubic_backward),
    (3.0, -1.5, 1e-3, _twice_cubic_backward),
]


def gradient_check_cases(seed=None):
    """The hidden cases of gradient_check: the fixed ones above, or others drawn from ``seed``."""
    if seed is None:
        return _GRADIENT_CHECK_CASES
    rng = np.random.RandomState(seed)
    signs = rng.choice([-1.0, 1.0], size=(5, 2))
    cases = [(float(signs[i, 0] * rng.uniform(0.3, 3.0)), float(signs[i, 1] * rng.uniform(0.5, 2.5)),
              1e-2 if i % 2 == 0 else 1e-3, _cubic_backward) for i in range(4)]
    cases.append((float(signs[4, 0] * rng.uniform(0.3, 3.0)), float(signs[4, 1] * rng.uniform(0.5, 2.5)),
                  1e-3, _twice_cubic_backward))
    return cases


def check_gradient_check(ns):
    _assert_untampered()
    student = _function(ns, "gradient_check")

    def obtain(index, x, theta, epsilon, backward, call):
        with _Swap(ns, forward_propagation=_cubic_forward, backward_propagation=backward):
            return _as_float(_call(student, "gradient_check", x, theta, epsilon), call)
    judge_gradient_check(obtain, gradient_check_cases(), ns)


def judge_gradient_check(obtain, cases, ns=None):
    """Fail unless ``obtain(index, x, theta, epsilon, backward, call)`` gives the right difference
    for every case; name the likely mistake (the notebook's variables ``ns`` help name two)."""
    results = []
    for index, (x, theta, epsilon, backward) in enumerate(cases):
        call = f"gradient_check(x={x}, theta={theta}, epsilon={epsilon}) on the model J = x * theta**3"
        got = obtain(index, x, theta, epsilon, backward, call)
        simulated = {name: partial(mistakes.gradient_check_1d, _cubic_forward, backward, x, theta, epsilon, name)
                     for name in mistakes.MISTAKES_1D}
        simulated["stale_dtheta"] = partial(_stale_dtheta, ns or {}, x, theta, epsilon)
        simulated["inline_model"] = partial(mistakes.gradient_check_1d, _linear_forward, backward, x, theta, epsilon)
        simulated["inline_gradient"] = partial(mistakes.gradient_check_1d, _cubic_forward, _linear_backward,
                                               x, theta, epsilon)
        simulated["notebook_values"] = partial(_notebook_values, ns or {"x": 2, "theta": 4}, epsilon, backward)
        simulated["hard_coded"] = lambda: 2.919335883291695e-10
        expected = mistakes.gradient_check_1d(_cubic_forward, backward, x, theta, epsilon)
        results.append((call, got, expected, simulated))
    _judge(results)


def _stale_dtheta(ns, x, theta, epsilon):
    """gradient_check comparing with the notebook's dtheta instead of calling backward propagation."""
    stale = ns.get("dtheta")
    if not isinstance(stale, numbers.Real):
        return math.nan
    return mistakes.gradient_check_1d(_cubic_forward, lambda *_: stale, x, theta, epsilon)


def _notebook_values(ns, epsilon, backward):
    """gradient_check computing on the notebook's x and theta instead of its arguments."""
    x, theta = ns.get("x"), ns.get("theta")
    if not (isinstance(x, numbers.Real) and isinstance(theta, numbers.Real)):
        return math.nan
    return mistakes.gradient_check_1d(_cubic_forward, backward, x, theta, epsilon)


# ---------------------------------------------------------------- exercise 4

_GC_UTILS_NAMES = ("dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector")


def _known_good_callees():
    callees = {name: getattr(gc_utils, name) for name in _GC_UTILS_NAMES}
    callees["forward_propagation_n"] = known_good_forward_n
    return callees


def isolate_gradient_check_n(ns):
    """Until the end of the cell, gradient_check_n calls known-good versions of its callees."""
    return _until_end_of_cell(_Swap(ns, **_known_good_callees()))


def hidden_network(seed=None):
    """Another network, other data, and gradients with and without the two bugs.

    Without ``seed``: the fixed network of the in-kernel tests (6 examples). With it:
    one drawn from the seed, with 5 to 8 examples of both labels.
    """
    rng = np.random.RandomState(2 if seed is None else seed)
    if seed is None:
        X, Y = rng.randn(4, 6), np.array([1, 0, 1, 1, 0, 0])
    else:
        m = rng.randint(5, 9)
        X, Y = rng.randn(4, m), np.array([1, 0] + [int(v) for v in rng.randint(0, 2, m - 2)])
    while True:
        parameters = {name: rng.randn(*shape) for name, shape in gc_utils.DEFAULT_SHAPES.items()}
        fixed = _true_gradients(X, Y, parameters)
        buggy = dict(fixed, dW2=2 * fixed["dW2"], db1=4 * fixed["db1"])
        if seed is None or _fair(X, Y, parameters, fixed, buggy):
            break
    nearly = {name: value * (1 + 1e-5) for name, value in fixed.items()}
    return X, Y, parameters, {"with the two bugs": buggy, "1e-5 too large": nearly, "right": fixed}


def _true_gradients(X, Y, parameters):
    theta, _ = gc_utils.dictionary_to_vector(parameters)
    true = []
    for i in range(theta.shape[0]):
        plus, minus = np.copy(theta), np.copy(theta)
        plus[i] += 1e-6
        minus[i] -= 1e-6
        J_plus, _ = known_good_forward_n(X, Y, gc_utils.vector_to_dictionary(plus))
        J_minus, _ = known_good_forward_n(X, Y, gc_utils.vector_to_dictionary(minus))
        true.append((J_plus - J_minus) / 2e-6)
    return {"d" + name: value for name, value in gc_utils.vector_to_dictionary(np.array(true)).items()}


def _fair(X, Y, parameters, fixed, buggy):
    """Whether a drawn network can grade fairly. Not when its output saturates (sigmoid
    rounds to exactly 0 or 1, so the cost and every difference are inf or nan), nor when
    its ReLUs are so dead that the planted bugs change nothing (dW2 and db1 all zero)."""
    if np.max(np.abs(known_good_forward_n(X, Y, parameters)[1][8])) >= 15:
        return False
    right, wrong = gc_utils.gradients_to_vector(fixed), gc_utils.gradients_to_vector(buggy)
    return np.linalg.norm(wrong - right) > 1e-2 * (np.linalg.norm(wrong) + np.linalg.norm(right))


# (gradients, epsilon): the bugs at two epsilons; gradients with a small known error at
# epsilon 1e-4, where a one-sided difference is clearly worse than a centered one; and the
# right gradients at epsilon 1e-2, where the result depends on epsilon (truncation error),
# so a function that ignores its epsilon argument is caught.
_GRADIENT_CHECK_N_CASES = [("with the two bugs", 1e-7), ("with the two bugs", 1e-5), ("1e-5 too large", 1e-4),
                           ("right", 1e-2)]


def check_gradient_check_n(ns):
    _assert_untampered()
    student = _function(ns, "gradient_check_n")
    X, Y, parameters, gradients = inputs = hidden_network()

    def obtain(index, label, epsilon, call):
        before = {name: value.copy() for name, value in parameters.items()}
        with _Swap(ns, **_known_good_callees()):
            got = _as_float(_call(student, "gradient_check_n", parameters, gradients[label], X, Y, epsilon), call)
        for name, value in before.items():
            if not np.array_equal(parameters[name], value):
                raise AssertionError(changed_parameters(call, name))
        return got
    judge_gradient_check_n(obtain, inputs)


def changed_parameters(call, name=None):
    which = f"parameters[{name!r}]" if name else "the parameters it was given"
    return f"{call} changed {which}; perturb a copy of the parameter vector, never the parameters themselves."


def judge_gradient_check_n(obtain, inputs):
    """Fail unless ``obtain(index, label, epsilon, call)`` gives the right difference for every
    case of ``_GRADIENT_CHECK_N_CASES`` on ``inputs`` (from hidden_network); name the likely mistake."""
    X, Y, parameters, gradients = inputs
    results = []
    for index, (label, epsilon) in enumerate(_GRADIENT_CHECK_N_CASES):
        call = f"gradient_check_n on another network (gradients {label}, epsilon={epsilon})"
        got = obtain(index, label, epsilon, call)
        simulated = {name: partial(mistakes.gradient_check_nd, known_good_forward_n, parameters, gradients[label],
                                   X, Y, epsilon, name)
                     for name in mistakes.MISTAKES_ND}
        simulated["notebook_values"] = partial(_notebook_data, gradients[label], epsilon)
        simulated["hard_coded"] = lambda: 0.2850931567761623
        expected = mistakes.gradient_check_nd(known_good_forward_n, parameters, gradients[label], X, Y, epsilon)
        results.append((call, got, expected, simulated))
    _judge(results)


def _notebook_data(gradients, epsilon):
    """gradient_check_n computing on the notebook's test case instead of its X, Y and parameters."""
    X, Y, parameters = testCases.gradient_check_n_test_case()
    return mistakes.gradient_check_nd(known_good_forward_n, parameters, gradients, X, Y, epsilon)


# ---------------------------------------------------------------- judging outside the kernel

def judge_inputs(exercise, seed):
    """(arguments, known-good callees) of every hidden case of ``exercise``, drawn from ``seed``."""
    if exercise in ("forward_propagation", "backward_propagation"):
        return [((x, theta), {}) for x, theta in simple_cases(seed)]
    if exercise == "gradient_check":
        return [((x, theta, epsilon), {"forward_propagation": _cubic_forward, "backward_propagation": backward})
                for x, theta, epsilon, backward in gradient_check_cases(seed)]
    X, Y, parameters, gradients = hidden_network(seed)
    return [((parameters, gradients[label], X, Y, epsilon), _known_good_callees())
            for label, epsilon in _GRADIENT_CHECK_N_CASES]


def judge_result(exercise, result, seed):
    """Judge what gc_grader.answer_runner reported for ``exercise``; raise AssertionError if wrong."""
    if result["signature"] is None:
        raise AssertionError(f"{exercise} is not defined by its answer cell run on its own: keep the whole "
                             "function, and what it needs, in that cell.")
    if result["signature"] != SIGNATURES[exercise]:
        raise AssertionError(f"{exercise} has the signature {result['signature']}; the assignment fixes it as "
                             f"{SIGNATURES[exercise]}, and that is how it is called.")
    values = result["values"]

    def returned(index, call, numbers_allowed):
        kind, *detail = values[index]
        if kind == "error":
            raise AssertionError(f"{call} raised {detail[0]}")
        if kind == "array":
            raise AssertionError(f"{call} returned a numpy array of shape {tuple(detail[0])}, not a float. "
                                 "Compute the norms with np.linalg.norm, which returns a single number.")
        if kind == "other" or detail[1] not in numbers_allowed:
            raise AssertionError(f"{call} returned a value of type {detail[-2] if kind == 'other' else detail[1]}, "
                                 "not a float.")
        if detail[-1]:
            raise AssertionError(changed_parameters(call))
        return {"int": int, "float": float, "float64": np.float64}[detail[1]](detail[0])

    if exercise in ("forward_propagation", "backward_propagation"):
        judge_simple(exercise, lambda i, x, theta: returned(i, f"{exercise}(x={x}, theta={theta})",
                                                            ("int", "float", "float64")), simple_cases(seed))
    elif exercise == "gradient_check":
        judge_gradient_check(lambda i, x, theta, epsilon, backward, call: returned(i, call, ("float", "float64")),
                             gradient_check_cases(seed))
    else:
        judge_gradient_check_n(lambda i, label, epsilon, call: returned(i, call, ("float", "float64")),
                               hidden_network(seed))
