"""The explorer widget in a kernel-less Python: what it shows is what gc_epsilon computes,
every control changes it, and under nbgrader it is replaced by a short static summary.
(The real-browser test, test_browser_explorer.py, checks the same in JupyterLab.)"""

import numpy as np
import pytest

import gc_epsilon as numerics
import gc_explorer
from course import solution_code


@pytest.fixture
def network(solved, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"],
                                       gradient_check_n=solved["gradient_check_n"])


def readout_value(explorer, name):
    """The text of one row of the readout, e.g. "difference"."""
    marker = f"class='gc-{name}'><code>"
    html = explorer.readout.value
    start = html.index(marker) + len(marker)
    return html[start:html.index("</code>", start)]


def test_readout_shows_gc_epsilon_numbers_for_the_chosen_epsilon(network):
    network.epsilon.value = 1e-5
    expected = numerics.check(network.current_line(), 1e-5)
    assert readout_value(network, "difference") == f"{expected.difference:.3e}"
    assert readout_value(network, "gradapprox") == f"{expected.gradapprox:.12g}"
    assert "fails" in network.readout.value  # the given backprop is buggy
    assert f"difference = {expected.difference:.3e}" in network.caption.value


def test_every_control_changes_the_plot_and_readout(network):
    seen = {(network.plot.value, network.readout.value)}
    for control, value in ((network.epsilon, 1e-3), (network.method, "forward"),
                           (network.precision, "float32"), (network.backprop, "fixed"),
                           (network.model, "network, ReLU kink"), (network.model, "1-D: J = x·sin θ")):
        control.value = value
        state = (network.plot.value, network.readout.value)
        assert state not in seen, f"changing {control.description} to {value!r} changed nothing"
        seen.add(state)
    assert bytes(network.plot.value[:4]) == b"\x89PNG"


def test_breakdown_names_the_buggy_blocks(network):
    network.epsilon.value = 1e-6
    flagged = {row.split("data-block='")[1][:2] for row in network.breakdown.value.split("<tr")[2:]
               if "disagrees" in row}
    assert flagged == {"W2", "b1"}
    network.backprop.value = "fixed"
    assert "disagrees" not in network.breakdown.value
    network.model.value = "1-D: J = θ·x"
    assert network.breakdown.value == "" and network.backprop.disabled


def test_readout_shows_the_students_own_result(network, solved):
    network.epsilon.value = 1e-7
    X, Y, parameters = numerics.network_case()
    _, cache = numerics.network_cost(parameters, X, Y)
    gradients = solved["backward_propagation_n"](X, Y, cache)
    theirs = solved["gradient_check_n"](parameters, gradients, X, Y, 1e-7)
    assert f"{theirs:.3e}" in network.readout.value


def test_a_broken_student_function_is_reported_not_raised(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
        raise NotImplementedError()

    explorer = gc_explorer.explore_epsilon(gradient_check=gradient_check)
    assert "raised NotImplementedError" in explorer.readout.value


def test_one_d_explorer_matches_the_students_gradient_check(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    namespace = {"np": np}
    for gid in ("forward_propagation", "backward_propagation", "gradient_check"):
        exec(solution_code(gid), namespace)
    explorer = gc_explorer.explore_epsilon(gradient_check=namespace["gradient_check"])
    explorer.epsilon.value = 1e-4
    assert readout_value(explorer, "your-gradient-check") == readout_value(explorer, "difference")


def test_without_backprop_only_fixed_is_offered(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    explorer = gc_explorer.explore_epsilon("network")
    assert explorer.backprop.options == ("fixed",)
    assert "disagrees" not in explorer.breakdown.value


def test_under_nbgrader_a_static_summary_replaces_the_widget(monkeypatch, capsys, solved):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"]) is None
    printed = capsys.readouterr().out
    assert "static summary" in printed
    expected = numerics.check(numerics.network_line(solved["backward_propagation_n"]), 1e-7)
    assert f"difference {expected.difference:.1e} at ε = 1e-07 (fails)" in printed


def test_unknown_model_is_refused(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(ValueError, match="model must be one of"):
        gc_explorer.explore_epsilon("2-D")


@pytest.mark.parametrize("backprop", [
    lambda X, Y, cache: undefined_name,                                               # noqa: F821
    lambda X, Y, cache: {"dW1": 0},
    lambda X, Y, cache: {k: v * np.nan for k, v in numerics.reference_backprop(X, Y, cache).items()},
], ids=["raises", "missing-keys", "nan"])
def test_a_broken_backprop_is_reported_not_raised(monkeypatch, capsys, backprop):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    explorer = gc_explorer.explore_epsilon("network", backprop=backprop)
    explorer.epsilon.value = 1e-5
    assert "passes" not in explorer.readout.value
    explorer.backprop.value = "fixed"
    assert "passes" in explorer.readout.value
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    gc_explorer.explore_epsilon("network", backprop=backprop)
    assert "static summary" in capsys.readouterr().out


def test_student_rows_only_where_comparable(solved, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    explorer = gc_explorer.explore_epsilon(gradient_check=solved["gradient_check"])
    assert "your gradient_check" in explorer.readout.value
    explorer.method.value = "forward"
    assert "your gradient_check" not in explorer.readout.value
