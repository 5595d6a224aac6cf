"""The grader's known-good forward pass of the notebook's network, under its old name, and the
costs of many parameter vectors at once.

The one copy of the forward pass lives in the shipped helper ``gc_utils``
(``reference_forward_propagation_n``), where the public test of gradient_check_n uses it too;
this module re-exports it so that ``from gc_grader.checks.network import forward_propagation_n``
keeps working. tests/checks/test_reference.py proves it computes exactly what the notebook's
cell computes.

Why ``perturbed_costs``: the judge's reference for exercise 4 (and the true gradients of each
student's hidden network) moves every one of the 47 parameters by +epsilon and by -epsilon,
alone, and takes the cost of each: 94 calls of the forward pass per figure. For the four
figures of a student's reference that was 29 ms of the worker's CPU, nearly all of it Python's
and numpy's overhead per call on arrays of a few dozen numbers; from one stacked pass per
figure it is 8 ms (and a hidden network's true gradients 3.4 instead of 8.8 ms).

Why every cost is the same to the last bit as a call's (tests/checks/test_reference.py
compares them on 60 drawn networks and every epsilon of the hidden cases):
- each product is ``np.dot`` of one matrix by one matrix of the same shapes as in the call;
- the elementwise steps (``+``, ``gc_utils.relu``, ``gc_utils.sigmoid``, ``np.log``, ``*``) run
  on the stack, where numpy computes every element alone, with the kernel it picks by dtype and
  strides (both contiguous here), not by the array's length;
- each cost sums its own row, a contiguous (1, m) array as in the call, in the same order.
The products rest on one assumption: that the BLAS gives the same result for the same shapes
whatever the alignment of the arrays (the stacked blocks are views at offsets of a few bytes,
a call's arrays fresh allocations). OpenBLAS picks its kernels by shape; the test checks it on
the machine that runs it.
"""

import numpy as np

from gc_utils import DEFAULT_SHAPES, relu, sigmoid
from gc_utils import reference_forward_propagation_n as forward_propagation_n  # noqa: F401


def costs(X, Y, thetas):
    """The cost ``forward_propagation_n`` gives for each row of ``thetas`` (k vectors of the 47
    parameters, in ``gc_utils.dictionary_to_vector``'s order), as an array of k floats."""
    k, m = thetas.shape[0], X.shape[1]
    sizes = {name: int(np.prod(shape)) for name, shape in DEFAULT_SHAPES.items()}
    if sum(sizes.values()) != thetas.shape[1]:
        raise ValueError(f"expected vectors of {sum(sizes.values())} parameters, got {thetas.shape[1]}")
    blocks, start = {}, 0
    for name, shape in DEFAULT_SHAPES.items():
        blocks[name] = np.ascontiguousarray(thetas[:, start:start + sizes[name]]).reshape((k, *shape))
        start += sizes[name]
    Z1 = np.stack([np.dot(W1, X) for W1 in blocks["W1"]]) + blocks["b1"]
    A1 = relu(Z1)
    Z2 = np.stack([np.dot(W2, a1) for W2, a1 in zip(blocks["W2"], A1)]) + blocks["b2"]
    A2 = relu(Z2)
    Z3 = np.stack([np.dot(W3, a2) for W3, a2 in zip(blocks["W3"], A2)]) + blocks["b3"]
    A3 = sigmoid(Z3)
    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return np.array([1. / m * np.sum(row) for row in log_probs])


def perturbed_costs(X, Y, theta, step):
    """(J_plus, J_minus): the costs with each entry i of ``theta`` (shape (n, 1)) moved alone,
    by +step (``theta[i] + step``), then by -step (``theta[i] - step``); arrays of n floats."""
    values = theta[:, 0]
    n = values.shape[0]
    diagonal = np.arange(n)
    plus, minus = np.tile(values, (n, 1)), np.tile(values, (n, 1))
    plus[diagonal, diagonal] = values + step
    minus[diagonal, diagonal] = values - step
    return costs(X, Y, plus), costs(X, Y, minus)
