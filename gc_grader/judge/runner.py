"""Run one exercise's answer in a process of its own and report what it returns.

Started by plugins.judge_outside_kernel for each exercise of each submission, in the
submission's autograded folder (so the assignment's helper modules import). It runs
only the *definitions* of the answer cell and of cells the student added (def, class,
import and plain assignments), never other top-level statements, so code that tampers
with the kernel, prints, sleeps or exits at the top level of a cell has no effect here.
The function then runs on the hidden cases with known-good callees, and only its
results (numbers, types, error messages) go back, as a ``report.AnswerReport`` in a file.

    python -m gc_grader.judge.runner EXERCISE REQUEST RESULT
REQUEST is JSON {"codes": [cell sources], "seed": int}; RESULT receives the report.
"""

import ast
import contextlib
import dataclasses
import inspect
import io
import json
import os
import sys
import types

import numpy as np

from gc_grader.assignment import EXPLORER_MODULES, STANDARD_IMPORTS
from gc_grader.judge.report import AnswerReport, Returned

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
               ast.Assign, ast.AnnAssign)


class _ExplorerOnly(types.ModuleType):
    """Stands in for an explorer module here: a name taken from it raises, with the reason, when used."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def unavailable(*args, **kwargs):
            raise RuntimeError(f"{self.__name__}.{name} belongs to the epsilon explorers and cannot be "
                               "used in an answer: compute the estimate and the difference yourself")
        return unavailable


def definitions_of(code):
    """The top-level definitions of a cell, or nothing when it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    tree.body = [node for node in tree.body if isinstance(node, DEFINITIONS)]
    return tree


def describe(value):
    """What a function returned, as plain data the grader can judge."""
    if type(value) in (float, np.float64, int):
        number = value if type(value) is int else float(value)
        return Returned("number", value=number, type_name=type(value).__name__)
    if isinstance(value, np.ndarray):
        return Returned("array", shape=tuple(value.shape))
    return Returned("other", type_name=type(value).__name__)


def run(exercise, codes, seed):
    """The AnswerReport of ``exercise`` defined by ``codes`` (cell sources), on the cases of ``seed``."""
    from gc_grader.checks import cases  # imported before any student code runs

    for name in EXPLORER_MODULES:
        sys.modules[name] = _ExplorerOnly(name)
    namespace = {"__name__": "__main__"}
    exec(STANDARD_IMPORTS, namespace)
    for code in codes:
        tree = definitions_of(code)
        if tree is None:
            continue
        with contextlib.suppress(Exception):
            exec(compile(tree, "<answer>", "exec"), namespace)
    function = namespace.get(exercise)
    if not callable(function):
        return AnswerReport(None)
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(?)"
    returned = []
    for args, callees in cases.judge_inputs(exercise, seed):
        namespace.update(callees)
        inputs = [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]
        before = {k: v.copy() for k, v in args[0].items()} if isinstance(args[0], dict) else None
        try:
            outcome = describe(function(*inputs))
        except Exception as raised:  # the student's bug (or a value that breaks describing it): reported
            outcome = Returned("error", error=f"{type(raised).__name__}: {raised}")
        changed = before is not None and any(not np.array_equal(args[0][k], v) for k, v in before.items())
        returned.append(dataclasses.replace(outcome, changed_parameters=changed))
    return AnswerReport(signature, returned)


def main(argv):
    exercise, request_path, result_path = argv
    with open(request_path) as f:
        request = json.load(f)
    # Student code may print or warn; none of it may reach the grader.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        text = run(exercise, request["codes"], request["seed"]).to_json()
    # Whole or not at all: the judge takes a missing report for a process that died.
    partial = f"{result_path}.partial"
    with open(partial, "w") as f:
        f.write(text)
    os.replace(partial, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
