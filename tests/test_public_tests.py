"""The public tests pass every correct answer and fail the mistakes they can see, and grade
each exercise alone: gradient_check and gradient_check_n run with known-good callees, and the
student's own are back after the test, whatever happened."""

import numpy as np
import pytest

import gc_utils
import public_tests
import testCases
from course import SPEC_FIGURES, answered_namespace
from gc_grader.assignment import STANDARD_IMPORTS
from submissions import corpus

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


# ---------------------------------------------------------------- each exercise graded alone

def student_namespace(name):
    """The notebook's globals with the answers of corpus submission ``name`` (no kernel)."""
    return answered_namespace(next(s for s in corpus() if s.student == name).answers)


@pytest.mark.parametrize(("name", "callee"), [("fp_wrong", "forward_propagation"), ("bp_wrong", "backward_propagation")])
def test_a_wrong_callee_does_not_fail_gradient_check(capsys, name, callee):
    ns = student_namespace(name)
    students = ns[callee]
    # Called directly, the right gradient_check reports the wrong callee: the test must not.
    assert not abs(ns["gradient_check"](2, 4, 1e-7) - GC) <= 1e-6 * GC
    public_tests.gradient_check_test(ns["gradient_check"])
    assert "All tests passed." in capsys.readouterr().out
    assert ns[callee] is students


def test_a_wrong_network_or_conversion_does_not_fail_gradient_check_n(capsys):
    ns = student_namespace("redefines_forward_n")          # a wrong forward_propagation_n in the namespace
    assert ns["forward_propagation_n"](None, None, None) == (0.0, None)
    ns["vector_to_dictionary"] = lambda theta: {}           # and a broken conversion, say
    students = {name: ns[name] for name in ("forward_propagation_n", "vector_to_dictionary")}
    # Called directly, the right gradient_check_n reports them: the test must not.
    assert not abs(ns["gradient_check_n"](*gradient_check_n_args()) - GCN) <= 1e-6 * GCN
    public_tests.gradient_check_n_test(ns["gradient_check_n"])
    assert "All tests passed." in capsys.readouterr().out
    assert {name: ns[name] for name in students} == students


def gradient_check_n_args():
    x, y, parameters = testCases.gradient_check_n_test_case()
    return parameters, testCases.buggy_gradients_test_case(), x, y, 1e-7


def test_the_students_names_are_back_when_the_function_raises():
    ns = student_namespace("fp_wrong")
    del ns["backward_propagation"]                          # say its cell had a syntax error
    students = ns["forward_propagation"]
    seen = {}

    exec("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n"
         "    seen['callees'] = (forward_propagation(x, theta), backward_propagation(x, theta))\n"
         "    raise ZeroDivisionError('mine')\n", ns)
    ns["seen"] = seen
    with pytest.raises(ZeroDivisionError, match="mine"):
        public_tests.gradient_check_test(ns["gradient_check"])
    assert seen["callees"] == (8, 2)                       # the known-good ones, while it ran
    assert ns["forward_propagation"] is students
    assert "backward_propagation" not in ns                 # absent before, absent after


def test_the_students_names_are_back_when_the_result_is_wrong():
    ns = student_namespace("gcn_no_copy")
    before = dict(ns)
    with pytest.raises(AssertionError, match="perturb the original vector"):
        public_tests.gradient_check_n_test(ns["gradient_check_n"])
    assert ns.keys() == before.keys() and all(ns[k] is before[k] for k in before)


def test_the_known_good_callees_do_not_reach_the_notebook():
    """The notebook runs `from public_tests import *`: nothing it brings may stand for the
    notebook's own functions (the known-good ones are private to public_tests and gc_utils)."""
    ns = {}
    exec(STANDARD_IMPORTS, ns)
    for name in ("forward_propagation", "backward_propagation", "forward_propagation_n",
                 "reference_forward_propagation_n", "_linear_cost", "_gc_utils"):
        assert name not in ns, name
    assert public_tests._gc_utils.reference_forward_propagation_n is gc_utils.reference_forward_propagation_n
