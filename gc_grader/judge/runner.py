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
once, then the answers run in turn in a forked child, each reported as it ends; one that
ends its child or runs late leaves the next to a fresh child (``run_all``).
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


def resolve(request):
    """What ``run`` takes from outside the answer: the cases with their callees, and the released
    ``signature_of``. Taken before any student code runs, which could rebind them in the
    released modules (the child running a submission's answers takes them all first)."""
    cases = [(list(map(decode, case["args"])), {name: _callee(q) for name, q in case["callees"].items()})
             for case in request["cases"]]
    for name in request["explorer_modules"]:
        sys.modules[name] = _ExplorerOnly(name)
    return cases, importlib.import_module("public_tests").signature_of


def run(request, resolved=None):
    """The report (a dict) of the answer defined by ``request["codes"]`` on ``request["cases"]``,
    with what ``resolve`` took for it (taken now if not given)."""
    cases, signature_of = resolved or resolve(request)
    namespace = {"__name__": "__main__"}
    try:
        return _run(request, cases, signature_of, namespace)
    finally:
        # The answer's functions refer to their namespace: a cycle that would keep whatever the
        # answer made alive, past the answer, until a full collection.
        namespace.clear()


def _run(request, cases, signature_of, namespace):
    exercise = request["exercise"]
    exec(request["standard_imports"], namespace)
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
    """Every request of ``batch`` run in turn in a child process; their outcomes.

    numpy and the helpers are imported once, here, before any student code runs. A child
    forked from that state runs the answers one after another, each on its own ``seconds``,
    and reports each as it ends (``_in_turn``). One fork per submission, not one per answer:
    each fork's copy of this process's memory cost more than most answers take to run (on
    the benchmark machine the judge of a submission took 72 ms of CPU instead of 100). An
    answer that ends its child, runs late or writes over its report takes only its own
    outcome with it: the answers after it run in a fresh child from the same state. What each
    answer takes from outside (its cases, their callees, ``signature_of``) is taken before the
    first answer runs, and each answer has a namespace of its own, emptied after it; but the
    answers sharing a child share its modules: one whose definitions change numpy's settings
    or a helper changes them for the answers after it, as the student's own kernel would. An
    outcome is the answer's report, or its child's exit code when it died, or a timeout.
    """
    for name in batch[0]["explorer_modules"] if batch else ():
        sys.modules[name] = _ExplorerOnly(name)
    if batch:
        exec(batch[0]["standard_imports"], {"__name__": "__main__"})
    outcomes = {}
    while len(outcomes) < len(batch):
        outcomes.update(_in_turn([request for request in batch if request["exercise"] not in outcomes],
                                 seconds, report_fd))
    return outcomes


def _in_turn(requests, seconds, report_fd):
    """The outcomes of ``requests`` run one after another in one child, up to the first that
    does not report in time (its outcome included): at least one outcome."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:                                   # the child: these answers, in turn
        code = 1
        try:
            os.close(read_end)
            os.close(report_fd)
            # What the answers print goes nowhere, rather than pile up in memory answer after answer.
            sys.stdout = sys.stderr = open(os.devnull, "w")
            resolved = [resolve(request) for request in requests]
            with os.fdopen(write_end, "wb") as out:
                for request, taken in zip(requests, resolved):
                    report = json.dumps(run(request, taken)).encode()
                    out.write(b"%d\n" % len(report) + report)
                    out.flush()
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    outcomes, stopped, why, status = {}, None, None, None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            pending = b""
            for request in requests:
                deadline = time.monotonic() + seconds
                report, pending, why = _next_report(read_end, selector, pending, deadline)
                if why is not None:
                    stopped = request["exercise"]
                    break
                outcomes[request["exercise"]] = {"report": report.decode("utf-8", "replace")}
        if why == "ended":
            status = _ended(pid, deadline)
            if status is None:          # it closed its end of the pipe, and runs on
                why = "late"
    finally:
        os.close(read_end)
        if status is None:
            os.kill(pid, signal.SIGKILL)    # done with it, or it ran late, or wrote what is no report
            _, status = os.waitpid(pid, 0)
    if stopped is not None:
        code = os.waitstatus_to_exitcode(status)
        outcomes[stopped] = ({"timeout": True} if why == "late" else {"exit": code} if why == "ended" and code != 0
                             else {"report": ""})
    return outcomes


def _next_report(fd, selector, pending, deadline):
    """(the next report read from ``fd``, what was read after it, None), or (None, b"", why) when
    none comes whole by ``deadline``: why is "ended" (the child closed its end: it ended), "late"
    or "garbage" (what it wrote is not a report)."""
    while True:
        header, newline, rest = pending.partition(b"\n")
        if newline:
            if not header.isdigit() or int(header) > MAX_CHILD_REPORT:
                return None, b"", "garbage"
            if len(rest) >= int(header):
                return rest[:int(header)], rest[int(header):], None
        elif len(pending) > len(str(MAX_CHILD_REPORT)):
            return None, b"", "garbage"
        # Once more at the deadline: a report may be waiting, unread while this process was not running.
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            return None, b"", "late"
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None, b"", "ended"
        pending += chunk


def _ended(pid, deadline):
    """The wait status of child ``pid`` once it has ended, or None if it runs at ``deadline``."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)



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
