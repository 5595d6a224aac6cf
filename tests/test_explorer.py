"""The explorer widget in a kernel-less Python: what it shows is what gc_epsilon computes,
every control changes it, and under nbgrader it is replaced by a short static summary.
(The real-browser test, test_browser_explorer.py, checks the same in JupyterLab.)"""

import re

import matplotlib
import numpy as np
import pytest

import gc_epsilon as numerics
import gc_explorer
from course import FIX_DB1, FIX_DW2, ROOT, notebook_functions, read_notebook, solution_code


@pytest.fixture
def network(solved, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return gc_explorer.explore_epsilon("network", backprop=solved["backward_propagation_n"],
                                       gradient_check_n=solved["gradient_check_n"])


def verdicts(explorer):
    """Block -> verdict, as the breakdown table shows them."""
    return dict(re.findall(r"data-block='(\w+)'.*?class='gc-block-verdict'[^>]*>(\w+)<", explorer.breakdown.value))


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
                           (network.precision, "float32"), (network.backprop, gc_explorer.REFERENCE),
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
    network.backprop.value = gc_explorer.REFERENCE
    assert set(verdicts(network).values()) == {"agrees"}
    network.model.value = "1-D: J = θ·x"
    assert network.breakdown.value == "" and network.backprop.disabled


def test_verdicts_at_the_defaults(network, solved):
    """ε = 1e-7, centered, float64, as the explorer opens: the given bugs disagree and nothing
    else does; the correct reference agrees everywhere, as the notebook's words say."""
    assert (network.epsilon.value, network.method.value, network.precision.value) == (1e-7, "centered", "float64")
    assert verdicts(network) == {"W1": "agrees", "b1": "disagrees", "W2": "disagrees",
                                 "b2": "agrees", "W3": "agrees", "b3": "agrees"}
    assert "fails: the gradient disagrees" in network.readout.value
    network.backprop.value = gc_explorer.REFERENCE
    assert verdicts(network) == dict.fromkeys(("W1", "b1", "W2", "b2", "W3", "b3"), "agrees")
    assert "passes" in network.readout.value


def test_float32_at_1e_7_blames_the_step_not_the_gradient(network):
    """θ + 1e-7 rounds back to θ in float32: the estimates are rounding noise, for correct and
    buggy gradients alike, and every verdict must say so instead of calling them wrong."""
    network.precision.value = "float32"
    for choice in gc_explorer.BACKPROPS:
        network.backprop.value = choice
        assert set(verdicts(network).values()) == {"unsure"}, choice
        assert "fails, but the step may be to blame" in network.readout.value, choice


def test_backprop_choices_are_named_for_what_they_are(network):
    """The function passed in is the student's own (buggy only until they fix it); the other is correct."""
    assert network.backprop.options == ("your backward_propagation_n", "correct reference")
    assert network.backprop.value == "your backward_propagation_n"
    assert not {"buggy", "fixed"} & set(network.backprop.options)
    # Once fixed, "your" choice is the student's fix, and it agrees.
    fixed = notebook_functions(edits=(FIX_DW2, FIX_DB1))["backward_propagation_n"]
    explorer = gc_explorer.explore_epsilon("network", backprop=fixed)
    assert explorer.backprop.value == "your backward_propagation_n"
    assert set(verdicts(explorer).values()) == {"agrees"}


def test_kink_explorer_opens_on_correct_gradients(monkeypatch, solved, capsys):
    """Its question is what a kink does to a check of correct gradients."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    kink = gc_explorer.explore_epsilon("network, ReLU kink", backprop=solved["backward_propagation_n"])
    assert kink.backprop.value == "correct reference"
    assert kink.backprop.options == ("your backward_propagation_n", "correct reference")
    reference = numerics.network_line(kink=True)
    assert kink.current_line().slope("float64") == reference.slope("float64")
    # The kink is the step's doing: the first layer is unsure, never wrong; the rest agrees.
    assert verdicts(kink) == {"W1": "unsure", "b1": "unsure", "W2": "agrees", "b2": "agrees",
                              "W3": "agrees", "b3": "agrees"}
    assert "fails, but the step may be to blame" in kink.readout.value
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    gc_explorer.explore_epsilon("network, ReLU kink", backprop=solved["backward_propagation_n"])
    assert "network, ReLU kink, correct reference" in capsys.readouterr().out


def legend_texts(explorer):
    return [text.get_text().split(" (")[0] for text in explorer._figure.axes.get_legend().get_texts()]


@pytest.mark.parametrize("model", gc_explorer.MODELS)
def test_legend_lists_exactly_the_lines_drawn(network, model):
    """Each legend entry is a line on the plot, and each line on the plot has its entry.

    What is drawn comes from gc_epsilon's sweep: the linear model has no truncation line,
    the complex step no round-off line, a kink neither truncation nor optimum, and an exact
    difference of 0 at every ε no curve."""
    network.model.value = model
    for method in numerics.METHODS:
        network.method.value = method
        curve = network.current_sweep()
        present = {"difference": bool(np.any(curve.differences > 0)),
                   "truncation": curve.truncation is not None,
                   "round-off": curve.roundoff is not None,
                   "optimum": curve.optimum is not None}
        expected = [name for name, shown in present.items() if shown] + ["threshold 2e-07"]
        assert legend_texts(network) == expected, (model, method)
        drawn = [line.get_label().split(" (")[0] for line in network._figure.axes.get_lines()
                 if not line.get_label().startswith("_") and np.isfinite(np.asarray(line.get_ydata(), float)).any()]
        assert sorted(drawn) == sorted(expected), (model, method)


def test_exact_zeros_are_left_out_of_the_plot_and_said_so(network):
    network.model.value = "1-D: J = x·sin θ"
    network.method.value = "complex-step"
    curve = network.current_sweep()
    zeros = int(np.sum(curve.differences == 0))
    assert zeros > 0
    line = network._figure.lines["difference"]
    assert not np.any(np.asarray(line.get_ydata()) <= 0)
    assert f"({zeros} of {curve.epsilons.size} exactly 0: not drawn)" in line.get_label()
    network.model.value = "1-D: J = θ·x"                # exact at every ε: nothing to draw
    assert "exactly 0 at every ε (not drawn)" in network._figure.title.get_text()


def test_self_study_static_plot_draws_no_spike_for_exact_zeros():
    """The template's side-by-side plot, run as a learner runs it: on a log axis an exact 0 of
    the complex step must be a gap, not a spike down to the bottom of the axes."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = {c.id: c for c in read_notebook(ROOT / "self_study" / "Epsilon_Explorer.ipynb").cells}
    namespace = {}
    exec(cells["lab-imports"].source, namespace)
    plt.close("all")
    exec(cells["lab-methods-plot"].source, namespace)
    figure = plt.gcf()
    try:
        plotted = [line for ax in figure.axes for line in ax.get_lines()]
        assert len(plotted) == 2 * (len(numerics.METHODS) + 1)
        for line in plotted:
            y = np.asarray(line.get_ydata(), dtype=float)
            assert not np.any(y <= 0), f"{line.get_label()} draws a value <= 0 on a log axis"
        labels = [text.get_text() for ax in figure.axes for text in ax.get_legend().get_texts()]
        assert any(label.startswith("complex-step (") and "exactly 0: not drawn)" in label for label in labels)
    finally:
        plt.close(figure)


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


def test_without_backprop_only_the_reference_is_offered(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    explorer = gc_explorer.explore_epsilon("network")
    assert explorer.backprop.options == (gc_explorer.REFERENCE,)
    assert "disagrees" not in verdicts(explorer).values()


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
    explorer.backprop.value = gc_explorer.REFERENCE
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
