"""The grader's reference: the known-good copy of the notebook's network (shipped in gc_utils,
re-exported by gc_grader.checks.network), the simulated mistakes, and the hidden networks
drawn per student."""

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import gc_utils
import public_tests
import testCases
from course import SPEC_FIGURES, given_code
from gc_grader.checks import cases, mistakes, network, verdicts
from gc_grader.judge import verdict as verdict_module
from gc_grader.checks.network import forward_propagation_n as grader_forward_n


def test_the_known_good_network_exists_once():
    """The grader's old name and the public tests use the one copy shipped in gc_utils."""
    assert grader_forward_n is network.forward_propagation_n is gc_utils.reference_forward_propagation_n
    assert grader_forward_n.__module__ == "gc_utils"
    assert cases.network_callees()["forward_propagation_n"] is gc_utils.reference_forward_propagation_n


def test_grader_network_is_the_notebooks_given_forward_pass():
    ns = {}
    exec(given_code("imports"), ns)
    exec(given_code("forward-propagation-n"), ns)
    rng = np.random.RandomState(5)
    for X, Y, parameters in [testCases.gradient_check_n_test_case(),
                             (rng.randn(4, 7), rng.randint(0, 2, 7),
                              {k: rng.randn(*s) for k, s in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)),
                                                             ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]})]:
        ours, given = grader_forward_n(X, Y, parameters), ns["forward_propagation_n"](X, Y, parameters)
        assert ours[0] == given[0]
        assert len(ours[1]) == len(given[1]) == 12
        assert all(np.array_equal(a, b) for a, b in zip(ours[1], given[1]))


def test_simulated_mistakes_give_specs_figures_and_the_public_table():
    X, Y, parameters = testCases.gradient_check_n_test_case()
    gradients = testCases.buggy_gradients_test_case()
    assert mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, 1e-7) == \
        pytest.approx(SPEC_FIGURES["gradient_check_n"], rel=1e-9)
    spec = {"no_copy": 0.518, "copy_once": 0.829, "whole_vector": 0.698, "precedence": 1.0}
    for name, value in spec.items():
        got = mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, 1e-7, name)
        assert got == pytest.approx(value, rel=2e-3), name
    linear = (cases.linear_forward, cases.linear_backward)
    assert mistakes.gradient_check_1d(*linear, 2, 4, 1e-7, "divides_by_epsilon") == pytest.approx(1 / 3, rel=1e-8)


#: How close a recomputed row of the table must be. The public tests match a row within
#: MISTAKE_RTOL (1e-5); the rows must be the same numbers, not rounding apart from them, but
#: numpy's exp and log round differently on different processors (their SIMD paths), and a
#: result that cancels out, like "no_denominator" on the "nearly right" gradients, shows it:
#: 9.3e-9 apart on an AMD EPYC machine, from the table written elsewhere.
TABLE_RTOL = 1e-7


def test_the_public_table_of_known_mistakes_is_what_they_return_on_every_public_case():
    assert TABLE_RTOL <= public_tests.MISTAKE_RTOL / 100
    for name, values in public_tests.KNOWN_WRONG["gradient_check"].items():
        for (model, x, theta, epsilon, _), value in zip(public_tests.GRADIENT_CHECK_CASES, values, strict=True):
            _, forward, backward = public_tests._MODELS[model]
            got = mistakes.gradient_check_1d(forward, backward, x, theta, epsilon, name)
            assert got == pytest.approx(value, rel=TABLE_RTOL, abs=0), (name, model)
    for name, values in public_tests.KNOWN_WRONG["gradient_check_n"].items():
        for (net, label, epsilon, _), value in zip(public_tests.GRADIENT_CHECK_N_CASES, values, strict=True):
            X, Y, parameters, gradients = public_tests._gradient_check_n_inputs(net, label)
            got = mistakes.gradient_check_nd(grader_forward_n, parameters, gradients, X, Y, epsilon, name)
            assert got == pytest.approx(value, rel=TABLE_RTOL, abs=0), (name, net, label)


def test_every_hint_is_used_by_the_public_tests_or_grading():
    """A sentence nothing can say is dead text (and a translation nobody reads)."""
    import re
    from pathlib import Path
    code = "".join(Path(module.__file__).read_text() for module in (public_tests, mistakes, verdicts, verdict_module))
    said = set(re.findall(r"hint\([\"'](\w+)[\"']\)", code))
    named = set(mistakes.MISTAKES_1D) | set(mistakes.MISTAKES_ND) | {"stale_dtheta", "notebook_values", "inline_model",
                                                                     "ignores_epsilon", "ignores_gradients", "forward_propagation",
                                                                     "backward_propagation", "unknown", "hard_coded"}
    named = {public_tests.HINT_OF.get(name, name) for name in named}
    assert said | named == set(public_tests.HINTS)


def test_drawn_cases_differ_per_seed_and_repeat_for_the_same_seed():
    assert cases.gradient_check_cases(1) != cases.gradient_check_cases(2)
    assert cases.gradient_check_cases(1) == cases.gradient_check_cases(1)
    assert cases.simple_cases(1) != cases.simple_cases(2)


def drawn_networks_give_finite_differences(seeds):
    """The checks of the test below, on some of its seeds; returns how many were checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # log(0), 0 * inf: caught, not averaged away
        for seed in seeds:
            network = cases.hidden_network(int(seed))
            differences = [mistakes.gradient_check_nd(grader_forward_n, network.parameters, network.gradients[label],
                                                      network.X, network.Y, epsilon)
                           for label, epsilon in cases.GRADIENT_CHECK_N_CASES]
            assert all(np.isfinite(differences)), f"seed {seed}: {differences}"
            # The planted bugs always show, far above the notebook's threshold.
            assert differences[0] > 1e-3, f"seed {seed}: {differences}"
    return len(seeds)


def test_every_drawn_hidden_network_gives_finite_differences():
    """Seeds are 32-bit and drawn per student: none may give a network whose output saturates
    (cost inf or nan), on which a correct gradient_check_n would fail. One in about fifty did."""
    seeds = np.random.RandomState(7).randint(0, 2**32 - 1, 1500, dtype=np.int64)
    # Every seed checked the same way, in a few processes at once: the wait shrinks by the
    # number of cores. (spawn: this process may hold the threads of earlier kernel clients.)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        checked = sum(pool.map(drawn_networks_give_finite_differences, np.array_split(seeds, 10)))
    assert checked == len(seeds) == 1500


@pytest.mark.parametrize("seed", [1, 7, 42, 2024, 31337, 987654321])
def test_no_hidden_case_compares_rounding_noise(seed):
    """Every hidden figure is at least ten times larger, relatively, than what rounding can move
    it by (u * |J| / epsilon per estimate), so formulas that round differently agree within RTOL."""
    unit = np.finfo(float).eps
    for case in cases.gradient_check_cases(seed):
        expected = mistakes.gradient_check_1d(cases.cubic_forward, case.backward, case.x, case.theta, case.epsilon)
        noise = unit * abs(cases.cubic_forward(case.x, case.theta)) / case.epsilon / abs(case.backward(case.x, case.theta))
        assert expected * verdicts.RTOL > 10 * noise, case
    network = cases.hidden_network(seed)
    cost, _ = grader_forward_n(network.X, network.Y, network.parameters)
    for label, epsilon in cases.GRADIENT_CHECK_N_CASES:
        gradients = network.gradients[label]
        expected = mistakes.gradient_check_nd(grader_forward_n, network.parameters, gradients, network.X, network.Y,
                                              epsilon)
        noise = unit * cost / epsilon * 47 ** 0.5 / np.linalg.norm(gc_utils.gradients_to_vector(gradients))
        assert expected * verdicts.RTOL > 10 * noise, (label, epsilon)


def test_a_students_hidden_network_is_drawn_once_and_handed_out_as_copies(monkeypatch):
    """The judge asks for the same seed's network twice per student (request, then verdict):
    the second comes from the kept one, equal to a fresh draw, and changing one copy changes
    no other."""
    seed = 123456789
    fresh = cases._drawn_network.__wrapped__(seed)
    cases._drawn_network.cache_clear()
    draws = []
    monkeypatch.setattr(cases, "_true_gradients",
                        lambda *args, real=cases._true_gradients: draws.append(1) or real(*args))
    first = cases.hidden_network(seed)
    first.parameters["W1"][0, 0] = 1e6
    first.gradients["right"]["dW1"][:] = 0
    second = cases.hidden_network(seed)
    drawn_once = len(draws)              # one or more draws: an unfair one is drawn again
    assert drawn_once >= 1
    cases.hidden_network(seed)
    assert len(draws) == drawn_once                      # kept: not drawn again
    for name in fresh.parameters:
        assert np.array_equal(second.parameters[name], fresh.parameters[name])
    for label in fresh.gradients:
        for name in fresh.gradients[label]:
            assert np.array_equal(second.gradients[label][name], fresh.gradients[label][name])
    assert np.array_equal(second.X, fresh.X) and np.array_equal(second.Y, fresh.Y)
    assert second.parameters["W1"] is not first.parameters["W1"]


def _one_call_at_a_time(X, Y, parameters):
    """The known-good forward pass, not recognised as such: gradient_check_nd's loop of calls."""
    return grader_forward_n(X, Y, parameters)


def test_the_stacked_costs_are_the_forward_pass_calls_to_the_last_bit(monkeypatch):
    """network.perturbed_costs stands in for 94 calls of the forward pass per figure (the judge's
    reference for exercise 4, and every hidden network's true gradients): on many drawn
    networks, the notebook's own test case, and every epsilon of the hidden cases, each cost,
    each reference figure and each true gradient is bit for bit what the calls one at a time
    give; and the reference does take the stacked pass."""
    stacked_passes = []
    monkeypatch.setattr(network, "perturbed_costs",
                        lambda *args, real=network.perturbed_costs: stacked_passes.append(1) or real(*args))
    notebooks_case = testCases.gradient_check_n_test_case()
    notebook_gradients = {label: gradients for label, gradients in cases.hidden_network(1).gradients.items()}
    for seed in range(0, 61):
        if seed == 0:          # the notebook's test case (3 examples), with gradients of its shapes
            X, Y, parameters = notebooks_case
            network_case = cases.HiddenNetwork(X, Y, parameters, notebook_gradients)
        else:
            network_case = cases.hidden_network(seed)
        X, Y, parameters = network_case.X, network_case.Y, network_case.parameters
        theta, _ = gc_utils.dictionary_to_vector(parameters)
        for step in [1e-6] + [epsilon for _, epsilon in cases.GRADIENT_CHECK_N_CASES]:
            J_plus, J_minus = network.perturbed_costs(X, Y, theta, step)
            for i in range(theta.shape[0]):
                plus, minus = np.copy(theta), np.copy(theta)
                plus[i] += step
                minus[i] -= step
                assert J_plus[i] == grader_forward_n(X, Y, gc_utils.vector_to_dictionary(plus))[0], (seed, step, i)
                assert J_minus[i] == grader_forward_n(X, Y, gc_utils.vector_to_dictionary(minus))[0], (seed, step, i)
        for label, epsilon in cases.GRADIENT_CHECK_N_CASES:
            passes = len(stacked_passes)
            stacked = mistakes.gradient_check_nd(grader_forward_n, parameters, network_case.gradients[label], X, Y, epsilon)
            assert len(stacked_passes) == passes + 1          # the reference took the stacked pass
            called = mistakes.gradient_check_nd(_one_call_at_a_time, parameters, network_case.gradients[label], X, Y,
                                                epsilon)
            assert len(stacked_passes) == passes + 1          # the stand-in did not
            assert stacked == called, (seed, label, epsilon)
        true = []
        for i in range(theta.shape[0]):
            plus, minus = np.copy(theta), np.copy(theta)
            plus[i] += 1e-6
            minus[i] -= 1e-6
            true.append((grader_forward_n(X, Y, gc_utils.vector_to_dictionary(plus))[0]
                         - grader_forward_n(X, Y, gc_utils.vector_to_dictionary(minus))[0]) / 2e-6)
        drawn = cases._true_gradients(X, Y, parameters)
        assert np.array_equal(gc_utils.gradients_to_vector(drawn), np.array(true).reshape(-1, 1)), seed


def test_the_stacked_costs_refuse_vectors_of_another_size():
    X, Y, parameters = testCases.gradient_check_n_test_case()
    theta, _ = gc_utils.dictionary_to_vector(parameters)
    assert network.costs(X, Y, theta.T).shape == (1,)
    assert network.costs(X, Y, theta.T)[0] == grader_forward_n(X, Y, parameters)[0]
    with pytest.raises(ValueError, match="47 parameters, got 46"):
        network.costs(X, Y, theta.T[:, :46])
