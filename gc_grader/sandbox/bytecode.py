"""Bytecode of the course's helper modules, placed beside their copies in each sandbox.

Why: every kernel imports the helpers (``gc_utils``, ``testCases``, ``public_tests``, the
explorers' modules) from its fresh home, as every judge runner imports those it is given, and
Python compiled each of them from source there every time: a sandbox's home is new, and it
writes no bytecode (``PYTHONDONTWRITEBYTECODE``). That was about 0.024 CPU-s of every kernel's
imports, the same work for every student.

How: each helper is compiled once per grading process, from the course's own copy at the
repository root (only the course's text is ever compiled by the grader, never a student's),
into a "checked hash" ``.pyc`` (PEP 552), at the optimization level a kernel runs at. A copy
gets it only when its text is exactly the course's (the hash the ``.pyc`` records), placed
where Python looks for it beside that copy (``/home/student/__pycache__/gc_utils.cpython-311.pyc``).
Python checks that hash again as it imports; a helper whose text differs (a translated
edition's, one changed since) gets no bytecode and is compiled from its source, as before.

The course's copy is the one beside this package, as in this repository; where the package
is installed elsewhere and no helper is found beside it, sandboxes get no bytecode and
grading is as before, only slower.
"""

import importlib.util
import os
import py_compile
import sys
import tempfile
import threading
from pathlib import Path

from gc_grader.assignment import HELPERS

#: Where the course's own helpers are: the repository root, beside this package.
COURSE_ROOT = Path(__file__).resolve().parents[2]

_compiled = {}          # helper name -> ((mtime_ns, size) of the course's copy, bytecode or None)
_lock = threading.Lock()


def bytecode_for(files, home):
    """Inside path -> bytecode, for each helper among ``files`` (inside name -> host path; a
    relative name is in ``home``) whose text is the course's, to add to the sandbox's data."""
    found = {}
    for inside, host in (files or {}).items():
        name = inside[len(home) + 1:] if inside.startswith(home + "/") else inside
        if name not in HELPERS:
            continue
        code = _bytecode(name)
        if code is not None and _source_hash(host) == code[8:16]:    # PEP 552: the header's hash
            found[f"{home}/__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc"] = code
    return found


def _source_hash(path):
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    with open(descriptor, "rb") as file:
        return importlib.util.source_hash(file.read())


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
            # optimize=0: a sandboxed Python runs with a cleared environment, at level 0 (asserts kept).
            py_compile.compile(str(source), cfile=target, dfile=name, doraise=True, optimize=0,
                               invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        except (py_compile.PyCompileError, OSError):
            return None
        with open(target, "rb") as file:
            return file.read()


__all__ = ["bytecode_for"]
