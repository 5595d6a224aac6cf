"""BoundedOutputs, with the real grading kernel: what a kernel sends back is bounded in bytes as it
arrives, per cell and per notebook, and no flood can hide a failed test's error."""

import json

from nbformat.v4 import new_code_cell, new_notebook

from course import RELEASE_NB
from gc_grader.plugins.resilient_execute import ResilientExecute


def executed(*sources, **settings):
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    executor = ResilientExecute(kernel_name="gc-sandbox", timeout=20, allow_errors=True, **settings)
    executor.preprocess(nb, {"metadata": {"path": str(RELEASE_NB.parent)}})
    return nb


def kinds(cell):
    return [(out.output_type, out.get("ename")) for out in cell.outputs]


def test_a_cell_keeps_its_budget_and_says_the_rest_was_dropped():
    nb = executed("print('x' * 300_000)", "print('ok')", max_cell_output_bytes=100_000)
    [kept, note] = nb.cells[0].outputs
    assert kept.text == "x" * len(kept.text) and 99_000 < len(kept.text) <= 100_000
    assert "kept the first 100000 bytes of this cell's output" in note.text
    assert nb.cells[1].outputs[0].text == "ok\n"


def test_the_notebook_keeps_its_budget_and_a_failed_test_stays_failed():
    nb = executed(*["print('x' * 60_000)"] * 5, "raise AssertionError('wrong: ' + 'z' * 5000)",
                  max_notebook_output_bytes=200_000)
    assert len(json.dumps([cell.outputs for cell in nb.cells])) < 220_000
    assert "the notebook's output" in nb.cells[3].outputs[-1].text
    error = nb.cells[-1].outputs[-1]
    assert (error.output_type, error.ename) == ("error", "AssertionError")
    assert error.evalue.startswith("wrong: ") and len(error.evalue) <= 2000


def test_a_message_larger_than_allowed_never_arrives_and_fails_its_cell_alone():
    nb = executed("x = 1", "print('y' * 3_000_000)", "print(x + 1)", max_message_bytes=2**20)
    assert kinds(nb.cells[1]) == [("error", "OutputLost")]
    assert nb.cells[2].outputs[0].text == "2\n"
