"""Public tests of the gradient-checking assignment: one function per exercise.

Each test runs the student's function on inputs anyone can read (``testCases`` holds
them), prints one line per case, and ends either with a green "All tests passed." or
with one red verdict: the call that went wrong, what was expected, what came back,
and one sentence on what is most likely wrong. The verdict is the error of the cell
(``TestFailed``), shown without a traceback through this module: that is what makes
nbgrader count the test as failed.

Grading checks the same things in the same way on inputs drawn per student; only those
inputs are secret. So a right answer that passes here keeps its points:
- gradient_check runs on the notebook's model J = theta * x and on a second one,
  J = x * theta**3, at several epsilons, also with a wrong backward pass;
- gradient_check_n runs on the notebook's network and on a second network with other
  data, with wrong, nearly right and right gradients, at several epsilons.

Results are real signals, never rounding noise: where a right answer's result is
rounding noise (2.9e-10 on the notebook's model), the test asks only that it lie below
the 2e-7 threshold; elsewhere results are compared *relatively*, within RTOL. (An
absolute tolerance such as np.allclose's default atol=1e-8 would accept 0.0 for a tiny
expected difference, and so pass a broken check.)

The tests of gradient_check and gradient_check_n grade each exercise alone: while they
run your function, the functions it calls are known-good ones (``_known_good_callees``),
and yours are back as soon as the test is over.

This module is shipped to students, so it holds no solution to exercises 3 and 4 (those of
exercises 1 and 2 are the formulas their text gives): expected values are written out as
numbers, and the project's own tests prove them.
"""

import inspect
import linecache
import math
import traceback
from contextlib import contextmanager
from types import MappingProxyType

import numpy as np

# As private names: the notebook runs `from public_tests import *`, which must not bring
# in anything that could be mistaken for the notebook's own functions (nor a new `_`).
import gc_utils as _gc_utils
import testCases as _cases
from gc_i18n import N_, _

__all__ = ["forward_propagation_test", "backward_propagation_test", "gradient_check_test", "gradient_check_n_test",
           "TestFailed", "EXPECTED", "HINTS", "THRESHOLD"]

#: Relative tolerance of every comparison of a difference, here and in grading: the
#: cases compare real signals, so every right formula is far inside it (rounding moves
#: them by less than 1e-6) and every known mistake far outside.
RTOL = 1e-4
#: Below it (with epsilon = 1e-7) a difference says "backpropagation is right".
THRESHOLD = 2e-7

#: The specification's figures, on the notebook's own inputs (the graders and the project's
#: tests read them from this table). Read-only: the notebook imports this module's names,
#: and no cell may change what a public test expects.
EXPECTED = MappingProxyType({
    "forward_propagation": 8,
    "backward_propagation": 2,
    "gradient_check": 2.919335883291695e-10,
    "gradient_check_n": 0.2850931567761623,
})

#: The signatures the assignment fixes: tests and graders call the functions this way.
SIGNATURES = MappingProxyType({
    "forward_propagation": "(x, theta)",
    "backward_propagation": "(x, theta)",
    "gradient_check": "(x, theta, epsilon=1e-07, print_msg=False)",
    "gradient_check_n": "(parameters, gradients, X, Y, epsilon=1e-07, print_msg=False)",
})

GREEN = "\033[92m"
RED = "\033[91m"
RESET = "\033[0m"

#: What each mistake that students make most likely means, in one sentence that names
#: the step to fix. Grading names mistakes with these same sentences (their one copy).
HINTS = {
    "forward_propagation": N_("forward_propagation must return the cost J = theta * x, computed from its arguments."),
    "backward_propagation": N_("backward_propagation must return the derivative of theta * x with respect to theta, "
                               "which is x, computed from its arguments."),
    "divides_by_epsilon": N_("Your estimate is off by a factor of 2: divide J_plus - J_minus, the costs "
                             "at theta + epsilon and theta - epsilon, by 2 * epsilon."),
    "precedence": N_("Your estimate is nearly 0: write (J_plus - J_minus) / (2 * epsilon), with parentheses "
                     "around 2 * epsilon, and make sure J_plus and J_minus are costs at two different points."),
    "one_sided": N_("Your estimate is one-sided: J_minus must be the cost at theta - epsilon, and the "
                    "difference is divided by 2 * epsilon."),
    "grad_is_gradapprox": N_("Your difference is exactly 0: grad must come from backward propagation, "
                             "not from gradapprox."),
    "no_copy": N_("Your estimate is half the true gradient: did you perturb the original vector "
                  "instead of a copy? Use np.copy(parameters_values) for theta_plus and for theta_minus."),
    "copy_once": N_("Only your first parameter is estimated right: copy the parameter vector inside the "
                    "loop, so that each step nudges one parameter only."),
    "whole_vector": N_("You nudged every parameter at once: change only entry i of theta_plus and of "
                       "theta_minus."),
    "stale_dtheta": N_("Your grad does not follow the arguments: call backward_propagation(x, theta) "
                       "inside gradient_check instead of reusing a variable of the notebook."),
    "notebook_values": N_("Your result is that of the notebook's own inputs: compute everything from the "
                          "function's arguments, never from the notebook's variables."),
    "hard_coded": N_("You returned the same number whatever the inputs: compute the difference from the "
                     "arguments instead."),
    "inline_model": N_("Call forward_propagation and backward_propagation inside gradient_check instead of "
                       "writing theta * x or x again: the check must work for any model, and the tests also "
                       "give it J = x * theta**3."),
    "ignores_epsilon": N_("Your result does not change with epsilon: use the epsilon argument (not a number of "
                          "your own) for theta_plus, theta_minus and 2 * epsilon."),
    "ignores_gradients": N_("Your grad does not come from the gradients argument: build it with "
                            "grad = gradients_to_vector(gradients)."),
    "no_norm": N_("A relative difference lies between 0 and 1: compute the numerator with "
                  "np.linalg.norm(grad - gradapprox) and the denominator with np.linalg.norm(grad) + "
                  "np.linalg.norm(gradapprox)."),
    "not_a_float": N_("Return one number: np.linalg.norm of a vector is a single float, so take the numerator "
                      "and both terms of the denominator with it."),
    "no_return": N_("The function returns nothing: end it with return and the value it computes."),
    "no_denominator": N_("Divide by the denominator: difference = numerator / denominator, with "
                         "denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)."),
    "explorer_module": N_("gc_epsilon and gc_explorer belong to the explorers and grading withholds them: compute "
                          "the estimate and the difference yourself."),
    "other_cell": N_("Grading runs each answer with the cells above it that you may edit: define what it uses "
                     "in its own cell or in a cell above it, not below it, nor in a given cell."),
    "unpack_cost": N_("forward_propagation_n returns two things, (cost, cache): keep the cost only, as in "
                      "J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))."),
    "changed_parameters": N_("Perturb a copy of the parameter vector (np.copy), and change none of the arguments "
                             "you are given."),
    "signature": N_("Keep the function's first line as it was given: the tests and the grader call it with these "
                    "arguments, in this order."),
    "not_answered": N_("This exercise is not answered yet: write your code in its cell, delete the line "
                       "raise NotImplementedError(), run the cell, then this test."),
    "unknown": N_("Compare each step with formulas (1) and (2) above."),
}

#: A note (not a failure) when a function that the exercise calls is not right yet.
CALLEE_NOTE = N_("Note: the test of {callee} above failed when it last ran. This test gave {name} a correct "
               "{callee}, so what it says is about {name} alone; fix {callee} too.")


def hint(key):
    """The sentence of HINTS[key], in the edition's language."""
    return _(HINTS[key])


def failed(name):
    """A verdict's first line."""
    return _("{name} failed its test.").format(name=name)


def expected_obtained(expected, obtained):
    return _("expected {expected}, obtained {obtained}").format(expected=expected, obtained=obtained)

# ---------------------------------------------------------------- the public cases

#: Exercises 1 and 2: (x, theta); the results must be theta * x and x, within SIMPLE_RTOL
#: (products of decimals are rounded, so no exact comparison).
SIMPLE_CASES = ((2, 4), (0.3, -2.7))
SIMPLE_RTOL = 1e-9


def _linear_cost(x, theta):
    """The notebook's one-dimensional model, known good: J(theta) = theta * x."""
    return theta * x


def _linear_cost_derivative(x, theta):
    """Its derivative with respect to theta."""
    return x


def _cubic_cost(x, theta):
    """A second model for gradient_check, curved so that epsilon matters: J(theta) = x * theta**3."""
    return x * theta ** 3


def _cubic_cost_derivative(x, theta):
    return 3 * x * theta ** 2


def _wrong_cubic_cost_derivative(x, theta):
    """A wrong backward pass for the cubic model (twice the truth): the check must see it."""
    return 6 * x * theta ** 2


_MODELS = {
    "linear": (N_("J = theta * x"), _linear_cost, _linear_cost_derivative),
    "cubic": (N_("J = x * theta**3"), _cubic_cost, _cubic_cost_derivative),
    "cubic, wrong backward": (N_("J = x * theta**3, with a backward pass that returns twice the derivative"),
                              _cubic_cost, _wrong_cubic_cost_derivative),
}

#: Exercise 3: (model, x, theta, epsilon, expected). None: a right answer's result is
#: rounding noise, which is only asked to lie below THRESHOLD.
GRADIENT_CHECK_CASES = (
    ("linear", 2, 4, 1e-7, None),
    ("cubic", 1.5, -2.0, 1e-2, 4.166649299252957e-06),
    ("cubic", -0.8, 1.2, 1e-3, 1.1574067472821815e-07),
    ("cubic, wrong backward", 2.5, 0.7, 1e-3, 0.3333330309902394),
)


def _gradient_check_n_inputs(network, gradients):
    """X, Y, parameters and gradients of one case; the gradients laid out as backward_propagation_n
    returns them (``testCases.as_backprop_output``)."""
    if network == "notebook":
        X, Y, parameters = _cases.gradient_check_n_test_case()
        return X, Y, parameters, _cases.as_backprop_output(_cases.buggy_gradients_test_case(), X.shape[1])
    X, Y, parameters, right = _cases.second_network_test_case()
    if gradients == "nearly right":
        right = {name: value * (1 + 1e-5) for name, value in right.items()}
    return X, Y, parameters, _cases.as_backprop_output(right, X.shape[1])


_NETWORKS = {
    ("notebook", "buggy"): N_("the notebook's test case, with the gradients of the given backward_propagation_n"),
    ("second", "nearly right"): N_("the second network, with gradients 1e-5 too large"),
    ("second", "right"): N_("the second network, with its true gradients"),
}

#: Exercise 4: (network, gradients, epsilon, expected).
GRADIENT_CHECK_N_CASES = (
    ("notebook", "buggy", 1e-7, 0.2850931567761623),
    ("notebook", "buggy", 1e-5, 0.28509314917143713),
    ("second", "nearly right", 1e-4, 4.999693722408072e-06),
    ("second", "right", 1e-2, 5.228453023066676e-05),
)

#: What known mistakes return on the cases above, in their order (the project's tests
#: recompute every number). A result that matches a row within MISTAKE_RTOL on every case gets
#: that mistake's sentence.
KNOWN_WRONG = {
    "gradient_check": {
        "divides_by_epsilon": (0.33333333359282985, 0.33333703701645534, 0.3333334362139291, 3.401359420999304e-07),
        "precedence": (0.99999999999998, 0.9998000183316668, 0.9999980000015369, 0.9999989999998198),
        "one_sided": (1.4021566110735082e-09, 0.0025020781032666197, 0.0004166087721694107, 0.3326984128423126),
        "grad_is_gradapprox": (0.0, 0.0, 0.0, 0.0),
        "fixed_step": (2.919335883291695e-10, 0.9999800002000011, 0.9998000199978356, 0.999900004999814),
        "no_denominator": (1.167734353657579e-09, 0.00014999999977050038, 7.999996363139417e-07, 3.6749974999999746),
    },
    "gradient_check_n": {
        "divides_by_epsilon": (0.28807918174985225, 0.28807920027321504, 0.3333288891561522, 0.3333358582144737),
        "precedence": (0.9999999999999863, 0.9999999998655275, 0.9999999800002004, 0.9998000188642068),
        "one_sided": (0.2850931152783628, 0.2850931025015724, 0.0001437470205269833, 0.014463548088014115),
        "fixed_step": (0.2850931567761623, 0.9866528617619021, 0.998002017961323, 0.9999800001999926),
        "no_denominator": (2.3225406048733928, 2.3225405889275437, 4.906417792759504e-06, 5.130898182137148e-05),
        "no_copy": (0.5177906384974295, 0.5177905953693875, 0.3332844637028431, 0.3281005249894658),
        "copy_once": (0.8290770585967593, 0.8290770543412627, 0.7513037265910045, 0.7512612083670546),
        "whole_vector": (0.6977810638279841, 0.6977810813319968, 0.7097372637860646, 0.7102047174081711),
        "grad_is_gradapprox": (0.0, 0.0, 0.0, 0.0),
    },
}
#: Tolerance for telling which known mistake reproduces a result.
MISTAKE_RTOL = 1e-5
#: Known mistakes that share the sentence of another.
HINT_OF = {"fixed_step": "ignores_epsilon", "inline_gradient": "inline_model"}

#: Names of the notebook's variables that a function may read by mistake instead of its arguments.
NOTEBOOK_VARIABLES = frozenset({"x", "theta", "J", "dtheta", "difference", "X", "Y", "parameters", "gradients",
                                "cache", "cost", "grad", "gradapprox", "epsilon"})


# ---------------------------------------------------------------- verdicts


class TestFailed(AssertionError):
    """A public test failed: the message is the verdict, shown without a traceback.

    IPython calls ``_render_traceback_`` for the lines it shows in place of a
    traceback: the verdict alone, in red, once. The cell still ends in an error, so
    nbgrader counts the test as failed.
    """

    __test__ = False    # not a test class, whatever pytest thinks of its name

    def _render_traceback_(self):
        first, *rest = str(self).splitlines()
        return [f"{RED}{first}{RESET}", *rest]


def _fail(name, call, expected, obtained, sentence):
    raise TestFailed(f"{failed(name)}\n  {call}\n  {expected_obtained(expected, _shown(obtained))}\n  {sentence}")


def _shown(number):
    """A result as the student reads it: 0.1, not np.float64(0.1)."""
    return repr(as_number(number))


def _close(obtained, expected, rtol=RTOL):
    """True when ``obtained`` is within ``rtol`` of ``expected``, relatively."""
    return abs(obtained - expected) <= rtol * abs(expected)


def as_number(value, integers=True):
    """``value`` as a Python number, or None when it is not one real number (an array, a bool...).

    Grading accepts exactly the same: Python and numpy integers (for exercises 1 and 2)
    and floats."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if integers else None
    if isinstance(value, (float, np.floating)):
        return float(value)
    return None


def not_a_number(call, value):
    """The verdict's middle lines for a result that is not one real number."""
    if isinstance(value, np.ndarray):
        obtained = _("a numpy array of shape {shape}").format(shape=value.shape)
    else:
        obtained = _("{value} of type {type}").format(value=_short(_text_of(value, repr)), type=type(value).__name__)
    one_float = _("one float")
    return f"{call}\n  {expected_obtained(one_float, obtained)}"


def not_a_number_hint(name, type_name):
    """The sentence for a result of ``name`` that is not one number, by the name of its type."""
    if type_name == "NoneType":
        return hint("no_return")
    return hint(name) if name in ("forward_propagation", "backward_propagation") else hint("not_a_float")


def _short(text, limit=120):
    return text if len(text) <= limit else text[:limit] + "..."


def _text_of(value, show=str):
    """``show(value)``, or a placeholder when the student's object cannot even say what it is."""
    try:
        return show(value)
    except Exception:
        return _("<a {type} that cannot be shown>").format(type=type(value).__name__)


def same_signature(signature, name):
    """Whether ``signature`` (a string) is the one the assignment fixes for ``name``."""
    return signature == SIGNATURES[name]


def signature_of(function):
    """The function's signature as a string, without annotations (they change no call)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return "(?)"
    plain = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=plain, return_annotation=inspect.Signature.empty))


def crash_hint(name, error, line=""):
    """The sentence for an answer of ``name`` that raised ``error`` ("Type: message") at the source
    ``line`` of its own code (when known), or ''."""
    kind, _colon, message = error.partition(": ")
    if kind == "NotImplementedError":
        return hint("not_answered")
    if name == "gradient_check_n" and "forward_propagation_n" in line and "_ = forward_propagation_n" not in line:
        return hint("unpack_cost")
    if kind == "NameError":
        variable = message.split("'")[1] if message.count("'") >= 2 else ""
        if variable == "dtheta":
            return hint("stale_dtheta")
        if variable in NOTEBOOK_VARIABLES:
            return hint("notebook_values")
        return hint("other_cell")
    if "truth value of an array" in message:
        return hint("not_a_float")
    return ""


def _failing_line(error, function):
    """(line number in its cell, source text) of the innermost line of ``function`` that the
    traceback of ``error`` passes through, or None."""
    code = getattr(_unwrapped(function), "__code__", None)
    lines = [(frame, lineno) for frame, lineno in traceback.walk_tb(error.__traceback__) if frame.f_code is code]
    if not lines:
        return None
    frame, lineno = lines[-1]
    return lineno, linecache.getline(code.co_filename, lineno, frame.f_globals).strip()


def _run(function, name, call, args):
    """``function(*args)``; what it raised becomes one verdict that says where and, if known, why.

    Any exception but an interrupt (the student's own Stop button): SystemExit too."""
    try:
        return function(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        text = f"{type(error).__name__}: {_text_of(error)}"
        where = _failing_line(error, function)
        line = where[1] if where else ""
        read = _global_names(function)
        sentence = (crash_hint(name, text, line) or (hint("stale_dtheta") if "dtheta" in read else "")
                    or (hint("notebook_values") if read - {"epsilon"} else "")
                    or _("Fix the line this names, run its cell again, then this test."))
        place = ""
        if where:
            place = "\n  " + _("at line {line} of its cell").format(line=where[0]) + (f": {where[1]}" if where[1] else "")
        raised = _("raised {error}").format(error=_short(text, 300))
        raise TestFailed(f"{failed(name)}\n  {call}\n  {raised}{place}\n  {sentence}") from None


def _check_signature(function, name):
    """The function as such: callable, with the signature the assignment fixes, on its own code."""
    if not callable(function):
        raise TestFailed(f"{failed(name)}\n  "
                         + _("{name} is {type}, not a function.").format(name=name, type=type(function).__name__)
                         + "\n  " + _("Run the cell that defines {name}, then this one.").format(name=name))
    signature = signature_of(function)
    if not same_signature(signature, name):
        raise TestFailed(f"{failed(name)}\n  "
                         + _("{got} should be {expected}.").format(got=name + signature, expected=name + SIGNATURES[name])
                         + f"\n  {hint('signature')}")
    if _uses_explorers(function):
        raise TestFailed(f"{failed(name)}\n  " + _("{name} uses gc_epsilon or gc_explorer.").format(name=name)
                         + f"\n  {hint('explorer_module')}")


def _passed():
    passed = _("All tests passed.")
    print(f"{GREEN}{passed}{RESET}")


# ---------------------------------------------------------------- grading each exercise alone

_MISSING = object()


@contextmanager
def _known_good_callees(target, **callees):
    """While the block runs, ``target`` finds the known-good ``callees`` under their names.

    Why: each exercise is graded alone. gradient_check calls forward_propagation and
    backward_propagation, gradient_check_n calls forward_propagation_n and the gc_utils
    conversions; were those wrong (or redefined), a right gradient_check would fail its
    test too, and one mistake would cost two exercises. So the test swaps known-good
    versions into the namespace the function looks its names up in (the notebook's, for a
    function defined there), and puts the previous values back in a ``finally``, whatever
    happens, also when the function raises. The same happens in grading.
    """
    namespace = _namespace_of(target)
    if namespace is None:                 # not Python code: nothing to swap
        yield
        return
    saved = {name: namespace.get(name, _MISSING) for name in callees}
    try:
        namespace.update(callees)
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


class _Counted:
    """A callee that counts its calls: a function that never calls it computes around it."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


def _unwrapped(function):
    """The Python function that runs when ``function`` is called: through decorators that keep
    ``__wrapped__`` (functools.wraps, lru_cache, np.errstate...) and callable objects."""
    try:
        function = inspect.unwrap(function)
    except ValueError:
        pass
    if not inspect.isfunction(function) and callable(function):
        call = getattr(type(function), "__call__", None)
        if inspect.isfunction(call):
            return call
    return function


def _namespace_of(function):
    """The globals in which ``function`` looks its callees up, or None."""
    namespace = getattr(_unwrapped(function), "__globals__", None)
    return namespace if isinstance(namespace, dict) else None


def _read_names(function):
    """Global names ``function`` (and the comprehensions and functions inside it) reads."""
    names, codes = set(), [getattr(_unwrapped(function), "__code__", None)]
    while codes:
        code = codes.pop()
        if code is not None:
            names.update(code.co_names)
            codes.extend(const for const in code.co_consts if inspect.iscode(const))
    return names


def _global_names(function):
    """The notebook's variables that ``function`` reads instead of its arguments."""
    namespace = _namespace_of(function) or {}
    return {name for name in _read_names(function) & NOTEBOOK_VARIABLES if name in namespace}


def _uses_explorers(function, seen=None):
    """Whether ``function``, or a function of the notebook it calls, uses the explorers' modules."""
    seen = set() if seen is None else seen
    namespace = _namespace_of(function) or {}
    for name in _read_names(function) - seen:
        seen.add(name)
        value = namespace.get(name)
        module = value if inspect.ismodule(value) else inspect.getmodule(value) if value is not None else None
        if module is not None and module.__name__.split(".")[0] in EXPLORER_MODULES:
            return True
        if inspect.isfunction(value) and value.__globals__ is namespace and _uses_explorers(value, seen):
            return True
    return False


#: The explorers' modules: their finite differences are not an answer's own (grading withholds them).
EXPLORER_MODULES = ("gc_epsilon", "gc_explorer")


def _named_mistake(name, results):
    """The known mistake that reproduces every result of ``results``, or None. On a case where a
    right answer gives rounding noise, any result below THRESHOLD matches a value below it."""
    noise = [case[-1] is None for case in (GRADIENT_CHECK_CASES if name == "gradient_check" else GRADIENT_CHECK_N_CASES)]

    def matches(obtained, value, is_noise):
        return obtained == value or _close(obtained, value, MISTAKE_RTOL) or \
            (is_noise and 0 <= obtained < THRESHOLD and value < THRESHOLD)
    for mistake, values in KNOWN_WRONG[name].items():
        if all(matches(*match) for match in zip(results, values, noise)):
            return mistake
    return None


# ---------------------------------------------------------------- the tests


def _simple_test(target, name, expected_of):
    _LAST_OUTCOME[name] = False
    _check_signature(target, name)
    for x, theta in SIMPLE_CASES:
        call = f"{name}(x={x}, theta={theta})"
        obtained, expected = _run(target, name, call, (x, theta)), expected_of(x, theta)
        number = as_number(obtained)
        if number is None:
            raise TestFailed(f"{failed(name)}\n  {not_a_number(call, obtained)}"
                             f"\n  {not_a_number_hint(name, type(obtained).__name__)}")
        if not (number == expected or _close(number, expected, SIMPLE_RTOL)):
            _fail(name, call, expected, obtained, hint(name))
        print(f"{call}: {expected_obtained(expected, _shown(obtained))}")
    _LAST_OUTCOME[name] = True
    _passed()


def forward_propagation_test(target):
    """Exercise 1: J = theta * x."""
    _simple_test(target, "forward_propagation", _linear_cost)


def backward_propagation_test(target):
    """Exercise 2: dJ/dtheta = x."""
    _simple_test(target, "backward_propagation", _linear_cost_derivative)


#: Whether the last run of each test of exercises 1 and 2 passed. The test of exercise 3 reads it
#: to say which of its callees to fix, without calling them: a callee that hangs or kills the
#: kernel must cost its own exercise, not this one too.
_LAST_OUTCOME = {}


def _callee_notes(name, callees):
    """Notes on the callees of ``name`` whose own tests failed when they last ran (not failures of this test)."""
    for callee in callees:
        if _LAST_OUTCOME.get(callee) is False:
            print(_(CALLEE_NOTE).format(callee=callee, name=name))


def gradient_check_test(target):
    """Exercise 3: relative difference between backprop and the centered estimate, 1-D.

    ``target`` runs with known-good forward_propagation and backward_propagation, on the
    notebook's model and on a second one, so only gradient_check itself is tested here.
    """
    name = "gradient_check"
    _check_signature(target, name)
    _callee_notes(name, ("forward_propagation", "backward_propagation"))
    results, failure = [], None
    for model, x, theta, epsilon, expected in GRADIENT_CHECK_CASES:
        text, forward, backward = _MODELS[model]
        call = _("{call} on the model {model}").format(call=f"gradient_check(x={x}, theta={theta}, epsilon={epsilon})",
                                                       model=_(text))
        forward, backward = _Counted(forward), _Counted(backward)
        with _known_good_callees(target, forward_propagation=forward, backward_propagation=backward):
            obtained = _run(target, name, call, (x, theta, epsilon))
        number = as_number(obtained, integers=False)
        if number is None:
            raise TestFailed(f"{failed(name)}\n  {not_a_number(call, obtained)}"
                             f"\n  {not_a_number_hint(name, type(obtained).__name__)}")
        results.append(number)
        right = (0 <= number < THRESHOLD) if expected is None else _close(number, expected)
        shown = _("below {threshold}").format(threshold=f"{THRESHOLD:g}") if expected is None else repr(expected)
        if not right and failure is None:
            failure = (call, shown, obtained, forward.calls, backward.calls, (x, theta, epsilon, model))
        elif failure is None:
            print(f"{call}: {expected_obtained(shown, _shown(obtained))}")
    if failure:
        call, shown, obtained, forward_calls, backward_calls, case = failure
        sentence = _gradient_check_hint(target, results, obtained, forward_calls, backward_calls, case)
        _fail(name, call, shown, obtained, sentence)
    _passed()


def _gradient_check_hint(target, results, obtained, forward_calls, backward_calls, case):
    """The sentence for a wrong gradient_check: from its results, what it calls and what it reads."""
    read = _global_names(target)
    if "dtheta" in read:
        return hint("stale_dtheta")
    mistake = _named_mistake("gradient_check", results) if len(results) == len(GRADIENT_CHECK_CASES) else None
    if mistake:
        return hint(HINT_OF.get(mistake, mistake))
    if not 0 <= obtained <= 1:
        return hint("no_norm")
    if len(set(results)) == 1:
        return hint("hard_coded")
    if forward_calls == 0 or backward_calls == 0:
        return hint("inline_model")
    if read - {"epsilon"}:
        return hint("notebook_values")
    x, theta, epsilon, _model = case
    probes = {"ignores_epsilon": ((x, theta, epsilon), (x, theta, epsilon * 10)),
              "notebook_values": ((x, theta, epsilon), (2, 4, epsilon))}
    for mistake, (one, other) in probes.items():
        if one != other and _same_result(target, one, other):
            return hint(mistake)
    return hint("unknown")


def _same_result(target, one, other):
    """Whether gradient_check gives the same result on the cubic model for arguments ``one``
    and ``other`` (it never does when it uses all its arguments)."""
    _text, forward, backward = _MODELS["cubic"]
    results = []
    for args in (one, other):
        with _known_good_callees(target, forward_propagation=forward, backward_propagation=backward):
            try:
                results.append(as_number(target(*args)))
            except Exception:
                return False
    return results[0] is not None and results[0] == results[1]


def gradient_check_n_test(target):
    """Exercise 4: the same check for the 3-layer network, on the notebook's test case and a second network.

    On the notebook's test case the gradients are those of the *provided*
    backward_propagation_n, so this test gives the same verdict before and after you fix
    the bugs. ``target`` runs with a known-good forward_propagation_n and the gc_utils
    conversions, so only gradient_check_n itself is tested here.
    """
    name = "gradient_check_n"
    _check_signature(target, name)
    results, failure = [], None
    for network, gradients_label, epsilon, expected in GRADIENT_CHECK_N_CASES:
        X, Y, parameters, gradients = _gradient_check_n_inputs(network, gradients_label)
        call = _("{call} on {case}").format(call=f"gradient_check_n(parameters, gradients, X, Y, epsilon={epsilon})",
                                            case=_(_NETWORKS[network, gradients_label]))
        obtained = _run_network_case(target, call, (parameters, gradients, X, Y, epsilon))
        number = as_number(obtained, integers=False)
        if number is None:
            raise TestFailed(f"{failed(name)}\n  {not_a_number(call, obtained)}"
                             f"\n  {not_a_number_hint(name, type(obtained).__name__)}")
        results.append(number)
        if not _close(number, expected) and failure is None:
            failure = (call, expected, obtained, (parameters, gradients, X, Y, epsilon))
        elif failure is None:
            print(f"{call}: {expected_obtained(repr(expected), _shown(obtained))}")
    if failure:
        call, expected, obtained, args = failure
        _fail(name, call, repr(expected), obtained, _gradient_check_n_hint(target, results, obtained, args))
    _passed()


def _network_callees():
    """What gradient_check_n calls, known good: the given network and the gc_utils conversions."""
    return {"forward_propagation_n": _gc_utils.reference_forward_propagation_n,
            "dictionary_to_vector": _gc_utils.dictionary_to_vector,
            "vector_to_dictionary": _gc_utils.vector_to_dictionary,
            "gradients_to_vector": _gc_utils.gradients_to_vector}


def _run_network_case(target, call, args):
    """gradient_check_n on one case, with known-good callees; its arguments must come back unchanged."""
    parameters, gradients = args[0], args[1]
    before = {key: value.copy() for key, value in {**parameters, **gradients}.items()}
    with _known_good_callees(target, **_network_callees()):
        obtained = _run(target, "gradient_check_n", call, args)
    for key, value in before.items():
        now = parameters.get(key, gradients.get(key))
        if not (isinstance(now, np.ndarray) and np.array_equal(now, value)):
            which = "parameters" if key in parameters else "gradients"
            raise TestFailed(f"{failed('gradient_check_n')}\n  {call}\n  "
                             + _("changed {argument}").format(argument=f"{which}[{key!r}]")
                             + f"\n  {hint('changed_parameters')}")
    return obtained


def _gradient_check_n_hint(target, results, obtained, args):
    """The sentence for a wrong gradient_check_n."""
    read = _global_names(target)
    mistake = _named_mistake("gradient_check_n", results) if len(results) == len(GRADIENT_CHECK_N_CASES) else None
    if mistake:
        return hint(HINT_OF.get(mistake, mistake))
    if not 0 <= obtained <= 1:
        return hint("no_norm")
    if read - {"epsilon", "gradients"}:
        return hint("notebook_values")
    if len(set(results)) == 1:
        return hint("hard_coded")
    parameters, gradients, X, Y, epsilon = args
    other_gradients = {key: -value for key, value in gradients.items()}
    probes = {"ignores_epsilon": (parameters, gradients, X, Y, epsilon * 10),
              "ignores_gradients": (parameters, other_gradients, X, Y, epsilon)}
    notebook_X, notebook_Y, notebook_parameters = _cases.gradient_check_n_test_case()
    if X.shape != notebook_X.shape:
        probes["notebook_values"] = (notebook_parameters, gradients, notebook_X, notebook_Y, epsilon)
    for mistake, probe in probes.items():
        try:
            with _known_good_callees(target, **_network_callees()):
                again = target(*probe)
        except Exception:
            continue
        if as_number(again) is not None and math.isclose(again, obtained, rel_tol=1e-12):
            return hint(mistake)
    return hint("notebook_values") if "gradients" in read else hint("unknown")
