"""Bytecode of the course's helper modules, placed beside their copies in each sandbox.

Why: every kernel and every judge runner imports the helpers (``gc_utils``, ``testCases``,
``public_tests``, the explorers' modules) from its fresh home, and Python compiled each of them
from source there every time: a sandbox's home is new, and it writes no bytecode
(``PYTHONDONTWRITEBYTECODE``). That was about 0.035 CPU-s of every kernel's imports, the
same work for every student.

How: each helper is compiled once per grading process, from the course's own copy at the
repository root (never from a student's folder: only the course's text is compiled by the
grader), into a "checked hash" ``.pyc`` (PEP 552) whose name is the one Python looks for
beside the copy inside (``/home/student/__pycache__/gc_utils.cpython-311.pyc``). Python uses
it only if the source file beside it hashes to the value it records; any other text under
that name (a helper changed since, a translated edition's) is compiled from its source, as
before. Only helpers the sandbox gets a copy of get their bytecode.
"""

import importlib.util
import os
import py_compile
import tempfile
import threading
from pathlib import Path

from gc_grader.assignment import HELPERS

#: Where the course's own helpers are: the repository root, beside this package.
COURSE_ROOT = Path(__file__).resolve().parents[2]

_compiled = {}          # helper name -> ((mtime_ns, size) of the course's copy, bytecode)
_lock = threading.Lock()


def bytecode_for(files, home):
    """Inside path -> bytecode, for each helper among ``files`` (inside name -> host path; a
    relative name is in ``home``), to add to the sandbox's data beside them."""
    found = {}
    for inside in files or {}:
        name = inside[len(home) + 1:] if inside.startswith(home + "/") else inside
        if name in HELPERS:
            code = _bytecode(name)
            if code is not None:
                found[importlib.util.cache_from_source(f"{home}/{name}", optimization="")] = code
    return found


def _bytecode(name):
    """The checked-hash bytecode of the course's ``name``, compiled again when that file changed;
    None when the course has no such file or it does not compile."""
    source = COURSE_ROOT / name
    try:
        stat = source.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        kept = _compiled.get(name)
        if kept is None or kept[0] != stamp:
            kept = _compiled[name] = (stamp, _compile(source, name))
    return kept[1]


def _compile(source, name):
    with tempfile.TemporaryDirectory(prefix="gc_bytecode_") as scratch:
        target = os.path.join(scratch, "code.pyc")
        try:
            py_compile.compile(str(source), cfile=target, dfile=name, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        except (py_compile.PyCompileError, OSError):
            return None
        with open(target, "rb") as file:
            return file.read()


__all__ = ["bytecode_for"]
