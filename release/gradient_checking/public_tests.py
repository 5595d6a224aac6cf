"""Public tests of the gradient-checking assignment: one function per exercise.

Each test calls the student's function on the public inputs, prints the
expected and the obtained value, and either prints a green verdict or raises
AssertionError with a plain explanation (which is what makes nbgrader count the
test as failed). The graders' hidden tests use other inputs.

The tests of gradient_check and gradient_check_n grade each exercise alone: while
they run your function, the functions it calls are known-good ones (see
``_known_good_callees``), and yours are back as soon as the test is over.

Differences between gradients are tiny numbers (2.9e-10 here), so they are
compared *relatively*: an absolute tolerance such as np.allclose's default
atol=1e-8 would accept 0.0 for 2.9e-10 and so pass a broken check.

This module is shipped to students, so it holds no solution to any exercise.
"""

from contextlib import contextmanager
from types import MappingProxyType

import numpy as np

# As a private name: the notebook runs `from public_tests import *`, which must not bring
# in anything that could be mistaken for the notebook's own functions.
import gc_utils as _gc_utils
from testCases import buggy_gradients_test_case, gradient_check_n_test_case

#: Relative tolerance of the comparisons below. gradient_check_n's public figure is
#: not rounding noise, so it is compared more tightly: every correct way of writing it
#: agrees to 1e-15, a one-sided difference is 1.5e-7 off.
RTOL = 1e-6
RTOL_N = 2e-8

#: What a correct answer returns on the public inputs: the specification's figures, kept
#: here once (the graders and the project's tests read them from this table).
#: Read-only: the notebook imports this module's names, and no cell may change what a
#: public test expects.
EXPECTED = MappingProxyType({
    "forward_propagation": 8,
    "backward_propagation": 2,
    "gradient_check": 2.919335883291695e-10,
    "gradient_check_n": 0.2850931567761623,
})

GREEN = "\033[92m"
RED = "\033[91m"
RESET = "\033[0m"

#: What each mistake that students often make most likely means, in one sentence.
#: The graders' hidden tests name mistakes with these same sentences.
HINTS = {
    "divides_by_epsilon": "Your estimate is off by a factor of 2: divide J_plus - J_minus, the costs "
                          "at theta + epsilon and theta - epsilon, by 2 * epsilon.",
    "precedence": "Your estimate is nearly 0: write (J_plus - J_minus) / (2 * epsilon), with parentheses "
                  "around 2 * epsilon, and make sure J_plus and J_minus are costs at two different points.",
    "one_sided": "Your estimate is one-sided: J_minus must be the cost at theta - epsilon, and the "
                 "difference is divided by 2 * epsilon.",
    "grad_is_gradapprox": "Your difference is exactly 0: grad must come from backward propagation, "
                          "not from gradapprox.",
    "no_copy": "Your estimate is half the true gradient: did you perturb the original vector "
               "instead of a copy? Use np.copy(parameters_values) for theta_plus and for theta_minus.",
    "copy_once": "Only your first parameter is estimated right: copy the parameter vector inside the "
                 "loop, so that each step nudges one parameter only.",
    "whole_vector": "You nudged every parameter at once: change only entry i of theta_plus and of "
                    "theta_minus.",
    "stale_dtheta": "Your grad does not follow the arguments: call backward_propagation(x, theta) "
                    "inside gradient_check instead of reusing a variable of the notebook.",
    "notebook_values": "Your result is that of the notebook's own inputs: compute everything from the "
                       "function's arguments, never from the notebook's variables.",
    "hard_coded": "You returned the public test's expected number: compute the difference from the "
                  "arguments instead.",
    "inline_model": "Call forward_propagation and backward_propagation inside gradient_check instead of "
                    "writing theta * x or x again: the check must work for any model.",
}

#: What the mistakes above return on the public inputs (checked by the project's tests).
KNOWN_WRONG = {
    "gradient_check": {
        "divides_by_epsilon": 0.33333333359282985,
        "precedence": 0.99999999999998,
        "one_sided": 1.4021566110735082e-09,
        "grad_is_gradapprox": 0.0,
    },
    "gradient_check_n": {
        "divides_by_epsilon": 0.28807918174985225,
        "precedence": 0.9999999999999866,
        "no_copy": 0.5177906384974295,
        "copy_once": 0.8290770585967594,
        "whole_vector": 0.6977810638279843,
        "one_sided": 0.2850931152783628,
        "grad_is_gradapprox": 0.0,
    },
}


def _as_real_number(value, name):
    """Return ``value`` as a Python float, or fail with a message saying what it is."""
    if isinstance(value, np.ndarray):
        raise AssertionError(
            f"{name} returned a numpy array of shape {value.shape}, not a number. "
            "Return a single float (np.linalg.norm of a vector is one).")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise AssertionError(f"{name} returned {value!r} of type {type(value).__name__}, not a number.")
    return float(value)


def _close(obtained, expected, rtol=RTOL):
    """True when ``obtained`` is within ``rtol`` of ``expected``, relatively."""
    return abs(obtained - expected) <= rtol * abs(expected)


def likely_mistake(name, obtained, rtol=RTOL):
    """The sentence for the known mistake that returns ``obtained`` on the public inputs, or ''."""
    for mistake, value in KNOWN_WRONG.get(name, {}).items():
        if obtained == value or _close(obtained, value, rtol):
            return HINTS[mistake]
    return ""


def _check(name, call, obtained, expected, rtol=RTOL):
    """Compare one result, print expected versus obtained, raise on a mismatch."""
    got = _as_real_number(obtained, name)
    print(f"{name}: {call}")
    print(f"  expected: {expected!r}")
    print(f"  obtained: {got!r}")
    if not _close(got, expected, rtol):
        hint = likely_mistake(name, got, rtol)
        print(f"{RED}  wrong{RESET}" + (f"\n  {hint}" if hint else ""))
        raise AssertionError(
            f"{call} returned {got!r}; expected {expected!r} "
            f"(within a relative tolerance of {rtol:g}). {hint}".rstrip())


def _passed():
    print(f"{GREEN}All tests passed.{RESET}")


def _linear_cost(x, theta):
    """The notebook's one-dimensional model, known good: J(theta) = theta * x."""
    return theta * x


def _linear_cost_derivative(x, theta):
    """Its derivative with respect to theta."""
    return x


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
    happens, also when the function raises. The same happens in self-study and in grading.
    """
    namespace = getattr(target, "__globals__", None)
    if not isinstance(namespace, dict):   # not a plain Python function: nothing to swap
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


def forward_propagation_test(target):
    """Exercise 1: J = theta * x."""
    _check("forward_propagation", "forward_propagation(x=2, theta=4)", target(2, 4), EXPECTED["forward_propagation"])
    _passed()


def backward_propagation_test(target):
    """Exercise 2: dJ/dtheta = x."""
    _check("backward_propagation", "backward_propagation(x=2, theta=4)", target(2, 4), EXPECTED["backward_propagation"])
    _passed()


def gradient_check_test(target):
    """Exercise 3: relative difference between backprop and the centered estimate, 1-D.

    ``target`` runs with known-good forward_propagation and backward_propagation (the
    notebook's linear model), so only gradient_check itself is tested here.
    """
    with _known_good_callees(target, forward_propagation=_linear_cost,
                             backward_propagation=_linear_cost_derivative):
        obtained = target(2, 4, 1e-7)
    _check("gradient_check", "gradient_check(x=2, theta=4, epsilon=1e-7)", obtained, EXPECTED["gradient_check"])
    _passed()


def gradient_check_n_test(target):
    """Exercise 4: the same check for the 3-layer network with the planted bugs.

    The gradients are those of the *provided* backward_propagation_n, so this
    test gives the same verdict before and after you fix the bugs. ``target`` runs
    with a known-good forward_propagation_n and the gc_utils conversions, so only
    gradient_check_n itself is tested here.
    """
    x, y, parameters = gradient_check_n_test_case()
    gradients = buggy_gradients_test_case()
    before = {name: value.copy() for name, value in parameters.items()}
    with _known_good_callees(target, forward_propagation_n=_gc_utils.reference_forward_propagation_n,
                             dictionary_to_vector=_gc_utils.dictionary_to_vector,
                             vector_to_dictionary=_gc_utils.vector_to_dictionary,
                             gradients_to_vector=_gc_utils.gradients_to_vector):
        obtained = target(parameters, gradients, x, y, 1e-7)
    _check("gradient_check_n",
           "gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7) on the test case",
           obtained, EXPECTED["gradient_check_n"], rtol=RTOL_N)
    for name, value in before.items():
        if not np.array_equal(parameters[name], value):
            raise AssertionError(
                f"gradient_check_n changed parameters[{name!r}]; "
                "perturb a copy of the parameter vector, never the original.")
    _passed()
