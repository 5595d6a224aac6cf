"""Small numerical helpers for the gradient-checking assignment.

Gradient checking works on *one* flat vector of parameters: perturb entry i,
re-run the cost, compare. Networks, on the other hand, keep their parameters in
a dictionary of matrices ("W1", "b1", ...). The functions here convert between
the two views, always in the same fixed order, so that entry i of the
parameter vector and entry i of the gradient vector talk about the same number.

The default layout is the assignment's 3-layer network (47 parameters):
W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1).
Any other network works too when you pass its ``shapes``: an ordered mapping
from parameter name to array shape.

``reference_forward_propagation_n`` is a known-good copy of the forward pass the
notebook gives you; the public tests use it (it is not a solution to any exercise).

This module is shipped to students, so it holds no solution to any exercise.
"""

import math

import numpy as np

#: Name -> shape of every parameter of the assignment's network, in the order
#: in which they are laid out in the flat vector.
DEFAULT_SHAPES = {
    "W1": (5, 4),
    "b1": (5, 1),
    "W2": (3, 5),
    "b2": (3, 1),
    "W3": (1, 3),
    "b3": (1, 1),
}


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), elementwise."""
    return 1 / (1 + np.exp(-x))


def relu(x):
    """Rectified linear unit max(0, x), elementwise."""
    return np.maximum(0, x)


def shapes_of(parameters):
    """Return the name -> shape mapping of a parameter dictionary, in its order.

    Handy for networks of other sizes:
    ``vector_to_dictionary(theta, shapes_of(parameters))``.
    """
    return {name: np.shape(value) for name, value in parameters.items()}


def _layout(shapes):
    """Validate ``shapes`` (or take the default) and return it as a dict."""
    if shapes is None:
        return DEFAULT_SHAPES
    layout = {}
    for name, shape in dict(shapes).items():
        shape = tuple(int(n) for n in np.atleast_1d(shape))
        if any(n < 0 for n in shape):
            raise ValueError(f"shape of {name!r} has a negative size: {shape}")
        layout[name] = shape
    return layout


def _stack(arrays_by_name, layout, prefix=""):
    """Flatten the arrays named ``prefix + name`` (row-major) into one column."""
    columns = []
    for name, shape in layout.items():
        key = prefix + name
        if key not in arrays_by_name:
            raise KeyError(f"{key!r} is missing; expected the keys "
                           f"{[prefix + n for n in layout]}")
        array = np.asarray(arrays_by_name[key], dtype=float)
        if array.shape != shape:
            raise ValueError(
                f"{key!r} has shape {array.shape} but the layout expects {shape}; "
                "for a network of other sizes pass shapes=shapes_of(parameters)")
        columns.append(array.reshape(-1, 1))
    return np.concatenate(columns, axis=0)


def dictionary_to_vector(parameters, shapes=None):
    """Flatten a parameter dictionary into one column vector.

    Arguments:
    parameters -- dictionary of arrays, by default "W1", "b1", "W2", "b2", "W3", "b3"
    shapes -- optional ordered mapping name -> shape; defaults to DEFAULT_SHAPES

    Returns:
    theta -- array of shape (number of parameters, 1): each matrix in turn, row by row
    keys -- list with, for every entry of theta, the name of the parameter it
            comes from (so keys[i] tells which matrix entry i belongs to)

    The vector is a fresh array: changing it never changes ``parameters``.
    """
    layout = _layout(shapes)
    theta = _stack(parameters, layout)
    keys = [name for name, shape in layout.items() for _ in range(math.prod(shape))]
    return theta, keys


def vector_to_dictionary(theta, shapes=None):
    """Rebuild the parameter dictionary from a flat vector (inverse of dictionary_to_vector).

    Arguments:
    theta -- array with one entry per parameter, shape (n, 1) or (n,)
    shapes -- optional ordered mapping name -> shape; defaults to DEFAULT_SHAPES

    Returns:
    parameters -- dictionary name -> array of the given shape. The arrays are
                  copies, so perturbing theta afterwards cannot silently change
                  a dictionary that was already built from it.
    """
    layout = _layout(shapes)
    flat = np.asarray(theta).reshape(-1)
    expected = sum(math.prod(shape) for shape in layout.values())
    if flat.size != expected:
        raise ValueError(f"theta has {flat.size} entries but the layout "
                         f"{dict(layout)} needs {expected}")
    parameters = {}
    start = 0
    for name, shape in layout.items():
        stop = start + math.prod(shape)
        parameters[name] = flat[start:stop].reshape(shape).copy()
        start = stop
    return parameters


def gradients_to_vector(gradients, shapes=None):
    """Flatten the parameter gradients ("dW1", "db1", ...) into one column vector.

    Only the gradients of parameters are stacked, in the same order as
    dictionary_to_vector, so entry i of both vectors refers to the same
    parameter. Intermediate gradients such as "dZ1" or "dA2" are ignored.
    """
    return _stack(gradients, _layout(shapes), prefix="d")


def reference_forward_propagation_n(X, Y, parameters):
    """A known-good copy of the notebook's given forward_propagation_n (same cost, same cache).

    The public test of gradient_check_n calls your gradient_check_n with this function
    standing in for forward_propagation_n (see public_tests), so that a change you make to
    the notebook's network, on purpose or by accident, does not decide that exercise.
    Its name differs from the notebook's on purpose: it never replaces your own.
    """
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1. / m * np.sum(log_probs)
    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
