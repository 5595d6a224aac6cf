"""How the error of a numerical derivative depends on epsilon: the numbers behind the explorers.

A finite difference makes two errors that pull in opposite directions. Truncation error
shrinks with epsilon (like epsilon squared for the centered difference, like epsilon for
the forward one). Round-off error grows as epsilon shrinks, because J(theta + eps) and
J(theta - eps) agree in more and more leading digits, and subtracting them keeps only
the digits that differ: about u * |J| / eps, where u is the spacing of floating-point
numbers near 1 (2.2e-16 in float64, 1.2e-7 in float32). On a log-log plot of error
against epsilon the two make a V whose floor sits at an epsilon near the cube root of u
for the centered difference (6e-6 in float64, 5e-3 in float32) and near the square root of u
for the forward one (1.5e-8). The complex step, Im J(theta + i*eps) / eps, subtracts
nothing, so it has no round-off branch at all.

Everything here is a pure function of its arguments: the widgets in ``gc_explorer``
only draw what this module computes, and the tests check these numbers directly.

Why directional derivatives for the network: gradient checking the network entry by
entry is exercise 4, and this module ships to students. So the network is probed along
one direction d (in all 47 parameters, or in one block such as W2): the estimate is the
slope of t -> J(theta + t * d), two forward passes, compared with backprop's gradient
dotted with d. That shows everything about epsilon, and which block is wrong, without ever
building the per-entry estimate the exercise asks for.

Why a verdict has three values: a difference above the threshold can be the gradient's
fault or the step's (rounding, truncation, a ReLU kink within epsilon). ``judge`` measures how
far the step alone can move the estimate, from the estimate's own behaviour; only a
difference far beyond that blames the gradient ("disagrees"), one within it is "unsure".

What this module says in words (a line's label, an error's message) is marked for
translation (see ``gc_i18n``) and comes out in the edition's language; its identifiers
(METHODS, PRECISIONS, the verdicts, the block names) are English in every edition, since
code compares them.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from gc_i18n import _
from gc_utils import DEFAULT_SHAPES, dictionary_to_vector, gradients_to_vector, vector_to_dictionary
from testCases import gradient_check_n_test_case

#: Below this relative difference (at epsilon = 1e-7) the notebook calls a gradient right.
THRESHOLD = 2e-7

METHODS = ("centered", "forward", "complex-step")
PRECISIONS = ("float64", "float32")
#: The 1-D costs on offer: the assignment's linear J = theta * x, and a curved one whose
#: truncation error is not zero, so that the V appears.
ONE_D_MODELS = ("linear", "sine")

#: The default sweep: 4 epsilons per decade from 1e-16 to 1e-1.
EPSILONS = np.logspace(-16, -1, 61)

_REAL = {"float64": np.float64, "float32": np.float32}
_COMPLEX = {"float64": np.complex128, "float32": np.complex64}


def unit_roundoff(precision):
    """Spacing of floating-point numbers near 1: 2.2e-16 for float64, 1.2e-7 for float32."""
    return float(np.finfo(_real(precision)).eps)


def relative_difference(grad, gradapprox):
    """Formula (2) of the notebook: |grad - gradapprox| / (|grad| + |gradapprox|).

    Returns 0.0 when both are zero, since then they agree exactly.
    """
    gap = np.linalg.norm(np.subtract(grad, gradapprox, dtype=np.float64))
    scale = np.linalg.norm(np.asarray(grad, np.float64)) + np.linalg.norm(np.asarray(gradapprox, np.float64))
    return float(gap / scale) if scale else 0.0


@dataclass(frozen=True)
class Line:
    """A cost restricted to the line theta + t * d, and backprop's slope along it.

    ``cost(theta, dtype)`` evaluates J at a parameter vector whose entries have type
    ``dtype`` (real or complex); ``slope(precision)`` is what backpropagation says
    dJ/dt is at t = 0, in that precision.
    """

    label: str
    point: np.ndarray
    direction: np.ndarray
    cost: Callable
    slope: Callable
    #: False when J has a kink near the point: then no truncation model holds.
    smooth: bool = True

    def at(self, step, dtype):
        """J(theta + step * d), every operation in ``dtype``."""
        dtype = np.dtype(dtype).type
        return self.cost(self.point.astype(dtype) + dtype(step) * self.direction.astype(dtype), dtype)


@dataclass(frozen=True)
class Check:
    """One gradient check at one epsilon: the estimate, backprop's value and formula (2)."""

    epsilon: float
    gradapprox: float
    grad: float
    difference: float

    @property
    def passed(self):
        return self.difference < THRESHOLD


def estimate(line, epsilon, method="centered", precision="float64"):
    """The numerical slope of ``line`` at t = 0 with step ``epsilon``, in ``precision``."""
    _method(method)
    real = _real(precision)
    eps = real(epsilon)
    if eps == 0:
        raise ValueError(_("epsilon={epsilon} is zero in {precision}").format(epsilon=repr(epsilon),
                                                                              precision=precision))
    if method == "centered":
        value = (line.at(eps, real) - line.at(-eps, real)) / (real(2) * eps)
    elif method == "forward":
        value = (line.at(eps, real) - line.at(0, real)) / eps
    else:
        complex_type = _COMPLEX[precision]
        value = np.imag(line.at(complex_type(1j) * complex_type(eps), complex_type)) / eps
    return float(value)


def check(line, epsilon, method="centered", precision="float64"):
    """Gradient check of ``line`` at one epsilon (see ``Check``)."""
    gradapprox = estimate(line, epsilon, method, precision)
    grad = float(line.slope(precision))
    return Check(float(epsilon), gradapprox, grad, relative_difference(grad, gradapprox))


@dataclass(frozen=True)
class Sweep:
    """The error curve over many epsilons, with its model.

    ``truncation`` and ``roundoff`` are the two asymptotes (as relative differences, an
    array per epsilon, or None when that error is absent), ``optimum`` the epsilon where
    their sum is smallest (None when the curve has no V), ``best`` the epsilon of the
    smallest difference actually measured.
    """

    method: str
    precision: str
    epsilons: np.ndarray
    differences: np.ndarray
    truncation: Optional[np.ndarray]
    roundoff: Optional[np.ndarray]
    optimum: Optional[float]
    best: float

    @property
    def exact(self):
        """Where the estimate equals backprop's slope exactly (a difference of 0)."""
        return self.differences == 0

    @property
    def shown(self):
        """The differences as a log axis can draw them (see ``loggable``)."""
        return loggable(self.differences)


def loggable(values):
    """``values`` with every exact 0 (or negative) as NaN, which a plot leaves out as a gap.

    log 0 is minus infinity: matplotlib clips it to the bottom of the axis and draws a
    spike down to it, as if the error had plunged there, when it simply vanished.
    """
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def sweep(line, method="centered", precision="float64", epsilons=EPSILONS):
    """Check ``line`` at every epsilon, and model the curve with its two asymptotes."""
    epsilons = np.asarray(epsilons, dtype=np.float64)
    differences = np.array([check(line, e, method, precision).difference for e in epsilons])
    truncation, roundoff, optimum = _error_model(line, method, precision, epsilons)
    # The lowest difference that can be drawn: an exact 0 is below any floor, and off the plot.
    shown = loggable(differences)
    best = float(epsilons[np.nanargmin(shown)]) if np.any(np.isfinite(shown)) else float(epsilons[-1])
    return Sweep(method, precision, epsilons, differences, truncation, roundoff, optimum, best)


def _error_model(line, method, precision, epsilons):
    """Asymptotes of the relative difference, from derivatives of J along the line.

    The truncation error of the centered (and complex-step) estimate is about
    |J'''| eps^2 / 6, that of the forward one |J''| eps / 2; round-off adds about
    u |J| / eps, except for the complex step. Dividing by 2 |J'| turns an error of the
    slope into formula (2). The derivatives come from wide float64 differences, where
    rounding is negligible (J' too: backprop's slope may be the wrong one). Near a kink
    those differences mean nothing, so a line that is not smooth gets no truncation line
    and no optimum.
    """
    u = unit_roundoff(precision)
    h = 1e-2
    f = [line.at(k * h, np.float64) for k in (-2, -1, 0, 1, 2)]
    second = (f[3] - 2 * f[2] + f[1]) / h ** 2
    third = (f[4] - 2 * f[3] + 2 * f[1] - f[0]) / (2 * h ** 3)
    scale = 2 * abs((f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)) or 1.0
    size = abs(f[2]) or 1.0
    curvature = abs(third) / 6 if method != "forward" else abs(second) / 2
    power = 1 if method == "forward" else 2
    # Below this, a derivative of J is float64 noise: J is straight along the line.
    flat = curvature < 1e-9 * max(size, 1.0) or not line.smooth
    truncation = None if flat else curvature * epsilons ** power / scale
    roundoff = None if method == "complex-step" else u * size / epsilons / scale
    optimum = None
    if truncation is not None and roundoff is not None:
        # d/de (c e^p + r / e) = 0  ->  e = (r / (p c)) ** (1 / (p + 1))
        optimum = float((u * size / (power * curvature)) ** (1 / (power + 1)))
    return truncation, roundoff, optimum


# --- the 1-D model of exercises 1-3 -----------------------------------------------------

def one_d_line(model="linear", x=2.0, theta=4.0):
    """The 1-D cost as a Line through ``theta`` (direction 1).

    "linear" is the assignment's J = theta * x: its centered difference has no
    truncation error, so only rounding shows. "sine" is J = x * sin(theta), curved
    enough for the full V.
    """
    if model not in ONE_D_MODELS:
        raise ValueError(_("model must be one of {models}, not {model}").format(models=ONE_D_MODELS,
                                                                                model=repr(model)))
    point = np.array([float(theta)])
    if model == "linear":
        def cost(th, dtype):
            return dtype(x) * th[0]

        def slope(precision):
            return _real(precision)(x)
    else:
        def cost(th, dtype):
            return dtype(x) * np.sin(th[0])

        def slope(precision):
            real = _real(precision)
            return real(x) * np.cos(real(theta))
    label = "J = θ·x" if model == "linear" else "J = x·sin θ"
    return Line(label, point, np.array([1.0]), cost, slope)


# --- the 3-layer network of exercise 4 ---------------------------------------------------

#: In the "kink" variant, the centered check along the network's probe direction (in all
#: 47 parameters) crosses a ReLU's kink for every epsilon above this one.
KINK_CROSSING = 5e-8


def network_case(kink=False):
    """``X, Y, parameters`` of the notebook's network (gradient_check_n_test_case).

    With ``kink=True``, b1 is shifted so that one first-layer pre-activation (of the unit
    that matters most downstream) sits just above zero: so close that a step of epsilon
    along the probe direction of ``network_line`` crosses the kink once epsilon exceeds
    KINK_CROSSING. The distance is KINK_CROSSING times the speed at which that direction
    moves the pre-activation.
    """
    X, Y, parameters = gradient_check_n_test_case()
    if kink:
        Z1 = parameters["W1"] @ X + parameters["b1"]
        weight = np.abs(parameters["W2"]).sum(axis=0)[:, None] * (Z1 > 0)
        k, j = np.unravel_index(np.argmax(weight), weight.shape)
        point = dictionary_to_vector(parameters)[0].ravel()
        claimed = _claimed_gradient(reference_backprop, point, X, Y, "float64")
        step = vector_to_dictionary(_direction(claimed, np.ones(point.size, dtype=bool), [0, 0]))
        speed = abs(step["W1"][k] @ X[:, j] + step["b1"][k, 0])
        parameters["b1"] = parameters["b1"].copy()
        parameters["b1"][k, 0] += KINK_CROSSING * speed - Z1[k, j]
    return X, Y, parameters


def network_cost(parameters, X, Y):
    """The logistic cost of the notebook's forward_propagation_n, and its cache.

    The same function, evaluated without cancellation. The notebook takes log(1 - A3),
    and on its third example A3 = 0.9989: 1 - A3 loses three of its sixteen digits, so
    the J it returns is off by a few 1e-14, a hundred times the rounding of J itself.
    A difference quotient divides that by 2 epsilon: at epsilon = 1e-7 it alone pushes the
    blocks with small gradients (b1, b2, b3) above the threshold, and the explorer would
    show the error of one line of the cost instead of the step's. Here
    -log(A3) = softplus(-Z3) and -log(1 - A3) = softplus(Z3), which subtract nothing.
    (The cache, and so every gradient, is the notebook's.)

    Written for any dtype, complex included (for the complex step): the ReLU keeps
    z where its real part is positive instead of taking a maximum.
    """
    dtype = np.asarray(parameters["W1"]).dtype.type
    X = np.asarray(X).astype(dtype)
    Y = np.asarray(Y).astype(dtype)
    m = X.shape[1]
    W1, b1, W2, b2, W3, b3 = (parameters[name] for name in DEFAULT_SHAPES)
    Z1 = W1 @ X + b1
    A1 = np.where(Z1.real > 0, Z1, 0).astype(dtype)
    Z2 = W2 @ A1 + b2
    A2 = np.where(Z2.real > 0, Z2, 0).astype(dtype)
    Z3 = W3 @ A2 + b3
    A3 = dtype(1) / (dtype(1) + np.exp(-Z3))
    log_probs = _softplus(-Z3) * Y + _softplus(Z3) * (dtype(1) - Y)
    cost = np.sum(log_probs) / dtype(m)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def _softplus(z):
    """log(1 + exp(z)) without overflow or cancellation, for real and complex z.

    For Re z > 0 it is z + log1p(exp(-z)), else log1p(exp(z)): exp never sees a positive
    real part, and log1p keeps every digit of a small argument. Each branch is analytic,
    so the complex step goes through.
    """
    dtype = z.dtype.type
    ahead = z.real > 0
    return np.where(ahead, z, dtype(0)) + np.log1p(np.exp(np.where(ahead, -z, z)))


def reference_backprop(X, Y, cache):
    """Correct gradients of ``network_cost``, with the notebook's signature and keys.

    Works layer by layer from the top: the gradient of each pre-activation gives that
    layer's weight and bias gradients and, through the weights and the ReLU mask, the
    gradient of the pre-activation below.
    """
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    m = X.shape[1]
    layers = [(3, W3, A2, Z2), (2, W2, A1, Z1), (1, W1, np.asarray(X).astype(A1.dtype), None)]
    gradients = {}
    dZ = A3 - np.asarray(Y).astype(A3.dtype)
    for number, W, below, Z_below in layers:
        gradients[f"dZ{number}"] = dZ
        gradients[f"dW{number}"] = dZ @ below.T / m
        gradients[f"db{number}"] = dZ.sum(axis=1, keepdims=True) / m
        if Z_below is not None:
            dA = W.T @ dZ
            gradients[f"dA{number - 1}"] = dA
            dZ = dA * (Z_below > 0)
    return gradients


def _direction(gradient, mask, seed):
    """Half backprop's own gradient, half a fixed random direction, in ``mask``; length 1.

    Along the claimed gradient, the slope a backprop predicts is as large as it can be,
    so rounding blurs the comparison least, and a gradient off by a factor (the bugs of
    this notebook) shows that factor in full. But a probe along the claimed gradient
    alone cannot see an error that leaves it unchanged where it is not zero (a row of
    dW1 set to zero, say); the random half sees every entry. The same seed gives the
    same direction.
    """
    random = np.random.default_rng(seed).standard_normal(mask.size) * mask
    direction = random / np.linalg.norm(random)
    claimed = np.where(mask, gradient, 0.0)
    if np.any(claimed):
        claimed = claimed / np.linalg.norm(claimed)
        # Turned to the claimed side, so that the two halves can never cancel.
        direction = (direction if direction @ claimed >= 0 else -direction) + claimed
    return direction / np.linalg.norm(direction)


def _block_masks():
    """Name -> boolean mask over the 47-entry vector, one per parameter block."""
    sizes = [int(np.prod(shape)) for shape in DEFAULT_SHAPES.values()]
    ends = np.cumsum(sizes)
    index = np.arange(ends[-1])
    return {name: (index >= end - size) & (index < end)
            for name, size, end in zip(DEFAULT_SHAPES, sizes, ends)}


def network_line(backprop=reference_backprop, kink=False, block=None, seed=0):
    """The network's cost along a direction in one ``block`` (such as "W2") or in all 47 parameters.

    The direction mixes backprop's own gradient with a fixed random one (see _direction).

    ``backprop(X, Y, cache)`` gives the gradients to judge, e.g. the notebook's
    backward_propagation_n with its bugs, or ``reference_backprop``.
    """
    X, Y, parameters = network_case(kink)
    point = dictionary_to_vector(parameters)[0].ravel()
    masks = _block_masks()
    if block is not None and block not in masks:
        raise ValueError(_("block must be one of {blocks}, not {block}").format(blocks=list(masks),
                                                                                block=repr(block)))
    mask = masks[block] if block is not None else np.ones(point.size, dtype=bool)
    claimed = _claimed_gradient(backprop, point, X, Y, "float64")
    block_number = list(masks).index(block) + 1 if block is not None else 0
    direction = _direction(claimed, mask, [seed, block_number])

    def cost(theta, dtype):
        return network_cost(vector_to_dictionary(theta), X, Y)[0]

    def along(gradient, real):
        return real(gradient.astype(real) @ direction.astype(real))

    # Backprop's slope once per precision (float64's from the gradient just computed): a sweep
    # asks for it at every epsilon, and a backprop gives the same gradient for the same inputs.
    slopes = {"float64": along(claimed, np.float64)}

    def slope(precision):
        if precision not in slopes:
            real = _real(precision)
            slopes[precision] = along(_claimed_gradient(backprop, point, X, Y, precision), real)
        return slopes[precision]

    return Line(_network_label(block, kink), point, direction, cost, slope, smooth=not kink)


def _network_label(block, kink):
    """The label of a network Line (a plot's title shows it), in the edition's language."""
    if block is None:
        return (_("network, direction in all 47 parameters, ReLU kink") if kink
                else _("network, direction in all 47 parameters"))
    return (_("network, direction in {block}, ReLU kink") if kink
            else _("network, direction in {block}")).format(block=block)


def _claimed_gradient(backprop, point, X, Y, precision):
    """The 47-entry gradient that ``backprop`` computes at ``point``, in ``precision``."""
    real = _real(precision)
    cache = network_cost(vector_to_dictionary(point.astype(real)), X, Y)[1]
    # Y in the same precision: an integer Y would quietly turn float32 gradients into float64.
    return gradients_to_vector(backprop(X.astype(real), np.asarray(Y).astype(real), cache)).ravel()


#: A check "disagrees" only when its difference is this many times what the step alone can
#: explain (its uncertainty); between the threshold and that, it is "unsure".
STEADY = 10


@dataclass(frozen=True)
class Judgement:
    """A check, and how much of its difference the step alone can explain.

    ``uncertainty`` is in the units of the difference (formula (2)): how far rounding,
    truncation or a kink within epsilon can move the estimate, whatever the gradient
    (see ``judge``).
    """

    check: Check
    uncertainty: float

    @property
    def verdict(self):
        """"agrees", "disagrees" (the gradient is to blame) or "unsure" (the step may be).

        Below the threshold a gradient agrees, as in the notebook. Above it, the gradient
        is blamed only when the difference is far beyond what the step can explain, or
        when backprop's own value is not a number (no step is to blame for that).
        """
        if self.check.passed:
            return "agrees"
        if not np.isfinite(self.check.grad) or self.check.difference > STEADY * self.uncertainty:
            return "disagrees"
        return "unsure"


def judge(line, epsilon, method="centered", precision="float64"):
    """Check ``line`` at ``epsilon`` (see ``check``) and measure the step's own error (see ``Judgement``)."""
    result = check(line, epsilon, method, precision)
    scale = abs(result.grad) + abs(result.gradapprox)
    error = step_error(line, epsilon, method, precision, result.gradapprox)
    return Judgement(result, error / scale if scale else 0.0)


def step_error(line, epsilon, method="centered", precision="float64", gradapprox=None):
    """How far the estimate at ``epsilon`` can be from the true slope whatever the gradient, in slope units.

    The largest of three signs, each measured on the cost itself, never on backprop
    (which may be the thing that is wrong):
    - drift: how much the estimate moves from epsilon to 2 epsilon. Truncation grows with
      the step and rounding changes at random, so both move it; a wrong gradient does not.
    - resolution: the spacing of floating-point numbers near J over the width of the
      difference (see ``_resolution``). Drift can be zero by luck, resolution cannot:
      when theta + epsilon rounds back to theta (float32 at 1e-7), the estimate is 0 at
      epsilon and at 2 epsilon, and says nothing.
    - bend: how much the two one-sided slopes at theta differ (see ``_bend``): about
      J'' epsilon on a smooth cost, the whole jump in slope across a ReLU kink.
    """
    if gradapprox is None:
        gradapprox = estimate(line, epsilon, method, precision)
    drift = abs(estimate(line, 2 * epsilon, method, precision) - gradapprox)
    resolution = _resolution(line, epsilon, method, precision, gradapprox)
    bend = _bend(line, epsilon, precision) if method != "complex-step" else 0.0
    return max(drift, resolution, bend)


def _resolution(line, epsilon, method, precision, gradapprox):
    """The finest slope a difference quotient can tell apart at this step.

    J(theta + epsilon) and J(theta - epsilon) are numbers of the given precision, at least
    one spacing apart unless equal, so their quotient moves in steps of spacing(J) / (2
    epsilon) (forward: over epsilon). The complex step subtracts nothing: its estimate is
    as fine as the spacing of its own value.
    """
    real = _real(precision)
    if method == "complex-step":
        return float(np.spacing(real(abs(gradapprox))))
    width = float(real(epsilon)) * (2 if method == "centered" else 1)
    return float(np.spacing(abs(line.at(0, real)))) / width


def _bend(line, epsilon, precision):
    """|forward slope - backward slope| at theta, over the step epsilon.

    On a smooth cost they differ by about J'' epsilon (plus rounding). When a ReLU kink lies
    within epsilon, they differ by the jump in slope however small epsilon is, and the
    centered difference averages the two sides instead of measuring either. The J values
    are subtracted in float64, where the difference of two float32 numbers is exact.
    """
    real = _real(precision)
    step = real(epsilon)
    ahead, here, behind = (float(line.at(t, real)) for t in (step, 0, -step))
    return abs((ahead - here) - (here - behind)) / float(step)


@dataclass(frozen=True)
class BlockCheck(Judgement):
    """The judgement of one parameter block, checked along a direction in that block only."""

    block: str
    size: int


def block_lines(backprop=reference_backprop, kink=False, seed=0):
    """Block name -> the network's Line along a direction in that block only."""
    return {block: network_line(backprop, kink=kink, block=block, seed=seed) for block in DEFAULT_SHAPES}


def block_breakdown(backprop=reference_backprop, epsilon=1e-7, method="centered",
                    precision="float64", kink=False, seed=0, lines=None):
    """Judge each of W1, b1, W2, b2, W3, b3 along its own direction (see ``judge``).

    A handful of forward passes per block (at 0, plus and minus epsilon, and 2 epsilon):
    enough to say which gradients disagree and by how much, without building the
    per-entry estimate of exercise 4. ``lines``, from ``block_lines``, saves building the
    lines again when only epsilon, method or precision change (the explorer keeps them).
    """
    lines = lines if lines is not None else block_lines(backprop, kink, seed)
    results = []
    for block, line in lines.items():
        judged = judge(line, epsilon, method, precision)
        results.append(BlockCheck(judged.check, judged.uncertainty, block, int(np.prod(DEFAULT_SHAPES[block]))))
    return results


def _real(precision):
    if precision not in _REAL:
        raise ValueError(_("precision must be one of {precisions}, not {precision}").format(
            precisions=PRECISIONS, precision=repr(precision)))
    return _REAL[precision]


def _method(method):
    if method not in METHODS:
        raise ValueError(_("method must be one of {methods}, not {method}").format(methods=METHODS,
                                                                                   method=repr(method)))
