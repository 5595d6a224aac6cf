"""Interactive epsilon explorers for the notebooks: sliders, toggles, a plot and a readout.

Everything shown is computed by ``gc_epsilon``; this module only lays it out with
ipywidgets and matplotlib, so what a student sees is exactly what the tests check.

Why a PNG in an Image widget instead of an interactive backend: the course pins only
ipywidgets and matplotlib. Re-encoding a small PNG and swapping the widget's bytes
updates the figure in place without flicker, and moving epsilon alone redraws only the
marker over a cached background (blitting), which keeps an update well under 100 ms.

Under nbgrader (the ``NBGRADER_EXECUTION`` environment variable is set) no widget is
built: ``explore_epsilon`` prints a short static summary instead, so autograding never
depends on a front end and stays quick.

Every word a student reads is marked for translation (see ``gc_i18n``) and shown in the
edition's language. What code compares stays English in every edition: the models' names
(the notebooks' code cells pass them), gc_epsilon's methods, precisions and verdicts, the
backprop choices, the plot's line names and the readout's row names (their CSS classes).
A toggle shows each of these values by its translated label; in English, where every
label is its value, its options are the plain values, as before.
"""

import html
import io
import os
import time

import numpy as np

import gc_epsilon as numerics
from gc_i18n import N_, _, pgettext, plot_font_family

#: The models, by the names that the notebooks pass to explore_epsilon (English in every
#: edition); the toggle shows each by ``_model_label``.
MODELS = ("1-D: J = θ·x", "1-D: J = x·sin θ", N_("network"), N_("network, ReLU kink"))
#: The backprop toggle, named for what each choice is: the function the notebook passes in
#: (the student's own: buggy as given, correct once they fix it, whatever they did to it)
#: and gc_epsilon's known-correct one. These are its values; it shows ``_backprop_label``.
YOURS, REFERENCE = "your backward_propagation_n", "correct reference"
BACKPROPS = (YOURS, REFERENCE)
#: Where the slider starts: the notebook's epsilon.
DEFAULT_EPSILON = 1e-7
_ONE_D = {"1-D: J = θ·x": "linear", "1-D: J = x·sin θ": "sine"}
_Y_RANGE = (1e-17, 3.0)


def explore_epsilon(model=MODELS[0], backprop=None, gradient_check=None, gradient_check_n=None,
                    epsilon=None):
    """Show an explorer (or, under nbgrader, print a static summary and return None).

    model -- one of MODELS, the one selected first
    backprop -- the notebook's backward_propagation_n, offered as YOURS beside REFERENCE (the
                correct backpropagation of gc_epsilon); without it only REFERENCE is offered.
                The explorer opens on it, except on the kink (see ``_first_choice``).
    gradient_check, gradient_check_n -- the student's own functions: the readout also
                shows what they return at the chosen epsilon, where that is comparable
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        print(static_summary(model, backprop))
        return None
    return Explorer(model, backprop, gradient_check, gradient_check_n, epsilon)


def static_summary(model=MODELS[0], backprop=None):
    """A few lines of text with the gist of the explorer, for runs without a front end."""
    choice = _first_choice(model, backprop)
    shown = (_model_label(model) if model in _ONE_D else
             # Translators: the model of the explorer, and the backpropagation it checks.
             _("{model}, {backprop}").format(model=_model_label(model), backprop=_backprop_label(choice)))
    lines = [_("Epsilon explorer, static summary for {model} (open the notebook in JupyterLab "
               "for the interactive version):").format(model=shown)]
    try:
        line = _line(model, backprop, choice)
        for method in numerics.METHODS:
            at = numerics.check(line, 1e-7, method, "float64")
            curve = numerics.sweep(line, method, "float64")
            lowest = curve.differences[curve.epsilons == curve.best][0]
            said = (_("{method}, {precision}: difference {difference} at ε = {epsilon} (passes); "
                      "lowest {lowest}, at ε = {best}") if at.passed else
                    _("{method}, {precision}: difference {difference} at ε = {epsilon} (fails); "
                      "lowest {lowest}, at ε = {best}"))
            lines.append("  " + said.format(method=f"{_method_label(method):>12}", precision="float64",
                                            difference=f"{at.difference:.1e}", epsilon="1e-07",
                                            lowest=f"{lowest:.1e}", best=f"{curve.best:.0e}"))
    except Exception as error:  # the notebook's backprop may be half edited: say so, never crash
        lines.append("  " + _("(the explorer could not run: {error}: {message})").format(
            error=type(error).__name__, message=error))
    return "\n".join(lines)


def _line(model, backprop, choice):
    """The gc_epsilon Line for a model name and a backprop choice."""
    if model in _ONE_D:
        return numerics.one_d_line(_ONE_D[model])
    if model not in MODELS:
        raise ValueError(_unknown_model(model))
    return numerics.network_line(_backprop_for(choice, backprop), kink=model.endswith("kink"))


def _backprop_for(choice, backprop):
    """The backprop under test: the notebook's for YOURS (when given), else the reference."""
    return backprop if choice == YOURS and backprop is not None else numerics.reference_backprop


def _first_choice(model, backprop):
    """The backprop an explorer opens on: the student's own when given, since checking it is the point.

    Except on the kink: its question is what a kink does to the check of *correct*
    gradients, and a bug would hide the answer, so it opens on the reference.
    """
    return YOURS if backprop is not None and not model.endswith("kink") else REFERENCE


def _unknown_model(model):
    return _("model must be one of {models}, not {model}").format(models=MODELS, model=repr(model))


# --- the words shown for the values that code compares ------------------------------------

def _model_label(model):
    """A model's name as the toggle shows it: "1-D" in words, the formula as it is."""
    if model in _ONE_D:
        # Translators: a one-dimensional model; {cost} is its formula, such as J = θ·x.
        return _("1-D: {cost}").format(cost=model.partition(": ")[2])
    return _(model)


def _backprop_label(choice):
    """A backprop choice (YOURS or REFERENCE) as the toggle shows it."""
    if choice == YOURS:
        # Translators: {function} is a function of the student's notebook, such as backward_propagation_n.
        return _("your {function}").format(function="backward_propagation_n")
    return _("correct reference") if choice == REFERENCE else choice


def _method_label(method):
    """A method of gc_epsilon.METHODS as shown: the name of a finite difference."""
    if method == "centered":
        return pgettext("finite difference", "centered")
    if method == "forward":
        return pgettext("finite difference", "forward")
    if method == "complex-step":
        return pgettext("finite difference", "complex-step")
    return method


def _verdict_label(verdict):
    """A verdict of gc_epsilon.Judgement, in one word, as the breakdown's table shows it."""
    if verdict == "agrees":
        return pgettext("gradient verdict", "agrees")
    if verdict == "disagrees":
        return pgettext("gradient verdict", "disagrees")
    if verdict == "unsure":
        return pgettext("gradient verdict", "unsure")
    return verdict


def _options(values, label):
    """A toggle's options: each value shown as ``label(value)``.

    As (label, value) pairs, except where every label is its value (English): then the
    plain values, which ipywidgets shows as they are, so that ``options`` reads as before.
    """
    pairs = tuple((label(value), value) for value in values)
    return tuple(values) if all(shown == value for shown, value in pairs) else pairs


class Explorer:
    """The widget: controls on top, the error plot, the readout and (network) the per-block table.

    ``widget`` is the ipywidgets box; the object displays as that box. ``update_ms``
    records how long every update took, for the benchmark.
    """

    def __init__(self, model=MODELS[0], backprop=None, gradient_check=None, gradient_check_n=None,
                 epsilon=None):
        import ipywidgets as widgets

        if model not in MODELS:
            raise ValueError(_unknown_model(model))
        if epsilon is None:
            epsilon = DEFAULT_EPSILON
        self._backprop = backprop
        self._student = {"gradient_check": gradient_check, "gradient_check_n": gradient_check_n}
        self._lines = {}
        self._sweeps = {}
        self.update_ms = []

        self.epsilon = widgets.FloatLogSlider(
            value=epsilon, base=10, min=-16, max=-1, step=0.05, description="ε",
            readout_format=".1e", continuous_update=True,
            layout=widgets.Layout(width="520px"))
        self.method = widgets.ToggleButtons(options=_options(numerics.METHODS, _method_label),
                                            description=_("method"))
        # float64 and float32 are NumPy's names: shown as they are.
        self.precision = widgets.ToggleButtons(options=numerics.PRECISIONS, description=_("precision"))
        self.model = widgets.ToggleButtons(options=_options(MODELS, _model_label), value=model,
                                           description=_("model"))
        self.backprop = widgets.ToggleButtons(
            options=_options(BACKPROPS if backprop is not None else (REFERENCE,), _backprop_label),
            # Translators: the toggle that chooses which backpropagation's gradients are checked.
            value=_first_choice(model, backprop), description=_("backprop"))
        for toggle in (self.method, self.precision, self.model, self.backprop):
            toggle.style.button_width = "auto"
        self.plot = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        # The figure's caption states where the marker is, in words (and for the browser test).
        self.caption = widgets.HTML()
        self.caption.add_class("gc-plot-caption")
        self.readout = widgets.HTML()
        self.breakdown = widgets.HTML()
        self.widget = widgets.VBox(
            [self.model, self.backprop, self.method, self.precision, self.epsilon,
             self.plot, self.caption, self.readout, self.breakdown],
            layout=widgets.Layout(width="100%"))
        self.widget.add_class("gc-explorer")

        self._figure = _Figure()
        self.epsilon.observe(self._on_epsilon, names="value")
        for toggle in (self.method, self.precision, self.model, self.backprop):
            toggle.observe(self._on_setting, names="value")
        self._on_setting()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- what is shown --------------------------------------------------------------

    def _chosen_backprop(self):
        """The backprop under test: the notebook's (YOURS) or gc_epsilon's (REFERENCE)."""
        return _backprop_for(self.backprop.value, self._backprop)

    def _cached(self, what, make):
        """``make()`` once per model and backprop: lines and gradients change only with those."""
        key = (what, self.model.value, self.backprop.value)
        if key not in self._lines:
            self._lines[key] = make()
        return self._lines[key]

    def current_line(self):
        return self._cached("line", lambda: _line(self.model.value, self._backprop, self.backprop.value))

    def current_sweep(self):
        key = (self.model.value, self.backprop.value, self.method.value, self.precision.value)
        if key not in self._sweeps:
            self._sweeps[key] = numerics.sweep(self.current_line(), self.method.value, self.precision.value)
        return self._sweeps[key]

    def current_check(self):
        """The check at the chosen epsilon, judged (see gc_epsilon.judge)."""
        return numerics.judge(self.current_line(), self.epsilon.value, self.method.value,
                              self.precision.value)

    # --- updates --------------------------------------------------------------------

    def _on_setting(self, change=None):
        started = time.perf_counter()
        self.backprop.disabled = self.model.value in _ONE_D
        try:
            result = self.current_check()
            self._figure.draw_curve(self.current_sweep(), self.current_line().label)
        except Exception as error:
            self._broken(error)
            return
        self._show(result, started)

    def _on_epsilon(self, change=None):
        started = time.perf_counter()
        try:
            result = self.current_check()
        except Exception as error:
            self._broken(error)
            return
        self._show(result, started)

    def _broken(self, error):
        """The notebook's backward_propagation_n (say, half edited) failed: say so in the readout."""
        said = html.escape(_("The backpropagation under test raised {error}: {message}. Fix it and run the cell "
                             "again, or choose the {reference}.")).format(
            error=html.escape(type(error).__name__), message=html.escape(str(error)),
            reference=html.escape(_backprop_label(REFERENCE)))
        self.readout.value = f"<p class='gc-verdict' style='color:#cf222e'>{said}</p>"
        self.breakdown.value = ""

    def _show(self, judged, started):
        result = judged.check
        self.plot.value = self._figure.draw_marker(result, _VERDICT_COLORS[judged.verdict])
        # Translators: "difference" is the notebook's variable of formula (2), as in the readout.
        caption = _("marker at ε = {epsilon}, difference = {difference}").format(
            epsilon=f"{result.epsilon:.3e}", difference=f"{result.difference:.3e}")
        self.caption.value = f"<small>{html.escape(caption)}</small>"
        self.readout.value = self._readout_html(judged)
        self.breakdown.value = self._breakdown_html() if self.model.value not in _ONE_D else ""
        self.update_ms.append((time.perf_counter() - started) * 1e3)

    def _readout_html(self, judged):
        result = judged.check
        verdict = _("{verdict} (threshold {threshold})").format(
            verdict=_(_VERDICT_WORDS[judged.verdict]), threshold=f"{numerics.THRESHOLD:.0e}")
        color = _VERDICT_COLORS[judged.verdict]
        # The notebook's own names (its formula (2) too): shown as they are, in every edition.
        rows = [("ε", "ε", f"{result.epsilon:.3e}"), ("gradapprox", "gradapprox", f"{result.gradapprox:.12g}"),
                ("grad", "grad", f"{result.grad:.12g}"), ("difference", "difference", f"{result.difference:.3e}")]
        rows += self._student_rows()
        # Each row's class comes from its English name, whatever the label says.
        cells = "".join(f"<tr><td>{html.escape(label)}</td><td class='gc-{_css(name)}'>"
                        f"<code>{html.escape(value)}</code></td></tr>" for name, label, value in rows)
        return (f"<table class='gc-readout'>{cells}</table>"
                f"<p class='gc-verdict' style='color:{color};font-weight:bold'>{html.escape(verdict)}</p>")

    def _student_rows(self):
        """What the student's own gradient_check / gradient_check_n say at this epsilon.

        Shown only where it is comparable: the student's functions take centered
        differences in float64, on the assignment's own model. Rows of (name, label, value).
        """
        eps = self.epsilon.value
        model = self.model.value
        if (self.method.value, self.precision.value) != ("centered", "float64"):
            return []
        if model == MODELS[0] and self._student["gradient_check"] is not None:
            return [("your gradient_check(2, 4, ε)",
                     _("your {function}").format(function="gradient_check(2, 4, ε)"),
                     _call_student(self._student["gradient_check"], 2.0, 4.0, eps))]
        if model == "network" and self._student["gradient_check_n"] is not None:
            X, Y, parameters = numerics.network_case()
            gradients = self._cached("gradients", lambda: self._chosen_backprop()(
                X, Y, numerics.network_cost(parameters, X, Y)[1]))
            return [("your gradient_check_n at ε (entry by entry)",
                     _("your {function} at ε (entry by entry)").format(function="gradient_check_n"),
                     _call_student(self._student["gradient_check_n"], parameters, gradients, X, Y, eps))]
        return []

    def _breakdown_html(self):
        lines = self._cached("blocks", lambda: numerics.block_lines(
            self._chosen_backprop(), kink=self.model.value.endswith("kink")))
        blocks = numerics.block_breakdown(epsilon=self.epsilon.value, method=self.method.value,
                                          precision=self.precision.value, lines=lines)
        rows = []
        for item in blocks:
            color = _VERDICT_COLORS[item.verdict]
            width = _bar_width(item.check.difference)
            rows.append(
                f"<tr class='gc-block' data-block='{item.block}'><td><code>d{item.block}</code></td>"
                f"<td>{item.size}</td><td class='gc-block-difference'><code>{item.check.difference:.2e}"
                f"</code></td><td><div style='background:{color};height:10px;width:{width}px'></div></td>"
                f"<td class='gc-block-verdict' style='color:{color}'>{html.escape(_verdict_label(item.verdict))}"
                f"</td></tr>")
        return _breakdown_heading() + "".join(rows) + "</table>"


def _breakdown_heading():
    """What the breakdown's verdicts mean, and its table's header row (the table left open)."""
    def word(verdict):
        return f"<i>{html.escape(_verdict_label(verdict))}</i>"

    explained = html.escape(_(
        "One check per parameter block, along a direction in that block only. {disagrees}: the "
        "difference is far beyond anything the step can cause, so the gradient is wrong. {unsure}: "
        "above the threshold, but within what the step alone can cause (the estimate moves that much "
        "from ε to 2ε, J is not resolved that finely at this ε, or a kink lies within ε), so the step, "
        "not the gradient, may be to blame.")).format(disagrees=word("disagrees"), unsure=word("unsure"))
    question = html.escape(_("Which gradients disagree?"))    # (a call inside an f-string escapes extraction)
    headings = "".join(f"<th>{html.escape(heading)}</th>"
                       for heading in (_("gradient"), _("entries"), _("difference"), "", ""))
    return f"<p><b>{question}</b> {explained}</p><table class='gc-breakdown'><tr>{headings}</tr>"


_VERDICT_COLORS = {"agrees": "#1a7f37", "disagrees": "#cf222e", "unsure": "#6e7781"}
#: What the readout says for each verdict of gc_epsilon.Judgement (translated where shown).
_VERDICT_WORDS = {
    "agrees": N_("passes: the gradient agrees"),
    "disagrees": N_("fails: the gradient disagrees, by far more than the step can explain"),
    "unsure": N_("fails, but the step may be to blame: at this ε the estimate itself is that unsteady "
                 "(rounding, truncation or a kink) that it cannot tell a wrong gradient from a right one"),
}


def _call_student(function, *args):
    """The student's function at these arguments, as text; an exception becomes its message."""
    try:
        value = function(*args)
        return f"{float(value):.3e}"
    except Exception as error:  # the student's code may be unfinished: say so, never crash
        return _("raised {error}: {message}").format(error=type(error).__name__, message=error)


def _bar_width(difference):
    """Bar length in pixels on a log scale: 1e-16 -> 0, 1 -> 160 (NaN, as from a broken backprop: 160)."""
    if not np.isfinite(difference):
        return 160
    if difference <= 0:
        return 0
    return int(round(np.clip((np.log10(difference) + 16) / 16, 0, 1) * 160))


def _css(name):
    return "".join(ch if ch.isalnum() else "-" for ch in name.split("(")[0].strip()).lower()


class _Figure:
    """The error plot, rendered to PNG.

    Axes, labels, grid and threshold are drawn once (the frame). A change of setting draws
    only the curve, its asymptotes and a legend of what is drawn over the frame; a change of
    epsilon draws only the marker over that (blitting). Every data artist is "animated", so
    the full draw of the frame leaves it out.

    The legend is drawn with the curve, not with the frame, because what is drawn changes:
    the linear model has no truncation line, the complex step no round-off line, a kink no
    optimum. A legend fixed in the frame would list lines that are not there.
    """

    def __init__(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(6.4, 3.4), dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.axes = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.12, right=0.98, top=0.9, bottom=0.15)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(1e-16, 1e-1)
        ax.set_ylim(*_Y_RANGE)
        # The words' font: matplotlib's default, with a fallback for the glyphs it lacks.
        family = plot_font_family()
        words = {"fontfamily": family} if family else {}
        self._legend_font = {"prop": {"family": family, "size": 7}} if family else {"fontsize": 7}
        ax.set_xlabel("ε")
        ax.set_ylabel(_("relative difference"), **words)
        ax.grid(True, which="major", lw=0.3)
        self.threshold = ax.axhline(numerics.THRESHOLD, color="#cf222e", lw=1,
                                    label=_("threshold {threshold}").format(threshold=f"{numerics.THRESHOLD:.0e}"))
        # The lines by their English names (code looks them up); each legend shows its label.
        styles = {
            N_("difference"): dict(ls="-", marker="o", ms=3, lw=1.2, color="#0969da"),
            N_("truncation"): dict(ls="--", lw=1, color="#8250df"),
            N_("round-off"): dict(ls="--", lw=1, color="#bc4c00"),
            N_("optimum"): dict(ls=":", lw=1, color="#6e7781"),
        }
        self.lines = {name: ax.plot([], [], animated=True, label=_(name), **style)[0]
                      for name, style in styles.items()}
        self.lines["optimum"].set_transform(ax.get_xaxis_transform())
        self.title = ax.set_title("", fontsize=10, animated=True, **words)
        # Labels that start with "_" stay out of legends (matplotlib's rule): the caption
        # under the plot says where the marker is.
        self.marker = ax.plot([], [], "o", ms=9, mfc="none", mew=2, animated=True, label="_marker")[0]
        self._legends = {}
        self.canvas.draw()
        self._frame = self.canvas.copy_from_bbox(self.figure.bbox)
        self._with_curve = self._frame

    def draw_curve(self, curve, label):
        self.canvas.restore_region(self._frame)
        self.lines["difference"].set_data(curve.epsilons, curve.shown)
        exact = int(np.count_nonzero(curve.exact))
        self.lines["difference"].set_label(
            _("difference ({count} of {total} exactly 0: not drawn)").format(count=exact, total=curve.epsilons.size)
            if exact else _("difference"))
        for name, values in (("truncation", curve.truncation), ("round-off", curve.roundoff)):
            self.lines[name].set_data(*((curve.epsilons, values) if values is not None else ([], [])))
        optimum = [curve.optimum] * 2 if curve.optimum is not None else []
        self.lines["optimum"].set_data(optimum, [0, 1] if optimum else [])
        self.title.set_text(_title(label, curve, exact == curve.epsilons.size))
        for artist in (*self.lines.values(), self.title):
            self.figure.draw_artist(artist)
        self._draw_legend([*self.drawn_lines(), self.threshold])
        self._with_curve = self.canvas.copy_from_bbox(self.figure.bbox)

    def _draw_legend(self, handles):
        """Draw the legend of ``handles`` over the curve, from a cache of rendered legends.

        Laying out a legend's text takes longer than all the rest of a toggle's drawing, and
        there are only a few different legends. Each is opaque with square corners, so its
        pixels, saved the first time, can be pasted over any curve.
        """
        key = tuple(handle.get_label() for handle in handles)
        if key not in self._legends:
            legend = self.axes.legend(handles=handles, loc="lower left", ncol=3, framealpha=1, fancybox=False,
                                      **self._legend_font)
            legend.set_animated(True)
            self.figure.draw_artist(legend)
            self._legends[key] = (legend, self.canvas.copy_from_bbox(legend.get_window_extent()))
        legend, pixels = self._legends[key]
        self.axes.legend_ = legend          # what get_legend() answers: the legend on show
        self.canvas.restore_region(pixels)

    def drawn_lines(self):
        """The curve's lines that show something: a line with no finite point draws nothing."""
        return [line for line in self.lines.values()
                if np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any()]

    def draw_marker(self, result, color):
        """The plot as PNG bytes, with the marker (in the verdict's color) at the chosen epsilon."""
        self.canvas.restore_region(self._with_curve)
        y = min(max(result.difference, _Y_RANGE[0]), _Y_RANGE[1])
        self.marker.set_data([result.epsilon], [y])
        self.marker.set_color(color)
        self.axes.draw_artist(self.marker)
        return _png(self.canvas)


def _title(label, curve, all_exact):
    """The plot's title: the line, the method and precision, and what else to know about the curve."""
    if curve.optimum and all_exact:
        # Translators: the plot's title. {line} is what is checked (such as J = θ·x), {method} a
        # finite difference, {precision} float64 or float32, {optimum} an epsilon (such as 6e-06).
        title = _("{line}: {method}, {precision}; optimum ε ≈ {optimum}; exactly 0 at every ε (not drawn)")
    elif curve.optimum:
        title = _("{line}: {method}, {precision}; optimum ε ≈ {optimum}")
    elif all_exact:
        title = _("{line}: {method}, {precision}; exactly 0 at every ε (not drawn)")
    else:
        title = _("{line}: {method}, {precision}")
    return title.format(line=label, method=_method_label(curve.method), precision=curve.precision,
                        optimum=f"{curve.optimum:.0e}" if curve.optimum else "")


def _png(canvas):
    """Encode the canvas as PNG quickly (low compression: the bytes only travel to the browser)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
        buffer, format="png", compress_level=1)
    return buffer.getvalue()
