"""Public test inputs of the gradient-checking assignment.

The draws below are fixed (seed, order and shapes): every figure quoted in the
notebook and checked by ``public_tests`` is computed from them, so changing
one line here changes those figures.
"""

import numpy as np


def gradient_check_n_test_case():
    """Return ``x, y, parameters`` for the 3-layer network: 3 examples of 4 features.

    x -- inputs, shape (4, 3)
    y -- labels, shape (3,)
    parameters -- dictionary with W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1)
    """
    # The draws of np.random.seed(1) followed by np.random.randn, in SPEC's order, from a
    # generator of their own: numpy's global one is left as the caller had it.
    rng = np.random.RandomState(1)
    x = rng.randn(4, 3)
    y = np.array([1, 1, 0])
    W1 = rng.randn(5, 4)
    b1 = rng.randn(5, 1)
    W2 = rng.randn(3, 5)
    b2 = rng.randn(3, 1)
    W3 = rng.randn(1, 3)
    b3 = rng.randn(1, 1)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    return x, y, parameters


def buggy_gradients_test_case():
    """Return the gradients that the notebook's *provided* backward_propagation_n
    (with its two planted bugs) computes on ``gradient_check_n_test_case()``.

    They are written out as numbers, not computed, so that the public test of
    gradient_check_n keeps checking the same thing after a student has fixed
    backward_propagation_n in the notebook. The project's tests prove that these
    numbers are what the provided function returns.
    """
    return {
        "dW1": np.array([
            [-0.37347778780965, -1.4790321603097862, 0.17596142534290177, -1.3368503644957601],
            [-0.01967513615719457, -0.08573553401542801, 0.011884652345551057, -0.07674312151045774],
            [0.03916037129037356, -0.05539734986948789, 0.04872714728071104, -0.093593934454497],
            [-0.05337777545025736, -0.21138458326994772, 0.025148562394954707, -0.19106383537598332],
            [0.0, 0.0, 0.0, 0.0]]),
        "db1": np.array([[2.5316314879024926], [0.149005592009627], [-0.25605205219980437],
                         [0.3618230092787558], [0.0]]),
        "dW2": np.array([
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
            [1.831603303757299, 0.04903095183035456, -0.21595907569274134, 1.8056378182797364, 0.0]]),
        "db2": np.array([[0.0], [0.0], [0.1976334252390789]]),
        "dW3": np.array([[0.0, 0.0, 2.244042377990228]]),
        "db3": np.array([[0.212257527082733]]),
    }


def second_network_test_case():
    """Return ``X, Y, parameters, gradients`` for a second network with other data: 5 examples.

    The public test of gradient_check_n also runs your function on this case, so that it
    checks, on inputs you can see, what grading checks on inputs you cannot: that
    everything is computed from the arguments, and that epsilon is the one given.

    X -- inputs, shape (4, 5)
    Y -- labels, shape (5,)
    parameters -- dictionary with W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1)
    gradients -- the true gradients of the cost at these parameters (those of a backward
                 propagation without bugs), written out as numbers like those of
                 ``buggy_gradients_test_case``; the project's tests prove them right.
    """
    rng = np.random.RandomState(8)
    X = rng.randn(4, 5)
    Y = np.array([0, 1, 1, 0, 1])
    parameters = {name: rng.randn(*shape) for name, shape in
                  (("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1)))}
    gradients = {
        "dW1": np.array([
            [0.0, 0.0, 0.0, 0.0],
            [-0.025629670069776917, -0.11738518280485806, 0.0028001118248720865, 0.017350567469258286],
            [-0.05913290253010531, -0.09362556982668804, -0.10384123118511662, -0.046575990813762375],
            [0.05199533633696418, 0.342738953906024, -0.06729438217955064, -0.07352200075226482],
            [0.0, 0.0, 0.0, 0.0]]),
        "db1": np.array([[0.0], [0.07711463007768443], [-0.05418660144360642], [-0.08952928255955035], [0.0]]),
        "dW2": np.array([
            [0.0, 0.0747320957173722, -0.09803476924945709, -0.015219410369733302, 0.0],
            [0.0, 0.0, 0.03758447493731878, -0.030440987424844763, 0.0],
            [0.0, 0.0, 0.0, 0.037591822777506716, 0.0]]),
        "db2": np.array([[-0.011307241378887624], [-0.008139031524579397], [0.036854493826240585]]),
        "dW3": np.array([[0.09417843204208097, -0.10014802345596295, 0.08493254139173156]]),
        "db3": np.array([[0.08334231138728705]]),
    }
    return X, Y, parameters, gradients


#: The keys of what backward_propagation_n returns, in its order.
BACKPROP_KEYS = ("dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1")


def as_backprop_output(gradients, m):
    """``gradients`` of the parameters laid out as backward_propagation_n returns them: in its key
    order, with the gradients of the intermediate values too (zeros here, for m examples).

    The tests give gradient_check_n dictionaries of this shape, so that an answer must pick the
    parameters' gradients out with gradients_to_vector, as it must from the real thing.
    """
    rows = {"dZ3": 1, "dA2": 3, "dZ2": 3, "dA1": 5, "dZ1": 5}
    return {key: gradients[key] if key in gradients else np.zeros((rows[key], m)) for key in BACKPROP_KEYS}
