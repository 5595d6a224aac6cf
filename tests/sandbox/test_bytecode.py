"""The course's helpers come into each sandbox with their bytecode (gc_grader/sandbox/bytecode.py),
in a real bubblewrap sandbox, forked from the zygote and started from scratch: Python imports
them without compiling, and compiles a helper whose text is not the course's from that text."""

import json
import sys

import pytest

from test_zygote import ROOT, run_script

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
def test_a_helper_whose_text_changed_is_compiled_from_that_text(tmp_path, zygote):
    changed = tmp_path / "gc_utils.py"
    changed.write_text((ROOT / "gc_utils.py").read_text() + "\nCHANGED = True\n")
    seen = probe(zygote, tmp_path, changed)
    assert seen["compiled"] == ["gc_utils.py", "mine.py"] and seen["changed"] and seen["works"] == 0.5
