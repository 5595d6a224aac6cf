"""Run one exercise's answer on its hidden cases and report what it returns: the judge's
answer process, which runs in the sandbox.

Standalone on purpose (the standard library, numpy and, through the request, the
released helpers, whose public_tests holds the 1-D models): the sandbox holds this file,
never the grading package, so the hidden checks' code, the secret and
the seed are not there. ``judge.requests`` builds the request on the grader's side:
the answer cell's and added cells' sources, the hidden cases' arguments as plain data
and the names of the known-good callees each case gives the answer.

It runs only the *definitions* of those cells (def, class, import and plain
assignments), never other top-level statements, so code that tampers with the
process, prints, sleeps or exits at the top level of a cell has no effect here. Only
the results (numbers, types, shapes, error messages) go back, as JSON of the shape of
``report.AnswerReport``, which the grader reads strictly and bounded in size.

    python runner.py < {"batch": [REQUEST, ...], "seconds": S} > {EXERCISE: OUTCOME, ...}

One process judges all the exercises of a submission: numpy and the helpers are imported
once, then each answer runs in a forked child of its own, side by side (``run_all``).
"""

import ast
import contextlib
import importlib
import io
import json
import os
import selectors
import signal
import sys
import time
import traceback
import types

import numpy as np

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
               ast.Assign, ast.AnnAssign)
#: Modules a case may take its callees from: the released gc_utils and public_tests (its models).
CALLEE_MODULES = ("gc_utils", "public_tests")
#: What is read of one answer's report (a real one is a few hundred bytes).
MAX_CHILD_REPORT = 1 << 20


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


def decode(value):
    """An argument from its JSON form (see ``requests.encode``)."""
    if isinstance(value, dict) and "array" in value:
        return np.array(value["array"], dtype=value["dtype"]).reshape(value["shape"])
    if isinstance(value, dict) and "dict" in value:
        return {key: decode(item) for key, item in value["dict"].items()}
    return value


def describe(value):
    """What a function returned, as the plain data of a ``report.Returned``: the numbers the
    public tests accept (``public_tests.as_number``) travel as "int", "float" or "float64"."""
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "other", "type_name": type(value).__name__}
    if isinstance(value, (int, np.integer)):
        return {"kind": "number", "value": int(value), "type_name": "int"}
    if isinstance(value, (float, np.floating)):
        return {"kind": "number", "value": float(value), "type_name": "float" if type(value) is float else "float64"}
    if isinstance(value, np.ndarray):
        return {"kind": "array", "shape": list(value.shape)}
    return {"kind": "other", "type_name": type(value).__name__}


def _callee(qualified):
    module, name = qualified.split(":")
    if module not in CALLEE_MODULES:
        raise ValueError(f"callee {qualified!r} is not from {CALLEE_MODULES}")
    return getattr(importlib.import_module(module), name)


def run(request):
    """The report (a dict) of the answer defined by ``request["codes"]`` on ``request["cases"]``."""
    exercise = request["exercise"]
    cases = [(list(map(decode, case["args"])), {name: _callee(q) for name, q in case["callees"].items()})
             for case in request["cases"]]  # everything resolved before any student code runs
    for name in request["explorer_modules"]:
        sys.modules[name] = _ExplorerOnly(name)
    namespace = {"__name__": "__main__"}
    exec(request["standard_imports"], namespace)
    # Taken before any student code runs, which could rebind it in the released module.
    signature_of = sys.modules["public_tests"].signature_of
    sources = {}
    for index, code in enumerate(request["codes"]):
        tree = definitions_of(code)
        if tree is None:
            continue
        sources[f"<answer {index}>"] = code.splitlines()
        with contextlib.suppress(Exception):
            exec(compile(tree, f"<answer {index}>", "exec"), namespace)
    function = namespace.get(exercise)
    if not callable(function):
        return {"signature": None, "returned": []}
    signature = signature_of(function)
    returned = []
    for args, callees in cases:
        namespace.update(callees)
        inputs = [arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args]
        before = [{k: v.copy() for k, v in arg.items()} for arg in args if isinstance(arg, dict)]
        try:
            outcome = describe(function(*inputs))
        except Exception as raised:  # the student's bug (or a value that breaks describing it): reported
            outcome = {"kind": "error", "error": _error_text(raised), "line": _answer_line(raised, sources)}
        after = [arg for arg in args if isinstance(arg, dict)]
        outcome["changed_parameters"] = any(not (isinstance(now.get(k), np.ndarray) and np.array_equal(now[k], v))
                                            for then, now in zip(before, after) for k, v in then.items())
        returned.append(outcome)
    return {"signature": signature, "returned": returned}


def _error_text(error):
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:              # an exception whose str() raises
        return type(error).__name__


def _answer_line(error, sources):
    """The source of the innermost line of the answer's cells that ``error`` went through, or ''."""
    lines = [(frame.f_code.co_filename, lineno) for frame, lineno in traceback.walk_tb(error.__traceback__)
             if frame.f_code.co_filename in sources]
    if not lines:
        return ""
    filename, lineno = lines[-1]
    text = sources[filename]
    return text[lineno - 1].strip() if 0 < lineno <= len(text) else ""


def run_all(batch, seconds, report_fd):
    """Every request of ``batch`` in a child process of its own, side by side; their outcomes.

    numpy and the helpers are imported once, here, before any student code runs, and each
    child starts from that state (fork), so one answer cannot touch another's. A child's
    outcome is its report, or its exit code when it died, or a timeout after ``seconds``.
    """
    for name in batch[0]["explorer_modules"] if batch else ():
        sys.modules[name] = _ExplorerOnly(name)
    if batch:
        exec(batch[0]["standard_imports"], {"__name__": "__main__"})
    children = {}
    for request in batch:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:                               # the child: this exercise's answer alone
            code = 1
            try:
                os.close(read_end)
                os.close(report_fd)
                for _, other in children.values():
                    os.close(other)
                with os.fdopen(write_end, "w") as out:
                    out.write(json.dumps(run(request)))
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children[request["exercise"]] = (pid, read_end)
    deadline = time.monotonic() + seconds
    texts = _read_all({read_end: exercise for exercise, (_, read_end) in children.items()}, deadline)
    outcomes = {}
    for exercise, (pid, read_end) in children.items():
        os.close(read_end)
        done, status = _wait(pid, deadline)
        if not done:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            outcomes[exercise] = {"timeout": True}
        elif os.waitstatus_to_exitcode(status) != 0:
            outcomes[exercise] = {"exit": os.waitstatus_to_exitcode(status)}
        else:
            outcomes[exercise] = {"report": texts.get(exercise, b"").decode("utf-8", "replace")}
    return outcomes


def _read_all(readers, deadline):
    """What each pipe of ``readers`` (fd -> name) gives until it closes or ``deadline``, bounded."""
    texts = {name: b"" for name in readers.values()}
    with selectors.DefaultSelector() as selector:
        for fd in readers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = os.read(key.fd, 1 << 16)
                name = readers[key.fd]
                if not chunk or len(texts[name]) > MAX_CHILD_REPORT:
                    selector.unregister(key.fd)
                else:
                    texts[name] += chunk
    return texts


def _wait(pid, deadline):
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return True, status
        if time.monotonic() >= deadline:
            return False, None
        time.sleep(0.01)


def main():
    # The answer imports the released helpers, which are in the working directory.
    sys.path.insert(0, os.getcwd())
    request = json.loads(sys.stdin.buffer.read())
    # The report goes to the original stdout; what student code prints goes nowhere.
    report_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        text = json.dumps(run_all(request["batch"], request["seconds"], report_fd))
    with os.fdopen(report_fd, "w") as out:
        out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
