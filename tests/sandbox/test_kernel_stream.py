"""The grading kernel's output streams (gc_grader/sandbox/kernel_stream.py): a kernel forked
from the zygote uses them, one started from scratch keeps ipykernel's, and a notebook's
outputs are the same either way, to the byte and in their order, whatever prints them
(a cell, a thread, C code, a child process) and whenever."""

import hashlib
import inspect
from pathlib import Path

import pytest
from ipykernel.iostream import OutStream
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

RELEASED = Path(__file__).resolve().parents[2] / "release" / "gradient_checking"

#: The ipykernel code whose state SkipEmptyFlushOutStream reads (what is written waits in
#: ``_buffers`` until ``_flush`` rotates it out; ``_flush_pending`` says a flush is scheduled;
#: ``echo``), as pinned (ipykernel 7.4.0). A change there fails this test: re-read the new
#: code, bring gc_grader/sandbox/kernel_stream.py in line with it, then update the digest.
READ = {
    "__init__": "7f5e96c287471a18aeba79efb5de7e748395153ad0e29ff57359443d1494c0dd",
    "flush": "a98ae207fca22e14c455182f8421659dc35576e7f32895f0918919db4f8921af",
    "_flush": "bbc71cad85cf3fddfaaa3d624d5fee6b09d7839be231088c4979657d0520cc94",
    "write": "a63d2196b6f7f3a173d5a09e59081f3b7e6b9ab4d1cd2206968007c525d645d9",
    "_schedule_flush": "54781be9c4f649c32e50f18ebb8a9865a7c24ee3eb5a8627c48ecb16f7f9b4c2",
    "_rotate_buffers": "8b988b2b4854dbf615b3a11de7483c6bb3c02a2823418955086a8da235a74d3b",
    "_flush_buffers": "c06ddc3776ec5a9bd205d6f0be0a399acce1770c948de64acd661b2763601652",
}

#: Cells whose outputs are the same every time: what and in which messages.
CELLS = [
    "import sys\nprint(type(sys.stdout).__name__, type(sys.stderr).__name__)",
    "pass",
    "x = 1",
    "print('one line')",
    "print('no newline', end='')",
    "print('flushed', flush=True); print('then more')",
    "import sys; sys.stderr.write('to stderr\\n'); print('to stdout')",
    "import threading\nt = threading.Thread(target=lambda: print('from a thread')); t.start(); t.join()",
    "from IPython.display import display; display('shown'); print('printed after it')",
    "print('before an error'); 1 / 0",
    "42",
    "for i in range(200):\n    print(i, end=' ')",
]
#: Cells whose output reaches the kernel's streams through its file descriptors, read by a
#: thread of ipykernel's as it comes: their lines are the same every time, though how they
#: are cut into messages, and C's line among Python's, depends on when that thread runs.
RACING_CELLS = [
    "import os; os.write(1, b'from C\\n'); print('after C')",
    "import subprocess; subprocess.run(['echo', 'from a child process']); print('after the child')",
]


def _outputs(zygote, cells):
    config = Config()
    config.Sandbox.zygote = zygote
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    NotebookClient(nb, kernel_name="gc-sandbox", timeout=30, allow_errors=True, config=config,
                   resources={"metadata": {"path": str(RELEASED)}}).execute()
    return [[{key: value for key, value in output.items() if key != "traceback"} for output in cell.outputs]
            for cell in nb.cells]


def _lines(outputs):
    return sorted((output.get("name"), line) for output in outputs for line in output.get("text", "").splitlines())


@pytest.mark.parametrize("name", READ)
def test_the_ipykernel_code_it_relies_on_has_not_changed_upstream(name):
    source = inspect.getsource(getattr(OutStream, name))
    assert hashlib.sha256(source.encode()).hexdigest() == READ[name], \
        f"ipykernel's OutStream.{name} changed: re-check SkipEmptyFlushOutStream against it"


def test_a_forked_kernel_prints_with_it_and_every_output_is_as_from_scratch():
    forked, scratch = _outputs(True, CELLS + RACING_CELLS), _outputs(False, CELLS + RACING_CELLS)
    assert forked[0] == [{"output_type": "stream", "name": "stdout",
                          "text": "SkipEmptyFlushOutStream SkipEmptyFlushOutStream\n"}]
    assert scratch[0] == [{"output_type": "stream", "name": "stdout", "text": "OutStream OutStream\n"}]
    assert forked[1:len(CELLS)] == scratch[1:len(CELLS)]
    assert forked[1:3] == [[], []] and forked[9][-1]["ename"] == "ZeroDivisionError"
    racing = [(_lines(f), _lines(s)) for f, s in zip(forked[len(CELLS):], scratch[len(CELLS):])]
    assert [f for f, _ in racing] == [s for _, s in racing]
    assert racing[0][0] == [("stdout", "after C"), ("stdout", "from C")]
    assert ("stdout", "from a child process") in racing[1][0]


def test_what_a_thread_prints_while_the_cell_flushes_nothing_is_never_lost():
    """A thread prints while the cell's own thread flushes again and again with nothing of its
    own written (the flushes skipped): every line arrives, in order, as from scratch."""
    cell = ("import sys, threading, time\n"
            "def tick():\n"
            "    for i in range(300):\n"
            "        print(f'tick {i}')\n"
            "        time.sleep(0.0005)\n"
            "t = threading.Thread(target=tick); t.start()\n"
            "while t.is_alive():\n"
            "    sys.stdout.flush()\n"
            "t.join()")
    expected = "".join(f"tick {i}\n" for i in range(300))
    for zygote in (True, False):
        printed = "".join(output.get("text", "") for output in _outputs(zygote, [cell])[0])
        assert printed == expected, zygote
