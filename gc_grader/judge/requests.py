"""What the judge sends the answer's process: plain data, built on the grader's side.

The hidden cases come from ``checks.cases`` (drawn from the student's seed) and go to
the sandbox as arguments only: numbers, and arrays and dicts of arrays in JSON (a
float's repr survives JSON exactly). Each case names the known-good callees the answer
gets (``"public_tests:_cubic_cost"``, ``"gc_utils:dictionary_to_vector"``), which the
runner resolves inside. The seed, the secret and the checks stay here.
"""

import json
import sys

import numpy as np

from gc_grader.assignment import EXPLORER_MODULES, STANDARD_IMPORTS
from gc_grader.checks import cases
from gc_grader.judge import runner
from gc_grader.judge.report import AnswerReport


def encode(value):
    """``value`` (a number, an array, a dict of them) as JSON data that ``runner.decode`` reads back."""
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, dict):
        return {"dict": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def callee_name(function):
    """"module:name" of a known-good callee, as the runner finds it in the sandbox."""
    module = function.__module__.rsplit(".", 1)[-1]
    if module not in runner.CALLEE_MODULES:
        raise ValueError(f"{function!r} cannot be given to an answer in the sandbox")
    return f"{module}:{function.__name__}"


def build_request(exercise, codes, seed):
    """The request for ``exercise`` defined by ``codes`` (cell sources), on the cases of ``seed``."""
    return {
        "exercise": exercise,
        "codes": list(codes),
        "standard_imports": STANDARD_IMPORTS,
        "explorer_modules": list(EXPLORER_MODULES),
        "cases": [{"args": [encode(arg) for arg in args],
                   "callees": {name: callee_name(function) for name, function in callees.items()}}
                  for args, callees in cases.judge_inputs(exercise, seed)],
    }


def run_in_process(exercise, codes, seed):
    """The AnswerReport of the answer run here, in this process, as the sandbox would run it
    (for tests and tools only: grading runs it in the sandbox)."""
    request = json.loads(json.dumps(build_request(exercise, codes, seed)))   # as it travels
    # The runner puts stand-ins for the explorers' modules in sys.modules: fine in its own
    # process, but this one goes on, and may use the real modules afterwards.
    saved = {name: sys.modules.get(name) for name in EXPLORER_MODULES}
    try:
        return AnswerReport.from_json(json.dumps(runner.run(request)))
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
