"""Run one exercise's answer in a process of its own and report what it returns.

Started by gc_grader.judge for each exercise of each submission, in the submission's
autograded folder (so the assignment's helper modules import). It runs only the
*definitions* of the answer cell and of cells the student added (def, class,
import and plain assignments), never other top-level statements, so code that
tampers with the kernel, prints, sleeps or exits at the top level of a cell has no
effect here. The function then runs on the hidden cases with known-good callees,
and only its results (numbers, types, error messages) go back, through a file.

    python -m gc_grader.answer_runner EXERCISE REQUEST RESULT
REQUEST is JSON {"codes": [cell sources], "seed": int}; RESULT receives JSON
{"signature": str or None, "values": [[kind, detail..., changed_parameters], ...]}.
"""

import ast
import contextlib
import inspect
import io
import json
import sys
import types

import numpy as np

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
               ast.Assign, ast.AnnAssign)

STANDARD_IMPORTS = """
import numpy as np
from testCases import *
from public_tests import *
from gc_utils import sigmoid, relu, dictionary_to_vector, vector_to_dictionary, gradients_to_vector
"""


#: Modules shipped with the assignment for the epsilon explorers. They compute finite
#: differences, so an answer built on them would not be the student's own computation.
EXPLORER_MODULES = ("gc_epsilon", "gc_explorer")


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
        return ("number", float(value) if type(value) is not int else value, type(value).__name__)
    if isinstance(value, np.ndarray):
        return ("array", list(value.shape))
    return ("other", type(value).__name__)


def run(exercise, codes, seed):
    from gc_grader import hidden_tests  # imported before any student code runs

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
        return {"signature": None, "values": []}
    try:
        signature = str(inspect.signature(function))
    except (TypeError, ValueError):
        signature = "(?)"
    values = []
    for args, callees in hidden_tests.judge_inputs(exercise, seed):
        namespace.update(callees)
        inputs = [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]
        before = {k: v.copy() for k, v in args[0].items()} if isinstance(args[0], dict) else None
        try:
            value = describe(function(*inputs))
        except Exception as error:  # the student's bug: reported, not raised
            value = ("error", f"{type(error).__name__}: {error}")
        changed = before is not None and any(not np.array_equal(args[0][k], v) for k, v in before.items())
        values.append(value + (changed,))
    return {"signature": signature, "values": values}


def main(argv):
    exercise, request_path, result_path = argv
    with open(request_path) as f:
        request = json.load(f)
    # Student code may print or warn; none of it may reach the grader.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = run(exercise, request["codes"], request["seed"])
    with open(result_path, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
