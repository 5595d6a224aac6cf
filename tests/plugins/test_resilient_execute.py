"""gc_grader.resilient_execute, end to end with the real nbgrader: a submission whose code
kills or hangs the kernel loses the exercises that really fail, and nothing else.

Three batches, each graded by one `nbgrader autograde` call in its own scratch course:
one with the course's own settings (kernels killed), one with a 5-second limit per cell
and per outside judgement (cells that hang), to keep the suite quick, and one without
the sandbox (a cell that kills the kernel only when replayed needs state that outlives
a kernel, which the sandbox never leaves: each kernel starts in a fresh one). The
first two run at the same time (the second in a process of its own), since most of
their time is spent waiting on timeouts and kernel starts.
"""

import os
from pathlib import Path

import pytest
from nbformat.v4 import new_output

from course import (ASSIGNMENT, NOTEBOOK, POINTS, copy_course, nbgrader_alongside, points_by_exercise, read_notebook,
                    run_nbgrader, short_timeouts)
from submissions import Submission, correct_answers, mistake, variant

pytestmark = pytest.mark.slow

SHORT_TIMEOUT = 5
RETURN = "    return difference"  # the last line of gradient_check's answer

OS_EXIT = mistake("os_exit", "os._exit(1) inside gradient_check", "gradient_check",
                  (RETURN, "    import os; os._exit(1)\n" + RETURN))
KILLED = [
    OS_EXIT,
    # The same notebook again: grading must be deterministic.
    Submission("os_exit_again", OS_EXIT.description, OS_EXIT.answers, OS_EXIT.lost),
    mistake("segfault", "a segfault inside backward_propagation", "backward_propagation",
            ("    dtheta = x", "    import ctypes; ctypes.string_at(0)\n    dtheta = x")),
    # The definition ran, but the cell died, so it is not replayed: the fresh kernel has
    # no gradient_check_n, and only its tests fail. Exercises 1-3 and their definitions,
    # replayed, still score.
    variant("top_level_exit", "os._exit(0) at the top level of gradient_check_n's cell",
            {"gradient_check_n": correct_answers()["gradient_check_n"] + "\nimport os; os._exit(0)\n"},
            lost=("gradient_check_n",)),
    # Prints 60 MB at once at the top level of gradient_check_n's cell: that output never
    # reaches the grader (BoundedOutputs), the cell fails and, as it never completed, the
    # fresh kernel has no gradient_check_n.
    variant("floods_output", "print('z' * 60_000_000) at the top level of gradient_check_n's cell",
            {"gradient_check_n": correct_answers()["gradient_check_n"] + "\nprint('z' * 60_000_000)\n"},
            lost=("gradient_check_n",)),
    Submission("correct", "the instructor's answers", correct_answers()),
    # Right answers; prints one line in two pieces, 0.5 s apart (ipykernel sends them apart).
    variant("prints_in_pieces", "forward_propagation prints one line in two pieces", {
        "forward_propagation": [("    J = theta * x", "    import time\n    print('pie', end='')\n"
                                 "    time.sleep(0.5)\n    print('ces')\n    J = theta * x")]}),
]
REPLAYED = [
    # Its forward_propagation cell kills the kernel when replayed (a file says it ran
    # before), so after backward_propagation's cell kills the kernel, the replay drops
    # that cell and starts over: forward_propagation's tests had passed; the demos
    # after the replay find no forward_propagation; gradient_check's tests use a
    # known-good one; backward_propagation's cell never completed.
    variant("dies_when_replayed", "the forward_propagation cell kills the kernel on its second run", {
        "forward_propagation": correct_answers()["forward_propagation"]
        + '\nimport os\nif os.path.exists("ran_once"):\n    os._exit(1)\nopen("ran_once", "w").close()\n',
        "backward_propagation": correct_answers()["backward_propagation"] + "\nimport os; os._exit(1)\n",
    }, lost=("backward_propagation",)),
]
HUNG = [
    # Hangs in its demo, its tests and gradient_check's demo; gradient_check's tests use a
    # known-good forward_propagation, so exercise 3 still scores.
    mistake("swallows_interrupt", "an endless loop that swallows KeyboardInterrupt in forward_propagation",
            "forward_propagation",
            ("    J = theta * x", "    import time\n    while True:\n        try:\n            time.sleep(1)\n"
                                 "        except BaseException:\n            pass\n    J = theta * x")),
    mistake("sleeps", "time.sleep(3600) inside gradient_check (stops when interrupted)", "gradient_check",
            (RETURN, "    import time; time.sleep(3600)\n" + RETURN)),
    Submission("correct_short", "the instructor's answers, under the short timeout", correct_answers()),
]


def kernels_running_in(course):
    """Processes (kernels) whose working directory is inside ``course``: none may outlive nbgrader."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(course):
                found.append((proc.name, (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:
            continue  # gone, or not ours
    return found


class Batch:
    """One scratch course whose submissions one `nbgrader autograde` call grades."""

    def __init__(self, course, submissions):
        self.course = course
        for submission in submissions:
            submission.place(self.course)

    def points(self, student):
        return points_by_exercise(self.course, student)

    def notebook(self, student):
        return read_notebook(self.course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb")


@pytest.fixture(scope="module")
def batches(generated_course, tmp_path_factory):
    killed = Batch(copy_course(generated_course, tmp_path_factory.mktemp("killed") / "course"), KILLED)
    hung = Batch(short_timeouts(copy_course(generated_course, tmp_path_factory.mktemp("hung") / "course"),
                                SHORT_TIMEOUT), HUNG)
    replayed = Batch(copy_course(generated_course, tmp_path_factory.mktemp("replayed") / "course"), REPLAYED)
    with open(replayed.course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Sandbox.enabled = False\n")
    # The slow, mostly waiting batch is graded in the background, the other meanwhile.
    with nbgrader_alongside(hung.course, "autograde", ASSIGNMENT) as background:
        killed.log = run_nbgrader(killed.course, "autograde", ASSIGNMENT).stderr
        replayed.log = run_nbgrader(replayed.course, "autograde", ASSIGNMENT).stderr
    hung.log = background.stderr
    return {"killed": killed, "hung": hung, "replayed": replayed}


def ids(submission):
    return submission.student


def outputs_by_cell_id(nb):
    return {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}


def cells_with_error(nb, ename, evalue_part=""):
    return {cell.id for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs
            if out.output_type == "error" and out.ename == ename and evalue_part in out.evalue}


@pytest.mark.parametrize("batch, submission", [("killed", s) for s in KILLED] + [("replayed", s) for s in REPLAYED],
                         ids=lambda value: value if isinstance(value, str) else value.student)
def test_a_killed_kernel_costs_only_the_exercises_that_fail(batches, batch, submission):
    assert batches[batch].points(submission.student) == submission.expected_points(), submission.description


@pytest.mark.parametrize("submission", HUNG, ids=ids)
def test_a_hung_cell_costs_only_its_exercise(batches, submission):
    assert batches["hung"].points(submission.student) == submission.expected_points(), submission.description


def test_the_recipes_expect_these_totals():
    """Guard the recipes themselves: the points each scenario must keep, spelled out."""
    totals = {s.student: sum(s.expected_points().values()) for s in KILLED + REPLAYED + HUNG}
    assert totals == {"os_exit": 70, "os_exit_again": 70, "segfault": 90, "top_level_exit": 50, "dies_when_replayed": 90,
                      "floods_output": 50,
                      "correct": 100, "prints_in_pieces": 100, "swallows_interrupt": 90, "sleeps": 70, "correct_short": 100}
    assert sum(POINTS.values()) == 100


def test_the_cell_that_killed_the_kernel_says_so_and_earlier_outputs_are_untouched(batches):
    killed = batches["killed"]
    nb, reference = killed.notebook("os_exit"), killed.notebook("correct")
    # Both cells that call the student's gradient_check kill the kernel, and only they.
    assert cells_with_error(nb, "KernelDied") == {"demo-gradient-check", "gradient-check-tests"}
    for cell_id in ("demo-gradient-check", "gradient-check-tests"):
        [error] = outputs_by_cell_id(nb)[cell_id]  # only the error: what came before it is timing
        assert error.evalue.startswith("The kernel died while running this cell")
        assert error.traceback == [f"KernelDied: {error.evalue}"]
    # Replays left no trace: every cell before the first kill has the outputs and
    # prompt numbers of the correct submission, whose code is the same up to there.
    first_kill = [cell.id for cell in nb.cells].index("demo-gradient-check")
    for cell, same in zip(nb.cells[:first_kill], reference.cells[:first_kill]):
        assert cell.id == same.id
        if cell.cell_type == "code":
            assert (cell.outputs, cell.execution_count) == (same.outputs, same.execution_count), cell.id
    assert any(cell.get("outputs") for cell in nb.cells[:first_kill]), "no earlier output to compare"
    # After the kills, the fresh kernels ran the rest: exercise 4's tests passed.
    tests_n = outputs_by_cell_id(nb)["gradient-check-n-tests"]
    assert tests_n and not [out for out in tests_n if out.output_type == "error"]


def test_the_instructor_is_told_which_cell_killed_the_kernel(batches):
    log = batches["killed"].log
    for cell in ("demo-gradient-check", "gradient_check_tests"):
        assert f"student os_exit, notebook {NOTEBOOK}, cell '{cell}': The kernel died" in log
    assert f"student segfault, notebook {NOTEBOOK}, cell 'backward_propagation_tests': The kernel died" in log
    assert "student correct," not in log


def test_a_cell_that_kills_the_kernel_when_replayed_is_dropped_from_the_replay(batches):
    killed = batches["replayed"]
    assert (f"student dies_when_replayed, notebook {NOTEBOOK}, cell 'forward_propagation': "
            "killed or hung the kernel when replayed; skipped from now on") in killed.log
    nb = killed.notebook("dies_when_replayed")
    assert cells_with_error(nb, "KernelDied") == {"backward_propagation"}
    # forward_propagation's tests passed in the first kernel, and keep those outputs;
    # after the replay, forward_propagation and backward_propagation are not defined.
    assert not [out for out in outputs_by_cell_id(nb)["forward-propagation-tests"] if out.output_type == "error"]
    assert cells_with_error(nb, "NameError", "'forward_propagation' is not defined") == {"demo-gradient-check"}
    assert cells_with_error(nb, "NameError", "'backward_propagation' is not defined") == {
        "demo-backward-propagation", "backward-propagation-tests"}


def test_a_top_level_kill_fails_its_cell_and_only_what_needs_it(batches):
    nb = batches["killed"].notebook("top_level_exit")
    assert cells_with_error(nb, "KernelDied") == {"gradient_check_n"}
    # The cells after it ran in the fresh kernel, where the replayed helpers exist
    # but gradient_check_n, never completed, does not.
    assert cells_with_error(nb, "NameError", "'gradient_check_n' is not defined") == {
        "demo-gradient-check-n", "gradient-check-n-tests", "explore-network", "check-after-fix"}
    assert cells_with_error(nb, "NameError") == cells_with_error(nb, "NameError", "'gradient_check_n'")


def test_one_printed_line_is_one_output_however_the_kernel_sent_it(batches):
    """Otherwise the outputs, and so the feedback, would depend on timing."""
    nb = batches["killed"].notebook("prints_in_pieces")
    assert outputs_by_cell_id(nb)["demo-forward-propagation"] == [
        new_output("stream", name="stdout", text="pieces\nJ = 8\n")]


def test_grading_is_deterministic(batches):
    killed = batches["killed"]
    first, second = killed.notebook("os_exit"), killed.notebook("os_exit_again")
    assert [(c.id, c.get("outputs"), c.get("execution_count")) for c in first.cells] == \
           [(c.id, c.get("outputs"), c.get("execution_count")) for c in second.cells]


def test_a_cell_that_ignores_the_interrupt_fails_with_a_timeout_error(batches):
    nb = batches["hung"].notebook("swallows_interrupt")
    assert cells_with_error(nb, "CellTimeoutError", "did not stop when interrupted") == {
        "demo-forward-propagation", "forward-propagation-tests", "demo-gradient-check"}
    assert f"{SHORT_TIMEOUT}-second time limit" in outputs_by_cell_id(nb)["forward-propagation-tests"][-1].evalue
    assert "student swallows_interrupt, notebook" in batches["hung"].log


def test_a_cell_that_stops_on_interrupt_keeps_nbgraders_behaviour(batches):
    nb = batches["hung"].notebook("sleeps")
    interrupted = {"demo-gradient-check", "gradient-check-tests"}
    assert cells_with_error(nb, "KeyboardInterrupt") == interrupted
    assert cells_with_error(nb, "CellTimeoutError") == interrupted  # nbgrader's own error output
    assert not cells_with_error(nb, "CellTimeoutError", "did not stop")
    assert not cells_with_error(nb, "KernelDied")
    # Same kernel throughout: prompt numbers simply count up.
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


@pytest.mark.parametrize("name", ["killed", "hung"])
def test_no_kernel_outlives_grading(batches, name):
    assert kernels_running_in(batches[name].course) == []


def test_an_output_flood_never_reaches_the_notebook(batches):
    nb = batches["killed"].notebook("floods_output")
    assert cells_with_error(nb, "OutputLost") == {"gradient_check_n"}
    assert cells_with_error(nb, "NameError", "'gradient_check_n' is not defined") >= {"gradient-check-n-tests"}
    assert not any("zzzz" in str(cell.get("outputs", "")) for cell in nb.cells)
