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
