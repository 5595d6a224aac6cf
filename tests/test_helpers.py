"""The helper modules and the solved notebook reproduce every figure of SPEC, and the
helpers' conversions are exact inverses for any layer sizes."""

import numpy as np
import pytest

import gc_utils
import public_tests
import testCases
from course import FIX_DB1, FIX_DW2, SPEC_FIGURES, assert_relatively_close, notebook_functions


def test_the_public_tests_expect_specs_figures():
    assert public_tests.EXPECTED == {name: SPEC_FIGURES[name] for name in public_tests.EXPECTED}
    assert set(public_tests.EXPECTED) == {"forward_propagation", "backward_propagation", "gradient_check",
                                          "gradient_check_n"}


def test_one_dimensional_figures(solved):
    assert solved["forward_propagation"](2, 4) == SPEC_FIGURES["forward_propagation"]
    assert solved["backward_propagation"](2, 4) == SPEC_FIGURES["backward_propagation"]
    assert_relatively_close(solved["gradient_check"](2, 4), SPEC_FIGURES["gradient_check"], 1e-9)


@pytest.mark.parametrize(("fixes", "expected", "rtol"), [
    ((), SPEC_FIGURES["gradient_check_n"], 1e-9),
    ((FIX_DW2, FIX_DB1), SPEC_FIGURES["gradient_check_n, both bugs fixed"], 1e-6),
    ((FIX_DW2,), SPEC_FIGURES["gradient_check_n, dW2 fixed"], 1e-7),
    ((FIX_DB1,), SPEC_FIGURES["gradient_check_n, db1 fixed"], 1e-7),
], ids=["buggy", "both-fixed", "dW2-fixed", "db1-fixed"])
def test_network_figures(fixes, expected, rtol):
    ns = notebook_functions(edits=fixes)
    X, Y, parameters = testCases.gradient_check_n_test_case()
    _, cache = ns["forward_propagation_n"](X, Y, parameters)
    gradients = ns["backward_propagation_n"](X, Y, cache)
    assert_relatively_close(ns["gradient_check_n"](parameters, gradients, X, Y), expected, rtol)


def test_test_case_draws_in_spec_order():
    x, y, parameters = testCases.gradient_check_n_test_case()
    rng = np.random.RandomState(1)
    assert np.array_equal(x, rng.randn(4, 3))
    assert np.array_equal(y, [1, 1, 0])
    for name, shape in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]:
        assert np.array_equal(parameters[name], rng.randn(*shape)), name


def test_written_out_gradients_are_those_of_the_provided_backprop(solved):
    X, Y, parameters = testCases.gradient_check_n_test_case()
    _, cache = solved["forward_propagation_n"](X, Y, parameters)
    computed = solved["backward_propagation_n"](X, Y, cache)
    written = testCases.buggy_gradients_test_case()
    assert sorted(written) == ["dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for name, value in written.items():
        np.testing.assert_allclose(value, computed[name], rtol=1e-12, atol=0, err_msg=name)


def test_dictionary_to_vector_layout():
    _, _, parameters = testCases.gradient_check_n_test_case()
    theta, keys = gc_utils.dictionary_to_vector(parameters)
    assert theta.shape == (47, 1)
    assert keys == ["W1"] * 20 + ["b1"] * 5 + ["W2"] * 15 + ["b2"] * 3 + ["W3"] * 3 + ["b3"]
    assert np.array_equal(theta[:20, 0], parameters["W1"].ravel())      # row by row
    assert np.array_equal(theta[25:40, 0], parameters["W2"].ravel())
    assert theta[46, 0] == parameters["b3"][0, 0]


def test_vector_to_dictionary_inverts_and_copies():
    _, _, parameters = testCases.gradient_check_n_test_case()
    theta, _ = gc_utils.dictionary_to_vector(parameters)
    rebuilt = gc_utils.vector_to_dictionary(theta)
    assert list(rebuilt) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for name, value in parameters.items():
        assert np.array_equal(rebuilt[name], value)
    theta[0, 0] += 1.0
    assert rebuilt["W1"][0, 0] == parameters["W1"][0, 0], "the dictionary must not share theta's memory"
    theta_again, _ = gc_utils.dictionary_to_vector(rebuilt)
    theta_again[1, 0] += 1.0
    assert rebuilt["W1"][0, 1] == parameters["W1"][0, 1], "the vector must not share the dictionary's memory"


def test_gradients_to_vector_stacks_parameter_gradients_only():
    grads = testCases.buggy_gradients_test_case()
    grads_with_extras = dict(grads, dZ1=np.ones((5, 3)), dA2=np.ones((3, 3)))
    vector = gc_utils.gradients_to_vector(grads_with_extras)
    assert vector.shape == (47, 1)
    assert np.array_equal(vector[20:25, 0], grads["db1"].ravel())
    assert np.array_equal(vector[25:40, 0], grads["dW2"].ravel())


def test_any_layer_sizes_when_told_the_shapes():
    rng = np.random.RandomState(0)
    shapes = {"W1": (7, 2), "b1": (7, 1), "W2": (1, 7), "b2": (1, 1)}
    parameters = {name: rng.randn(*shape) for name, shape in shapes.items()}
    theta, keys = gc_utils.dictionary_to_vector(parameters, shapes)
    assert theta.shape == (7 * 2 + 7 + 7 + 1, 1)
    assert keys.count("W1") == 14
    rebuilt = gc_utils.vector_to_dictionary(theta.ravel(), gc_utils.shapes_of(parameters))
    for name in shapes:
        assert np.array_equal(rebuilt[name], parameters[name])
    grads = {"d" + name: value * 2 for name, value in parameters.items()}
    assert np.array_equal(gc_utils.gradients_to_vector(grads, shapes), 2 * theta)


def test_clear_errors_on_bad_input():
    _, _, parameters = testCases.gradient_check_n_test_case()
    with pytest.raises(ValueError, match="46 entries but the layout"):
        gc_utils.vector_to_dictionary(np.zeros((46, 1)))
    with pytest.raises(KeyError, match="'b2' is missing"):
        gc_utils.dictionary_to_vector({k: v for k, v in parameters.items() if k != "b2"})
    bigger = dict(parameters, W1=np.zeros((6, 4)))
    with pytest.raises(ValueError, match="shapes=shapes_of"):
        gc_utils.dictionary_to_vector(bigger)
    with pytest.raises(KeyError, match="'db1' is missing"):
        gc_utils.gradients_to_vector({"dW1": np.zeros((5, 4))})


def test_activations():
    z = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(gc_utils.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(gc_utils.sigmoid(z), [0.11920292202211755, 0.5, 0.9525741268224334], rtol=1e-14)
