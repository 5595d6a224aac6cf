"""Verdicts: is what an answer returned on the hidden cases right, and if not, why?

Each ``judge_*`` takes ``obtain``, a function that gives the answer's result on one
case (run in the kernel, or read from the outside judge's report), and raises
CheckFailed with what was expected, what was obtained and, for every known mistake,
one plain sentence on what is most likely wrong. The sentences live in
``public_tests.HINTS`` (their only copy), so the public tests use them too.

Results are compared relatively, with float operators only (which no notebook can
monkeypatch); the expected values come from ``mistakes``, which uses no numpy norm.
"""

import math
import numbers
from functools import partial

import public_tests
import testCases
from gc_i18n import _
from gc_grader.checks import cases, mistakes
from gc_grader.checks.errors import CheckFailed
from gc_grader.checks.network import forward_propagation_n as known_good_forward_n

#: Relative tolerance of every hidden comparison, the public tests' own: the cases compare
#: real signals, so a correct formula is far inside it and a known mistake far outside.
RTOL = public_tests.RTOL
#: Tolerance for telling which simulated mistake reproduces a result.
MISTAKE_RTOL = public_tests.MISTAKE_RTOL
#: Simulated mistakes that share the sentence of another (the public tests' table).
_HINT_OF = public_tests.HINT_OF


def relatively_close(a, b, rtol=RTOL):
    return abs(a - b) <= rtol * abs(b)


def verdict(exercise, call, what, sentence):
    """A hidden check's verdict, laid out as the public tests lay theirs out: which function
    failed, the call, what went wrong (expected versus obtained), and one sentence."""
    first = _("{name} failed a hidden check.").format(name=exercise)
    return f"{first}\n  {call}\n  {what}\n  {sentence}"


def changed_parameters(exercise, call):
    return verdict(exercise, call, _("changed the parameters or gradients it was given"),
                   public_tests.hint("changed_parameters"))


def not_a_float(exercise, call, type_name, shape=None):
    """The verdict on a result that is not one number, with the public tests' sentence for it."""
    obtained = _("a numpy array of shape {shape}").format(shape=tuple(shape)) if shape is not None \
        else _("a value of type {type}").format(type=type_name)
    what = public_tests.expected_obtained(_("one float"), obtained)
    return verdict(exercise, call, what, public_tests.not_a_number_hint(exercise, type_name))


def _fail_naming_the_mistake(exercise, results):
    """Raise on the first case whose result is off, naming the mistake that explains them all.

    ``results`` holds (call, obtained, expected, simulated) for every case.
    """
    failed = [r for r in results if not relatively_close(r[1], r[2])]
    if not failed:
        return
    call, got, expected, _simulated = failed[0]
    name = mistakes.name_the_mistake([r[1:] for r in results], MISTAKE_RTOL)
    if name is None:
        name = "no_norm" if not all(0 <= r[1] <= 1 for r in results) else \
            "hard_coded" if len({r[1] for r in results}) == 1 else "unknown"
    sentence = public_tests.hint(_HINT_OF.get(name, name))
    raise CheckFailed(verdict(exercise, call, public_tests.expected_obtained(repr(expected), repr(got)), sentence))


# ---------------------------------------------------------------- exercises 1 and 2


def judge_simple(name, obtain, simple_cases):
    """Exercises 1 and 2: J = theta * x and dJ/dtheta = x, exactly, on every case.

    ``obtain(index, x, theta)`` gives the answer's result on a case.
    """
    for index, (x, theta) in enumerate(simple_cases):
        got = obtain(index, x, theta)
        expected = theta * x if name == "forward_propagation" else x
        if not (got == expected or relatively_close(got, expected, public_tests.SIMPLE_RTOL)):
            raise CheckFailed(verdict(name, f"{name}(x={x}, theta={theta})",
                                      public_tests.expected_obtained(repr(expected), repr(got)), public_tests.hint(name)))


# ---------------------------------------------------------------- exercise 3


def judge_gradient_check(obtain, check_cases, ns=None):
    """Exercise 3. ``obtain(index, case)`` gives the answer's difference on a CheckCase.

    The notebook's variables ``ns`` (in the kernel only) help name two mistakes: a stale
    global ``dtheta`` and the notebook's own x and theta.
    """
    results = []
    for index, case in enumerate(check_cases):
        got = obtain(index, case)
        x, theta, epsilon, backward = case.x, case.theta, case.epsilon, case.backward
        simulated = {name: partial(mistakes.gradient_check_1d, cases.cubic_forward, backward, x, theta, epsilon, name)
                     for name in mistakes.MISTAKES_1D}
        simulated["stale_dtheta"] = partial(_stale_dtheta, ns or {}, case)
        simulated["inline_model"] = partial(mistakes.gradient_check_1d, cases.linear_forward, backward,
                                            x, theta, epsilon)
        simulated["inline_gradient"] = partial(mistakes.gradient_check_1d, cases.cubic_forward, cases.linear_backward,
                                               x, theta, epsilon)
        simulated["notebook_values"] = partial(_notebook_values, ns or {"x": 2, "theta": 4}, case)
        simulated["ignores_epsilon"] = partial(mistakes.gradient_check_1d, cases.cubic_forward, backward,
                                               x, theta, 1e-7)
        expected = mistakes.gradient_check_1d(cases.cubic_forward, backward, x, theta, epsilon)
        results.append((case.call(), got, expected, simulated))
    _fail_naming_the_mistake("gradient_check", results)


def _stale_dtheta(ns, case):
    """gradient_check comparing with the notebook's dtheta instead of calling backward propagation."""
    stale = ns.get("dtheta")
    if not isinstance(stale, numbers.Real):
        return math.nan
    return mistakes.gradient_check_1d(cases.cubic_forward, lambda *_: stale, case.x, case.theta, case.epsilon)


def _notebook_values(ns, case):
    """gradient_check computing on the notebook's x and theta instead of its arguments."""
    x, theta = ns.get("x"), ns.get("theta")
    if not (isinstance(x, numbers.Real) and isinstance(theta, numbers.Real)):
        return math.nan
    return mistakes.gradient_check_1d(cases.cubic_forward, case.backward, x, theta, case.epsilon)


# ---------------------------------------------------------------- exercise 4


def judge_gradient_check_n(obtain, network):
    """Exercise 4 on a HiddenNetwork. ``obtain(index, label, epsilon)`` gives the answer's
    difference on one of ``cases.GRADIENT_CHECK_N_CASES``."""
    results = []
    for index, (label, epsilon) in enumerate(cases.GRADIENT_CHECK_N_CASES):
        got = obtain(index, label, epsilon)
        gradients = network.gradients[label]
        simulated = {name: partial(mistakes.gradient_check_nd, known_good_forward_n, network.parameters, gradients,
                                   network.X, network.Y, epsilon, name)
                     for name in mistakes.MISTAKES_ND}
        simulated["notebook_values"] = partial(_notebook_data, gradients, epsilon)
        simulated["ignores_epsilon"] = partial(mistakes.gradient_check_nd, known_good_forward_n, network.parameters,
                                               gradients, network.X, network.Y, 1e-7)
        expected = mistakes.gradient_check_nd(known_good_forward_n, network.parameters, gradients,
                                              network.X, network.Y, epsilon)
        results.append((cases.gradient_check_n_call(label, epsilon), got, expected, simulated))
    _fail_naming_the_mistake("gradient_check_n", results)


def _notebook_data(gradients, epsilon):
    """gradient_check_n computing on the notebook's test case instead of its X, Y and parameters."""
    X, Y, parameters = testCases.gradient_check_n_test_case()
    return mistakes.gradient_check_nd(known_good_forward_n, parameters, gradients, X, Y, epsilon)
