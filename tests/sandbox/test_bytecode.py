"""The course's helpers come into each sandbox with their bytecode (gc_grader/sandbox/bytecode.py).

In a real bubblewrap sandbox, forked from the zygote and started from scratch: Python imports
them without compiling, and a helper whose text is not the course's gets no bytecode and is
compiled from that text. In this process: what the grader compiles, from the course's copy
only, again when it changes, at a kernel's optimization level."""

import json
import marshal
import subprocess
import sys

import pytest

from test_zygote import ROOT, run_script

from gc_grader.sandbox import bytecode

#: Imports two helpers and a module of the student's, and says which of them Python compiled
#: from source (SourceLoader.source_to_code is where it does, when no valid bytecode is found).
PROBE = r"""
import importlib._bootstrap_external as external, json, os, sys
sys.path.insert(0, os.getcwd())
compiled, original = [], external.SourceLoader.source_to_code
def recording(self, data, path, *args, **kwargs):
    compiled.append(os.path.basename(path))
    return original(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = recording
import gc_utils, testCases, mine
print(json.dumps({"compiled": sorted(compiled), "cached": sorted(os.listdir("__pycache__")),
                  "changed": hasattr(gc_utils, "CHANGED"), "where": gc_utils.__file__,
                  "works": float(gc_utils.sigmoid(0.0))}))
"""


def probe(zygote, tmp_path, gc_utils):
    mine = tmp_path / "mine.py"
    mine.write_text("ANSWER = 42\n")
    files = {"gc_utils.py": str(gc_utils), "testCases.py": str(ROOT / "testCases.py"), "mine.py": str(mine)}
    out, code, _ = run_script(zygote, PROBE, tmp_path, files=files)
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "from-scratch"])
def test_the_course_helpers_are_imported_from_their_bytecode(tmp_path, zygote):
    seen = probe(zygote, tmp_path, ROOT / "gc_utils.py")
    assert seen["compiled"] == ["mine.py"], "a helper was compiled again, or the student's module was not"
    tag = sys.implementation.cache_tag
    assert seen["cached"] == [f"gc_utils.{tag}.pyc", f"testCases.{tag}.pyc"]
    assert seen["where"] == "/home/student/gc_utils.py" and seen["works"] == 0.5 and not seen["changed"]


@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "from-scratch"])
def test_a_helper_whose_text_changed_gets_no_bytecode_and_is_compiled_from_that_text(tmp_path, zygote):
    changed = tmp_path / "gc_utils.py"
    changed.write_text((ROOT / "gc_utils.py").read_text() + "\nCHANGED = True\n")
    seen = probe(zygote, tmp_path, changed)
    assert seen["compiled"] == ["gc_utils.py", "mine.py"] and seen["changed"] and seen["works"] == 0.5
    assert seen["cached"] == [f"testCases.{sys.implementation.cache_tag}.pyc"]


# --- what the grader compiles, and when (in this process) -------------------------------------

@pytest.fixture
def course_root(tmp_path, monkeypatch):
    """A course root of this test's own, with nothing compiled yet."""
    root = tmp_path / "course"
    root.mkdir()
    monkeypatch.setattr(bytecode, "COURSE_ROOT", root)
    monkeypatch.setattr(bytecode, "_compiled", {})
    return root


def test_the_bytecode_follows_the_course_copy_and_only_matching_copies_get_it(course_root, tmp_path):
    helper = course_root / "gc_utils.py"
    helper.write_text("VALUE = 1\n")
    copy = tmp_path / "copy.py"
    copy.write_text("VALUE = 1\n")
    where = f"/home/student/__pycache__/gc_utils.{sys.implementation.cache_tag}.pyc"
    first = bytecode.bytecode_for({"gc_utils.py": str(copy), "mine.py": str(copy)}, "/home/student")
    assert list(first) == [where] and _run(first[where])["VALUE"] == 1
    # The course's copy changes: compiled again; the student's old copy no longer matches it.
    helper.write_text("VALUE = 22\n")
    assert bytecode.bytecode_for({"/home/student/gc_utils.py": str(copy)}, "/home/student") == {}
    copy.write_text("VALUE = 22\n")
    again = bytecode.bytecode_for({"gc_utils.py": str(copy)}, "/home/student")
    assert _run(again[where])["VALUE"] == 22


def test_no_bytecode_for_a_helper_that_does_not_compile_or_is_missing(course_root, tmp_path):
    (course_root / "gc_utils.py").write_text("def broken(:\n")
    copy = tmp_path / "copy.py"
    copy.write_text("def broken(:\n")
    assert bytecode.bytecode_for({"gc_utils.py": str(copy), "testCases.py": str(copy)}, "/home/student") == {}


def test_the_bytecode_keeps_asserts_when_the_grader_runs_optimized(tmp_path):
    """A kernel runs at optimization level 0: the bytecode must too, whatever the grader's level."""
    (tmp_path / "gc_utils.py").write_text("assert False, 'kept'\n")
    code = ("import marshal, sys; from gc_grader.sandbox import bytecode; "
            f"bytecode.COURSE_ROOT = __import__('pathlib').Path({str(tmp_path)!r}); "
            f"found = bytecode.bytecode_for({{'gc_utils.py': {str(tmp_path / 'gc_utils.py')!r}}}, '/home/student'); "
            "sys.stdout.buffer.write(next(iter(found.values())))")
    done = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AssertionError, match="kept"):
        _run(done.stdout)


def _run(pyc):
    """Run a .pyc's code (after its 16-byte header); its namespace."""
    namespace = {}
    exec(marshal.loads(pyc[16:]), namespace)
    return namespace
