"""The public tests pass every correct answer and fail the mistakes they can see."""

import numpy as np
import pytest

import public_tests
from course import SPEC_FIGURES

GC, GCN = SPEC_FIGURES["gradient_check"], SPEC_FIGURES["gradient_check_n"]


@pytest.mark.parametrize(("test_name", "function", "expected"), [
    ("forward_propagation_test", "forward_propagation", "8"),
    ("backward_propagation_test", "backward_propagation", "2"),
    ("gradient_check_test", "gradient_check", repr(GC)),
    ("gradient_check_n_test", "gradient_check_n", repr(GCN)),
])
def test_correct_answers_pass_and_show_expected_and_obtained(solved, capsys, test_name, function, expected):
    getattr(public_tests, test_name)(solved[function])
    out = capsys.readouterr().out
    assert f"expected: {expected}" in out
    assert f"obtained: {float(expected)!r}" in out
    assert "All tests passed." in out


def test_tiny_differences_are_compared_relatively():
    # An absolute tolerance (np.allclose's atol=1e-8) would accept 0.0 and 1% off.
    for wrong in (0.0, GC * 1.01, GC * 0.99):
        with pytest.raises(AssertionError, match=f"expected {GC!r}"):
            public_tests.gradient_check_test(lambda x, theta, epsilon=1e-7, print_msg=False: wrong)


def test_an_array_is_not_a_difference(solved):
    def returns_array(*args, **kwargs):
        return np.array([[solved["gradient_check_n"](*args, **kwargs)]])
    with pytest.raises(AssertionError, match=r"numpy array of shape \(1, 1\)"):
        public_tests.gradient_check_n_test(returns_array)


@pytest.mark.parametrize("value", [None, "8", True])
def test_not_a_number_is_named(value):
    with pytest.raises(AssertionError, match="not a number"):
        public_tests.forward_propagation_test(lambda x, theta: value)


def test_wrong_values_fail(solved):
    with pytest.raises(AssertionError, match="expected 8"):
        public_tests.forward_propagation_test(lambda x, theta: theta + x)
    with pytest.raises(AssertionError, match="expected 2"):
        public_tests.backward_propagation_test(lambda x, theta: theta)
    with pytest.raises(AssertionError, match=f"expected {GCN!r}"):
        public_tests.gradient_check_n_test(lambda *args, **kwargs: SPEC_FIGURES["gradient_check_n, both bugs fixed"])


def test_changing_the_callers_parameters_fails(solved):
    def mutates(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
        difference = solved["gradient_check_n"](parameters, gradients, X, Y, epsilon)
        parameters["b2"] += epsilon
        return difference
    with pytest.raises(AssertionError, match=r"changed parameters\['b2'\]"):
        public_tests.gradient_check_n_test(mutates)
