"""The public tests pass every correct answer and fail the mistakes they can see, and grade
each exercise alone: gradient_check and gradient_check_n run with known-good callees, and the
student's own are back after the test, whatever happened."""

import numpy as np
import pytest

import gc_utils
import public_tests
import testCases
from course import RELEASE_NB, SPEC_FIGURES, answered_namespace, cell_by_grade_id, read_notebook, solution_code
from gc_grader.assignment import STANDARD_IMPORTS
from gc_grader.checks import cases, mistakes
from submissions import corpus

GC, GCN = SPEC_FIGURES["gradient_check"], SPEC_FIGURES["gradient_check_n"]


@pytest.mark.parametrize(("test_name", "function", "first_line"), [
    ("forward_propagation_test", "forward_propagation", "forward_propagation(x=2, theta=4): expected 8, obtained 8"),
    ("backward_propagation_test", "backward_propagation", "backward_propagation(x=2, theta=4): expected 2, obtained 2"),
    ("gradient_check_test", "gradient_check", "gradient_check(x=2, theta=4, epsilon=1e-07) on the model J = theta * x: "
                                              f"expected below 2e-07, obtained {GC!r}"),
    ("gradient_check_n_test", "gradient_check_n", "with the gradients of the given backward_propagation_n: "
                                                  f"expected {GCN!r}, obtained {GCN!r}"),
])
def test_correct_answers_pass_and_show_expected_and_obtained(solved, capsys, test_name, function, first_line):
    """The line says what was expected and what was obtained: the text exactly, the number
    obtained relatively (numpy's exp and log may round the last digit otherwise on another
    processor: 0.2850931567761624 instead of SPEC's ...623 on an AMD EPYC machine)."""
    getattr(public_tests, test_name)(solved[function])
    lines = capsys.readouterr().out.splitlines()
    said, _, obtained = lines[0].rpartition("obtained ")
    wanted, _, figure = first_line.rpartition("obtained ")
    assert said.endswith(wanted)
    assert float(obtained) == pytest.approx(float(figure), rel=1e-12)
    assert lines[-1] == f"{public_tests.GREEN}All tests passed.{public_tests.RESET}"


def test_the_expected_values_are_specs_and_the_references(solved):
    """Every expected number of the public cases is what the reference computes on them."""
    x, theta = 2, 4
    assert public_tests.EXPECTED["gradient_check"] == pytest.approx(mistakes.gradient_check_1d(
        cases.linear_forward, cases.linear_backward, x, theta, 1e-7), rel=1e-12)
    for model, x, theta, epsilon, expected in public_tests.GRADIENT_CHECK_CASES:
        _, forward, backward = public_tests._MODELS[model]
        reference = mistakes.gradient_check_1d(forward, backward, x, theta, epsilon)
        if expected is None:
            assert 0 < reference < public_tests.THRESHOLD / 100
        else:
            assert expected == pytest.approx(reference, rel=1e-9)
    for network, gradients, epsilon, expected in public_tests.GRADIENT_CHECK_N_CASES:
        X, Y, parameters, grads = public_tests._gradient_check_n_inputs(network, gradients)
        assert expected == pytest.approx(mistakes.gradient_check_nd(
            gc_utils.reference_forward_propagation_n, parameters, grads, X, Y, epsilon), rel=1e-9)


def test_no_public_case_compares_rounding_noise():
    """A compared result moves by far less than RTOL when the estimate is rounded differently:
    each expected value is at least 1000 times the rounding error of its estimate."""
    unit = np.finfo(float).eps
    for model, x, theta, epsilon, expected in public_tests.GRADIENT_CHECK_CASES:
        _, forward, backward = public_tests._MODELS[model]
        noise = unit * abs(forward(x, theta)) / epsilon / abs(backward(x, theta))
        assert expected is None or expected * public_tests.RTOL > 100 * noise, (model, x, theta, epsilon)
    for network, gradients, epsilon, expected in public_tests.GRADIENT_CHECK_N_CASES:
        X, Y, parameters, grads = public_tests._gradient_check_n_inputs(network, gradients)
        cost, _ = gc_utils.reference_forward_propagation_n(X, Y, parameters)
        noise = unit * cost / epsilon * 47 ** 0.5 / np.linalg.norm(gc_utils.gradients_to_vector(grads))
        assert expected * public_tests.RTOL > 10 * noise, (network, gradients, epsilon)


def test_tiny_differences_are_compared_relatively():
    # An absolute tolerance (np.allclose's atol=1e-8) would accept 0.0 and 1% off.
    expected = public_tests.GRADIENT_CHECK_CASES[1][-1]
    for wrong in (0.0, expected * 1.01, expected * 0.99):
        def answer(x, theta, epsilon=1e-7, print_msg=False):
            return wrong if epsilon == 1e-2 else 1e-10
        with pytest.raises(public_tests.TestFailed, match=f"expected {expected!r}, obtained {wrong!r}"):
            public_tests.gradient_check_test(answer)


def test_an_array_is_not_a_difference(solved):
    def returns_array(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
        return np.array([[solved["gradient_check_n"](parameters, gradients, X, Y, epsilon)]])
    with pytest.raises(public_tests.TestFailed, match=r"expected one float, obtained a numpy array of shape \(1, 1\)"):
        public_tests.gradient_check_n_test(returns_array)


@pytest.mark.parametrize("value", [None, "8", True])
def test_not_a_number_is_named(value):
    with pytest.raises(public_tests.TestFailed, match="expected one float, obtained"):
        public_tests.forward_propagation_test(lambda x, theta: value)


def test_wrong_values_fail(solved):
    with pytest.raises(public_tests.TestFailed, match="expected 8, obtained 6"):
        public_tests.forward_propagation_test(lambda x, theta: theta + x)
    with pytest.raises(public_tests.TestFailed, match="expected 2, obtained 4"):
        public_tests.backward_propagation_test(lambda x, theta: theta)
    def fixed_figure(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
        return SPEC_FIGURES["gradient_check_n, both bugs fixed"]
    with pytest.raises(public_tests.TestFailed, match=f"expected {GCN!r}"):
        public_tests.gradient_check_n_test(fixed_figure)


def test_a_hard_coded_answer_fails_on_the_second_case():
    with pytest.raises(public_tests.TestFailed, match=r"forward_propagation\(x=0.3, theta=-2.7\)"):
        public_tests.forward_propagation_test(lambda x, theta: 8)


def test_changing_the_callers_parameters_fails(solved):
    def mutates(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
        difference = solved["gradient_check_n"](parameters, gradients, X, Y, epsilon)
        parameters["b2"] += epsilon
        return difference
    with pytest.raises(public_tests.TestFailed, match=r"changed parameters\['b2'\]"):
        public_tests.gradient_check_n_test(mutates)


def test_a_crash_says_where_in_the_students_function(solved):
    namespace = {}
    exec("def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n"
         "    J_plus = forward_propagation(x, theta + epsilon)\n"
         "    return J_plus / undefined_name\n", namespace)
    with pytest.raises(public_tests.TestFailed) as failure:
        public_tests.gradient_check_test(namespace["gradient_check"])
    message = str(failure.value)
    assert "raised NameError: name 'undefined_name' is not defined" in message
    assert "at line 3 of its cell" in message
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_a_changed_signature_is_named():
    with pytest.raises(public_tests.TestFailed, match=r"gradient_check\(x, theta, print_msg=False\) should be "):
        public_tests.gradient_check_test(lambda x, theta, print_msg=False: 0.0)


def test_annotations_do_not_change_a_signature():
    def forward_propagation(x: float, theta: float) -> float:
        return theta * x
    public_tests.forward_propagation_test(forward_propagation)


def test_a_failed_callee_test_is_noted_and_its_callee_never_called(solved, capsys):
    """The note comes from the callee's own test, not from calling the callee: one that hangs or
    kills the kernel must not take gradient_check's points too."""
    def forward_propagation(x, theta):
        raise AssertionError("never called by the test of gradient_check")
    with pytest.raises(public_tests.TestFailed):
        public_tests.forward_propagation_test(lambda x, theta: theta + x)
    public_tests.backward_propagation_test(solved["backward_propagation"])
    namespace = dict(solved, forward_propagation=forward_propagation)
    exec(solution_code("gradient_check"), namespace)
    public_tests.gradient_check_test(namespace["gradient_check"])
    out = capsys.readouterr().out
    assert "Note: the test of forward_propagation above failed" in out and "fix forward_propagation too" in out
    assert "Note: the test of backward_propagation" not in out
    assert "All tests passed." in out
    public_tests.forward_propagation_test(solved["forward_propagation"])
    public_tests.gradient_check_test(namespace["gradient_check"])
    assert "Note:" not in capsys.readouterr().out


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
    with pytest.raises(public_tests.TestFailed, match="raised ZeroDivisionError: mine"):
        public_tests.gradient_check_test(ns["gradient_check"])
    assert seen["callees"] == (8, 2)                       # the known-good ones, while it ran
    assert ns["forward_propagation"] is students
    assert "backward_propagation" not in ns                 # absent before, absent after


def test_the_students_names_are_back_when_the_result_is_wrong():
    ns = student_namespace("gcn_no_copy")
    before = dict(ns)
    with pytest.raises(public_tests.TestFailed, match="perturb the original vector"):
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


def test_an_unanswered_exercise_is_named_as_such():
    """The release's answer cell raises NotImplementedError until the student writes the answer."""
    namespace = {}
    exec(STANDARD_IMPORTS, namespace)
    exec(cell_by_grade_id(read_notebook(RELEASE_NB), "gradient_check").source, namespace)
    with pytest.raises(public_tests.TestFailed) as failure:
        public_tests.gradient_check_test(namespace["gradient_check"])
    assert str(failure.value).endswith(public_tests.HINTS["not_answered"])
    assert "raised NotImplementedError" in str(failure.value)


@pytest.mark.parametrize("exercise", ["gradient_check", "gradient_check_n"])
def test_the_given_verdict_block_says_an_array_is_not_a_difference(solved, capsys, exercise):
    """An answer without norms returns an array; the given print_msg block of its cell says so,
    instead of failing inside code the student did not write."""
    code = solution_code(exercise).replace("difference = numerator / denominator",
                                           "difference = np.array([[1.0, 2.0], [3.0, 4.0]])")
    namespace = dict(solved)
    exec(code, namespace)
    args = (2, 4, 1e-7, True) if exercise == "gradient_check" else (*gradient_check_n_args(), True)
    namespace[exercise](*args)
    assert "difference should be one number, not an array of shape (2, 2)" in capsys.readouterr().out
