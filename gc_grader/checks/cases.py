"""The hidden inputs of every exercise: fixed ones for the in-kernel test cells, or
others drawn from a seed (one per student and exercise) for the outside judge.

They are chosen so that every correct formula passes and every known mistake shows:
- exercises 1 and 2: a few (x, theta) pairs, compared exactly;
- exercise 3: the cubic model J = x * theta**3 at epsilons where a centered difference
  is measurably better than a one-sided one, and a case whose backward pass is wrong;
- exercise 4: another network and data, with the two planted bugs, gradients with a
  small known error, and the right gradients at an epsilon where the result depends on
  epsilon (so an answer that ignores its epsilon argument is caught).

Expected values are real signals, never rounding noise; ``verdicts`` computes them.
"""

import copy
import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

import gc_utils
import testCases
from gc_i18n import N_, _
from gc_grader.checks import network
from gc_grader.checks.network import forward_propagation_n as known_good_forward_n

# The 1-D models: the public tests' own (one copy, in the shipped public_tests, where the
# runner finds them in the sandbox too).
from public_tests import _cubic_cost as cubic_forward  # noqa: E402
from public_tests import _cubic_cost_derivative as cubic_backward  # noqa: E402
from public_tests import _linear_cost as linear_forward  # noqa: E402,F401
from public_tests import _linear_cost_derivative as linear_backward  # noqa: E402,F401
from public_tests import _wrong_cubic_cost_derivative as twice_cubic_backward  # noqa: E402

# ---------------------------------------------------------------- exercises 1 and 2

_SIMPLE_CASES = [(3.0, -1.5), (-0.7, 2.3), (0.0, 5.0), (12.5, 0.08)]


def simple_cases(seed=None):
    """The hidden (x, theta) of exercises 1 and 2: fixed, or drawn from ``seed``."""
    if seed is None:
        return _SIMPLE_CASES
    rng = np.random.RandomState(seed)
    return [(float(round(rng.uniform(-5, 5), 3)), float(round(rng.uniform(-5, 5), 3))) for _case in range(4)]


# ---------------------------------------------------------------- exercise 3


@dataclass(frozen=True)
class CheckCase:
    """One call of gradient_check on the cubic model, with the backward pass it is given."""
    x: float
    theta: float
    epsilon: float
    backward: Callable

    def call(self):
        return _("{call} on the model {model}").format(
            call=f"gradient_check(x={self.x}, theta={self.theta}, epsilon={self.epsilon})", model=_("J = x * theta**3"))


_GRADIENT_CHECK_CASES = [
    CheckCase(-0.7, 2.3, 1e-2, cubic_backward),
    CheckCase(1.3, 0.6, 1e-3, cubic_backward),
    CheckCase(0.45, -3.2, 1e-2, cubic_backward),
    CheckCase(7.0, 1.1, 1e-3, cubic_backward),
    CheckCase(3.0, -1.5, 1e-3, twice_cubic_backward),
]


def gradient_check_cases(seed=None):
    """The hidden cases of gradient_check: the fixed ones above, or others drawn from ``seed``."""
    if seed is None:
        return _GRADIENT_CHECK_CASES
    rng = np.random.RandomState(seed)
    signs = rng.choice([-1.0, 1.0], size=(5, 2))
    cases = [CheckCase(float(signs[i, 0] * rng.uniform(0.3, 3.0)), float(signs[i, 1] * rng.uniform(0.5, 2.5)),
                       1e-2 if i % 2 == 0 else 1e-3, cubic_backward) for i in range(4)]
    cases.append(CheckCase(float(signs[4, 0] * rng.uniform(0.3, 3.0)), float(signs[4, 1] * rng.uniform(0.5, 2.5)),
                           1e-3, twice_cubic_backward))
    return cases


# ---------------------------------------------------------------- exercise 4


@dataclass(frozen=True)
class HiddenNetwork:
    """Another network and data, and gradients for it by label (see GRADIENT_CHECK_N_CASES)."""
    X: np.ndarray
    Y: np.ndarray
    parameters: dict
    gradients: dict


def hidden_network(seed=None):
    """Another network, other data, and gradients with and without the two bugs.

    Without ``seed``: the fixed network of the in-kernel tests (6 examples). With it:
    one drawn from the seed, with 5 to 8 examples of both labels.

    Each call returns a copy of its own: the judge asks for a student's network twice (once
    for the request to the sandbox, once for the verdict), and drawing one takes about 3 ms
    (the true gradients, by finite differences over the 47 parameters, and the check that
    the network grades fairly), so the last few drawn are kept (``_drawn_network``), and a
    caller may change what it gets.
    """
    return copy.deepcopy(_drawn_network(seed))


@functools.lru_cache(maxsize=8)
def _drawn_network(seed):
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
    m = X.shape[1]
    return HiddenNetwork(X, Y, parameters, {label: testCases.as_backprop_output(gradients, m) for label, gradients in
                                            ((N_("with the two bugs"), buggy), (N_("1e-5 too large"), nearly), (N_("right"), fixed))})


def _true_gradients(X, Y, parameters):
    theta, _keys = gc_utils.dictionary_to_vector(parameters)
    J_plus, J_minus = network.perturbed_costs(X, Y, theta, 1e-6)
    true = [(plus - minus) / 2e-6 for plus, minus in zip(J_plus, J_minus)]
    return {"d" + name: value for name, value in gc_utils.vector_to_dictionary(np.array(true)).items()}


def _fair(X, Y, parameters, fixed, buggy):
    """Whether a drawn network can grade fairly. Not when its output saturates (sigmoid
    rounds to exactly 0 or 1, so the cost and every difference are inf or nan), nor when
    its ReLUs are so dead that the planted bugs change nothing (dW2 and db1 all zero)."""
    if np.max(np.abs(known_good_forward_n(X, Y, parameters)[1][8])) >= 15:
        return False
    right, wrong = gc_utils.gradients_to_vector(fixed), gc_utils.gradients_to_vector(buggy)
    return np.linalg.norm(wrong - right) > 1e-2 * (np.linalg.norm(wrong) + np.linalg.norm(right))


#: (gradients, epsilon): the bugs at two epsilons; gradients with a small known error at
#: epsilon 1e-4, where a one-sided difference is clearly worse than a centered one; and the
#: right gradients at epsilon 1e-2, where the result depends on epsilon (truncation error),
#: so a function that ignores its epsilon argument is caught.
GRADIENT_CHECK_N_CASES = [("with the two bugs", 1e-7), ("with the two bugs", 1e-5), ("1e-5 too large", 1e-4),
                          ("right", 1e-2)]


def gradient_check_n_call(label, epsilon):
    return _("gradient_check_n on another network (gradients {label}, epsilon={epsilon})").format(
        label=_(label), epsilon=epsilon)


# ---------------------------------------------------------------- what the outside judge runs


def network_callees():
    """What gradient_check_n calls, bound to the grader's own versions."""
    callees = {name: getattr(gc_utils, name)
               for name in ("dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector")}
    callees["forward_propagation_n"] = known_good_forward_n
    return callees


def judge_inputs(exercise, seed):
    """(arguments, callees) of every hidden case of ``exercise`` drawn from ``seed``, in order."""
    if exercise in ("forward_propagation", "backward_propagation"):
        return [((x, theta), {}) for x, theta in simple_cases(seed)]
    if exercise == "gradient_check":
        return [((case.x, case.theta, case.epsilon),
                 {"forward_propagation": cubic_forward, "backward_propagation": case.backward})
                for case in gradient_check_cases(seed)]
    network = hidden_network(seed)
    return [((network.parameters, network.gradients[label], network.X, network.Y, epsilon), network_callees())
            for label, epsilon in GRADIENT_CHECK_N_CASES]
