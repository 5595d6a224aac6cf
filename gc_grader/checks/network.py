"""The grader's known-good copy of the notebook's given forward_propagation_n.

The hidden tests of gradient_check_n run the student's function against this copy,
not against whatever name ``forward_propagation_n`` has in the notebook by then, so a
student who redefined it (by accident or on purpose) is graded on exercise 4 alone.
tests/checks/test_reference.py proves it computes exactly what the notebook's cell computes.
"""

import numpy as np

from gc_utils import relu, sigmoid


def forward_propagation_n(X, Y, parameters):
    """Cost (logistic loss averaged over the m columns of X) and cache of the 3-layer network."""
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
