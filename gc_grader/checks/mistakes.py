"""The reference gradient checks, and the same checks with one known mistake each.

A hidden test that sees a wrong difference asks which known mistake gives exactly
that number on the same inputs, and then tells the student in one sentence what is
most likely wrong (the sentences live in ``public_tests.HINTS``, the only copy, so
the public tests can use them too).

Relative differences are computed with Python arithmetic on floats, not with
numpy's norm, so a student who replaces ``np.linalg.norm`` cannot bend the
expected values: float operators cannot be monkeypatched.
"""

import numpy as np

import gc_utils
from gc_grader.checks import network

MISTAKES_1D = ("divides_by_epsilon", "precedence", "one_sided", "grad_is_gradapprox", "fixed_step", "no_denominator")
MISTAKES_ND = ("divides_by_epsilon", "precedence", "one_sided", "fixed_step", "no_denominator", "no_copy", "copy_once",
               "whole_vector", "grad_is_gradapprox")


def _floats(values):
    """Flatten a number, a list or an array into a list of Python floats."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, list):
        return [item for value in values for item in _floats(value)]
    return [float(values)]


def norm(values):
    """Euclidean norm, with Python float arithmetic only."""
    total = 0.0
    for value in _floats(values):
        total += value * value
    return total ** 0.5


def relative_difference(grad, approx, mistake=None):
    """Formula (2): ||grad - approx|| / (||grad|| + ||approx||), or its numerator alone."""
    grad, approx = _floats(grad), _floats(approx)
    numerator = norm([g - a for g, a in zip(grad, approx)])
    return numerator if mistake == "no_denominator" else numerator / (norm(grad) + norm(approx))


#: The fixed step of the mistake "fixed_step": theta is moved by it, whatever epsilon is,
#: though J_plus - J_minus is still divided by 2 * epsilon.
FIXED_STEP = 1e-7


def _estimate(J_plus, J_minus, epsilon, mistake):
    """The right side of formula (1), or one of its usual misspellings."""
    if mistake in ("divides_by_epsilon", "one_sided"):
        return (J_plus - J_minus) / epsilon
    if mistake == "precedence":
        return (J_plus - J_minus) / 2 * epsilon
    return (J_plus - J_minus) / (2 * epsilon)


def gradient_check_1d(forward, backward, x, theta, epsilon, mistake=None):
    """Exercise 3 done right (mistake=None) or with one of MISTAKES_1D."""
    step = FIXED_STEP if mistake == "fixed_step" else epsilon
    J_plus = forward(x, theta + step)
    J_minus = forward(x, theta if mistake == "one_sided" else theta - step)
    approx = _estimate(J_plus, J_minus, epsilon, mistake)
    grad = approx if mistake == "grad_is_gradapprox" else backward(x, theta)
    return relative_difference(grad, approx, mistake)


def _perturbed(values, shared, i, step, mistake):
    """The parameter vector with entry i moved by ``step``, as a mistake would build it."""
    if mistake == "whole_vector":
        return values + step
    if mistake == "no_copy":
        target = values                 # the original vector itself
    elif mistake == "copy_once":
        target = shared                 # one copy made before the loop
    else:
        target = np.copy(values)
    target[i] = target[i] + step
    return target


def gradient_check_nd(forward_n, parameters, gradients, X, Y, epsilon, mistake=None):
    """Exercise 4 done right (mistake=None) or with one of MISTAKES_ND.

    Done right with the known-good network, its 94 costs come from one stacked pass
    (``network.perturbed_costs``: the same figures to the last bit, in 2 ms instead of 7)."""
    values, _ = gc_utils.dictionary_to_vector(parameters)
    grad = gc_utils.gradients_to_vector(gradients)
    if mistake is None and forward_n is network.forward_propagation_n:
        J_plus, J_minus = network.perturbed_costs(X, Y, values, epsilon)
        return relative_difference(grad, [_estimate(float(plus), float(minus), epsilon, None)
                                          for plus, minus in zip(J_plus, J_minus)])
    shared_plus, shared_minus = np.copy(values), np.copy(values)
    step = FIXED_STEP if mistake == "fixed_step" else epsilon
    approx = []
    for i in range(values.shape[0]):
        plus = _perturbed(values, shared_plus, i, step, mistake)
        J_plus, _ = forward_n(X, Y, gc_utils.vector_to_dictionary(plus))
        if mistake == "one_sided":
            minus = np.copy(values)
        else:
            minus = _perturbed(values, shared_minus, i, -step, mistake)
        J_minus, _ = forward_n(X, Y, gc_utils.vector_to_dictionary(minus))
        approx.append(_estimate(float(J_plus), float(J_minus), epsilon, mistake))
    if mistake == "grad_is_gradapprox":
        grad = approx
    return relative_difference(grad, approx, mistake)


def name_the_mistake(cases, rtol):
    """The known mistake that reproduces the student's result on every case, or None.

    ``cases`` is a list of (obtained, expected, simulated), where ``simulated`` maps
    mistake names to zero-argument functions giving that mistake's result on the
    case. One case can be ambiguous (two mistakes may both give 1.0 there); all of
    them together rarely are. A mistake that gives the expected value everywhere
    explains nothing and is never named.
    """
    def close(a, b):
        return a == b or abs(a - b) <= rtol * abs(b)
    names = list(cases[0][2]) if cases else []
    for name in names:
        explains, differs = True, False
        for obtained, expected, simulated in cases:
            value = simulated[name]()          # simulations are slow: stop at the first mismatch
            if not close(obtained, value):
                explains = False
                break
            differs = differs or not close(value, expected)
        if explains and differs:
            return name
    return None
