"""What the notebook's hidden test cells run, inside the student's kernel.

Each ``check_*`` takes the notebook's namespace (the cell passes ``globals()``), calls
the student's function on the fixed hidden cases (``cases``) and lets ``verdicts``
judge the results: CheckFailed for a wrong result, AnswerCrashed for code that raised
or cannot be called as the assignment fixes. That message is all the feedback shows of
a hidden test (see plugins.hide_hidden_tests).

Grading is fair and hard to game because:
- each exercise is graded alone: gradient_check runs against known-good
  forward_propagation / backward_propagation, gradient_check_n against a known-good
  forward_propagation_n and the real gc_utils functions; the student's own come back
  at the end of the cell (``isolate_*``), even when the cell fails;
- expected values are real signals, never rounding noise, so every correct formula passes;
- the notebook's globals cannot shadow this module's names, results are compared with
  float operators only, and grading stops when numpy functions the reference relies on
  were replaced from the notebook.

Known limit: these checks run in the student's kernel, so code written to attack them
(an IPython input transformer that empties later cells, rebinding this module's
functions) can defeat them. The outside judge (plugins.judge_outside_kernel) closes that.
"""

import builtins
import inspect
import sys
import types

import numpy as np

from gc_grader.assignment import SIGNATURES
from gc_grader.checks import cases, verdicts
from gc_grader.checks.errors import AnswerCrashed, CheckFailed

# ---------------------------------------------------------------- calling the student's code


def _function(ns, name):
    """The student's function, with the signature the assignment fixes."""
    function = ns.get(name)
    if not callable(function):
        raise AnswerCrashed(f"{name} is not defined: was its cell deleted, renamed or never run?")
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(?)"
    if signature != SIGNATURES[name]:
        raise AnswerCrashed(f"{name} has the signature {signature}; the assignment fixes it as "
                            f"{SIGNATURES[name]}, and that is how it is called.")
    return function


def _call(function, name, *args):
    """Call student code; its exception becomes AnswerCrashed, naming it."""
    try:
        return function(*args)
    except Exception as error:  # a bug in student code is a failed check, with its message
        raise AnswerCrashed(f"{name}{_args_text(args)} raised {type(error).__name__}: {error}") from None


def _args_text(args):
    shown = [type(arg).__name__ if isinstance(arg, (dict, np.ndarray)) else repr(arg) for arg in args]
    return "(" + ", ".join(shown) + ")"


def _as_float(value, call):
    """The returned difference as a float; anything else fails with a sentence that says why."""
    if type(value) in (float, np.float64):
        return float(value)
    if isinstance(value, np.ndarray):
        raise CheckFailed(verdicts.not_a_float(call, "ndarray", value.shape))
    raise CheckFailed(f"{call} returned {value!r} of type {type(value).__name__}, not a float.")


_RELIED_ON = {
    "numpy": ["dot", "log", "exp", "maximum", "multiply", "sum", "copy", "zeros", "concatenate"],
    "numpy.linalg": ["norm"],
}


def _assert_untampered():
    """Refuse to grade when the notebook replaced a function the reference computations use."""
    for module, names in _RELIED_ON.items():
        owner = np if module == "numpy" else np.linalg
        for name in names:
            function = getattr(owner, name)
            if not getattr(function, "__module__", "").startswith("numpy"):
                raise CheckFailed(f"{module}.{name} was replaced by code in the notebook; "
                                  "graded code must not change numpy.")
    for name in ("abs", "float", "isinstance", "type", "callable", "range", "zip"):
        if not isinstance(getattr(builtins, name), (types.BuiltinFunctionType, type)):
            raise CheckFailed(f"the built-in {name} was replaced by code in the notebook.")


# ---------------------------------------------------------------- known-good callees


class _Swap:
    """Give names of the notebook other values for a while, then put the student's back."""

    def __init__(self, ns, **replacements):
        self.ns, self.replacements = ns, replacements
        self.saved = {name: ns.get(name, _MISSING) for name in replacements}

    def apply(self):
        self.ns.update(self.replacements)
        return self

    def restore(self, *_):
        for name, value in self.saved.items():
            if value is _MISSING:
                self.ns.pop(name, None)
            else:
                self.ns[name] = value

    def __enter__(self):
        return self.apply()

    def __exit__(self, *_):
        self.restore()


_MISSING = object()


def _until_end_of_cell(swap):
    """Keep ``swap`` applied until the current cell finishes (whatever happens in it).

    Returns the restoring function, which callers outside IPython call themselves.
    """
    swap.apply()
    # Inside a kernel IPython is loaded already; elsewhere (unit tests) it need not be.
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython else None
    if shell is None:
        return swap.restore

    def restore(*_):
        swap.restore()
        shell.events.unregister("post_run_cell", restore)
    shell.events.register("post_run_cell", restore)
    return restore


def isolate_gradient_check(ns):
    """Until the end of the cell, gradient_check calls known-good versions of its callees
    (on the notebook's linear model, which the public test uses)."""
    return _until_end_of_cell(_Swap(ns, forward_propagation=cases.linear_forward,
                                    backward_propagation=cases.linear_backward))


def isolate_gradient_check_n(ns):
    """Until the end of the cell, gradient_check_n calls known-good versions of its callees."""
    return _until_end_of_cell(_Swap(ns, **cases.network_callees()))


# ---------------------------------------------------------------- the checks


def check_forward_propagation(ns):
    forward = _function(ns, "forward_propagation")
    verdicts.judge_simple("forward_propagation",
                          lambda i, x, theta: _call(forward, "forward_propagation", x, theta), cases.simple_cases())


def check_backward_propagation(ns):
    backward = _function(ns, "backward_propagation")
    verdicts.judge_simple("backward_propagation",
                          lambda i, x, theta: _call(backward, "backward_propagation", x, theta), cases.simple_cases())


def check_gradient_check(ns):
    _assert_untampered()
    student = _function(ns, "gradient_check")

    def obtain(index, case):
        with _Swap(ns, forward_propagation=cases.cubic_forward, backward_propagation=case.backward):
            returned = _call(student, "gradient_check", case.x, case.theta, case.epsilon)
        return _as_float(returned, case.call())
    verdicts.judge_gradient_check(obtain, cases.gradient_check_cases(), ns)


def check_gradient_check_n(ns):
    _assert_untampered()
    student = _function(ns, "gradient_check_n")
    network = cases.hidden_network()
    parameters = network.parameters

    def obtain(index, label, epsilon):
        call = cases.gradient_check_n_call(label, epsilon)
        before = {name: value.copy() for name, value in parameters.items()}
        with _Swap(ns, **cases.network_callees()):
            returned = _call(student, "gradient_check_n", parameters, network.gradients[label],
                             network.X, network.Y, epsilon)
        got = _as_float(returned, call)
        for name, value in before.items():
            if not np.array_equal(parameters[name], value):
                raise CheckFailed(verdicts.changed_parameters(call, name))
        return got
    verdicts.judge_gradient_check_n(obtain, network)
