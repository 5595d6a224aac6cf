"""The 1-D models the hidden cases of exercises 2 and 3 call: known-good callees.

Standalone (no import from gc_grader): the judge's runner loads this file inside the
sandbox, next to itself, so the student's gradient_check calls these and not its own
forward_propagation / backward_propagation. ``checks.cases`` uses the same functions
to build the cases and ``checks.verdicts`` to compute what they must give.
"""


def linear_forward(x, theta):
    """The notebook's model: J = theta * x."""
    return theta * x


def linear_backward(x, theta):
    return x


def cubic_forward(x, theta):
    """The hidden model of exercise 3: curved, so epsilon matters."""
    return x * theta ** 3


def cubic_backward(x, theta):
    return 3 * x * theta ** 2


def twice_cubic_backward(x, theta):
    """A wrong backward pass (twice the truth): the check must report a large difference."""
    return 6 * x * theta ** 2
