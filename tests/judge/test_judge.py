"""The outside judge: the answer runner keeps definitions only, its report is read strictly,
a lone answer is judged to the points the corpus expects, and every outcome of a real
sandboxed answer process gets its sentence."""

import json
import time

import pytest

from course import RELEASE_NB
from gc_grader.assignment import EXERCISES, SECRET_FILE
from gc_grader.checks.errors import AnswerCrashed, CheckFailed, GradingFailure
from gc_grader.judge import runner
from gc_grader.judge.report import AnswerReport, Returned, UnusableReport
from gc_grader.judge.requests import run_in_process
from gc_grader.judge.secret import course_secret, seed_for
from gc_grader.judge.verdict import judge_report
from submissions import corpus

GC_SIGNATURE = "(x, theta, epsilon=1e-07, print_msg=False)"


def student(name):
    return next(s for s in corpus() if s.student == name)


def test_the_runner_keeps_definitions_only():
    tree = runner.definitions_of("import os\nX = 3\ndef f():\n    return X\nos._exit(1)\nprint('hi')\n")
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Import", "Assign", "FunctionDef"]
    assert runner.definitions_of("def broken(:\n") is None


@pytest.mark.parametrize("name", ["correct", "style_vectorised", "gcn_no_copy", "attack_lookup_table",
                                  "attack_rebinds_grader", "gc_inline_model", "attack_explorer_module"])
def test_judging_a_lone_answer_agrees_with_the_expected_points(monkeypatch, name):
    monkeypatch.chdir(RELEASE_NB.parent)          # where the assignment's helpers import from
    submission = student(name)
    for exercise in EXERCISES:
        seed = seed_for("a secret", name, exercise)
        report = run_in_process(exercise, [submission.answers[exercise]], seed)
        if exercise in submission.lost:
            with pytest.raises(GradingFailure):
                judge_report(exercise, report, seed)
        else:
            judge_report(exercise, report, seed)


def test_answers_built_on_the_explorers_module_fail_and_say_why(monkeypatch):
    """gc_epsilon ships for the explorers; the outside judge runs answers without it, and says why."""
    monkeypatch.chdir(RELEASE_NB.parent)
    submission = student("attack_explorer_module")
    seed = seed_for("a secret", "someone", "gradient_check_n")
    report = run_in_process("gradient_check_n", [submission.answers["gradient_check_n"]], seed)
    with pytest.raises(AnswerCrashed, match="belongs to the epsilon explorers"):
        judge_report("gradient_check_n", report, seed)


def test_seeds_are_secret_per_student_and_stable(tmp_path):
    secret = course_secret(tmp_path)
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert course_secret(tmp_path) == secret
    assert seed_for(secret, "ann", "gradient_check") == seed_for(secret, "ann", "gradient_check")
    assert seed_for(secret, "ann", "gradient_check") != seed_for(secret, "bob", "gradient_check")


def test_a_report_round_trips_with_named_fields():
    report = AnswerReport(GC_SIGNATURE, [Returned("number", value=0.25, type_name="float64"),
                                         Returned("array", shape=(1, 1), changed_parameters=True),
                                         Returned("error", error="ValueError: oops")])
    assert AnswerReport.from_json(report.to_json()) == report


@pytest.mark.parametrize("forged", [
    '{"signature": "(x)", "returned": [{"kind": "number", "value": "nan", "type_name": "float"}]}',
    '{"signature": "(x)", "returned": [{"kind": "number", "value": 1.0, "type_name": "str"}]}',
    '{"signature": "(x)", "returned": [{"kind": "exec", "value": "import os"}]}',
    '{"signature": "(x)", "returned": [{"kind": "array", "shape": ["a"]}]}',
    '{"signature": "(x)", "returned": [], "extra": 1}',
    '{"signature": 3, "returned": []}',
    '[1, 2]',
    'not json',
])
def test_a_forged_report_is_unusable_data_never_a_verdict(forged):
    with pytest.raises(UnusableReport):
        AnswerReport.from_json(forged)


def test_the_verdict_on_a_report_tells_a_wrong_result_from_a_crash():
    seed = 1
    wrong = AnswerReport(GC_SIGNATURE, [Returned("number", value=0.5, type_name="float")] * 5)
    with pytest.raises(CheckFailed, match=r"expected \S+, obtained 0\.5"):
        judge_report("gradient_check", wrong, seed)
    crashed = AnswerReport(GC_SIGNATURE, [Returned("error", error="ZeroDivisionError: division by zero")] * 5)
    with pytest.raises(AnswerCrashed, match="raised ZeroDivisionError"):
        judge_report("gradient_check", crashed, seed)
    with pytest.raises(UnusableReport):
        judge_report("gradient_check", AnswerReport(GC_SIGNATURE, []), seed)


@pytest.mark.parametrize("forged", [
    b"\xff\xfe not utf-8",                                              # undecodable bytes
    b"[" * 200_000 + b"]" * 200_000,                                     # nesting deep enough to recurse out
    b'{"signature": "\\udcff", "returned": []}',                         # a lone surrogate: no UTF-8 notebook
    b'{"signature": null, "returned": []}' + b" " * (1 << 20),           # larger than any real report
])
def test_a_report_that_would_crash_the_grader_is_unusable(forged):
    with pytest.raises(UnusableReport):
        AnswerReport.from_bytes(forged)


# ---------------------------------------------------------------- the plugin's verdict on a real process

FP = "def forward_propagation(x, theta):\n"
BP = "def backward_propagation(x, theta):\n"
GC = "def gradient_check(x, theta, epsilon=1e-7, print_msg=False):\n"
GCN = "def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):\n"
# Garbage written over every pipe the answer can reach, then a clean exit.
FORGES = "    import os\n    for fd in range(3, 40):\n        try: os.write(fd, b'\\xff')\n        except OSError: pass\n    os._exit(0)\n"


@pytest.mark.slow
@pytest.mark.parametrize("answers, expected", [
    ({"forward_propagation": None,
      "backward_propagation": BP + "    import os; os._exit(3)\n",
      "gradient_check": GC + "    import time; time.sleep(60)\n",
      "gradient_check_n": GCN + "    return 0.5\n"},
     {"forward_propagation": None,
      "backward_propagation": ("AnswerCrashed", "backward_propagation stopped the process that ran it (exit code 3)."),
      "gradient_check": ("AnswerCrashed", "gradient_check did not finish its hidden cases within 3 seconds."),
      "gradient_check_n": ("CheckFailed", "obtained 0.5")}),
    ({"forward_propagation": FP + FORGES,
      "backward_propagation": "missing",
      "gradient_check": GC + "    while True: pass\n",
      "gradient_check_n": None},
     {"forward_propagation": ("AnswerCrashed", "The process that ran forward_propagation reported nothing usable."),
      "backward_propagation": ("AnswerCrashed", "The answer cell of backward_propagation is missing."),
      "gradient_check": ("AnswerCrashed", "gradient_check did not finish its hidden cases within 3 seconds."),
      "gradient_check_n": None}),
    # One answer kills the runner itself (its parent): every answer of the submission then lost its process.
    ({"forward_propagation": FP + "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n",
      "backward_propagation": None, "gradient_check": None, "gradient_check_n": None},
     {exercise: ("AnswerCrashed", f"{exercise} stopped the process that ran it (exit code 137).")
      for exercise in EXERCISES}),
], ids=["died-hangs-wrong", "forged-missing-spins", "kills-its-runner"])
@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "from-scratch"])
def test_every_outcome_of_an_answer_gets_its_sentence_and_touches_no_other(answers, expected, zygote):
    """Real runners in a real sandbox, the answers of a submission in turn as the plugin runs
    them: each outcome gets its sentence, and a right answer among them stays right. The same
    sentences whether the runner is forked from the zygote or started from scratch (its exit
    code comes back through the zygote as bubblewrap would report it)."""
    from traitlets.config import Config

    from gc_grader.plugins.judge_outside_kernel import JudgeOutsideKernel

    config = Config()
    config.Sandbox.zygote = zygote
    judge = JudgeOutsideKernel(timeout=3, config=config)
    requests = {exercise: (None if code == "missing" else [code or student("correct").answers[exercise]],
                           seed_for("a secret", "ann", exercise)) for exercise, code in answers.items()}
    start = time.monotonic()
    verdicts = judge._judge_all(requests, RELEASE_NB.parent)
    # One late answer at most per submission here: the others take their own time only.
    assert time.monotonic() - start < judge.timeout + 4, "a late answer holds up the others"
    for exercise, verdict in expected.items():
        if verdict is None or verdict[0] != "CheckFailed":
            assert verdicts[exercise] == verdict, exercise
        else:
            assert verdicts[exercise][0] == "CheckFailed" and verdict[1] in verdicts[exercise][1]


#: Each answer returns the pid of the process that runs it.
PID = "    import os\n    return os.getpid()\n"


@pytest.mark.slow
@pytest.mark.parametrize("second, fresh", [(PID, False), (BP + "    import os; os._exit(3)\n", True),
                                           (BP + "    while True: pass\n", True)], ids=["reports", "dies", "hangs"])
def test_a_submissions_answers_run_in_turn_in_one_child_and_a_failing_one_takes_only_itself(second, fresh):
    """The answers of a submission run one after another in one child of the runner (one fork per
    submission), each with its own time; after an answer that ends its child or runs late, the
    next ones run in a fresh child, and report as they would have."""
    from gc_grader.plugins.judge_outside_kernel import JudgeOutsideKernel, _Judging

    answers = {"forward_propagation": FP + PID, "backward_propagation": BP + PID if second == PID else second,
               "gradient_check": GC + PID, "gradient_check_n": GCN + PID}
    judge = JudgeOutsideKernel(timeout=3)
    judging = judge._launch(_Judging(None, {exercise: ([code], seed_for("a secret", "ann", exercise))
                                            for exercise, code in answers.items()}, None), RELEASE_NB.parent)
    try:
        outcomes = judging.process.outcomes(time.monotonic() + 30)
    finally:
        judging.close()
    pids = {exercise: {r["value"] for r in json.loads(outcome["report"])["returned"]}
            for exercise, outcome in outcomes.items() if "report" in outcome}
    assert all(len(seen) == 1 for seen in pids.values()), pids      # every case of an answer in one process
    first, later = pids["forward_propagation"], [pids["gradient_check"], pids["gradient_check_n"]]
    assert later[0] == later[1] and (later[0] != first) == fresh
    if fresh:
        assert outcomes["backward_propagation"] == ({"exit": 3} if "_exit" in second else {"timeout": True})
    else:
        assert pids["backward_propagation"] == first


# ---------------------------------------------------------------- started before the notebook runs


def _judged(preprocessor, nb, resources):
    import copy

    graded, _ = preprocessor.preprocess(copy.deepcopy(nb), resources)
    return [[(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
            for cell in graded.cells if cell.cell_type == "code"]


def test_judging_started_before_the_notebook_runs_gives_the_same_verdicts(tmp_path, monkeypatch):
    """StartJudging starts the sandboxed process on the answers' sources; JudgeOutsideKernel takes
    it for the same notebook only, and its verdicts equal those judged from scratch. One started
    for another notebook, or left by a notebook whose grading failed, is killed, never used."""
    from traitlets.config import Config

    from course import ASSIGNMENT, NOTEBOOK, fill_release, make_scratch_course, nbgrader
    from gc_grader.plugins import judge_outside_kernel
    from gc_grader.plugins.judge_outside_kernel import JudgeOutsideKernel, StartJudging

    course = make_scratch_course(tmp_path / "course")
    (course / SECRET_FILE).write_text("a secret\n")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    monkeypatch.chdir(course)
    answers = dict(student("correct").answers)
    answers["gradient_check_n"] = answers["gradient_check_n"].replace("2 * epsilon", "epsilon")
    nb = fill_release(answers)
    config = Config()
    config.CourseDirectory.root = str(course)

    def resources(name):
        return {"nbgrader": {"assignment": ASSIGNMENT, "student": name, "notebook": NOTEBOOK},
                "metadata": {"path": str(course / "release" / ASSIGNMENT)}}

    alone = _judged(JudgeOutsideKernel(config=config), nb, resources("ann"))
    assert sum(map(len, alone)) == 1, "the changed gradient_check_n, and it alone, is judged wrong"

    StartJudging(config=config).preprocess(nb, resources("ann"))
    started = judge_outside_kernel._STARTED[0]
    assert started.process is not None and started.batch
    assert _judged(JudgeOutsideKernel(config=config), nb, resources("ann")) == alone
    assert judge_outside_kernel._STARTED == [] and started.process is None      # taken, then closed

    StartJudging(config=config).preprocess(nb, resources("bob"))
    bobs = judge_outside_kernel._STARTED[0]
    bobs_process = bobs.process.process
    assert _judged(JudgeOutsideKernel(config=config), nb, resources("ann")) == alone
    assert bobs.process is None and bobs_process.poll() is not None             # not ann's: killed

    StartJudging(config=config).preprocess(nb, resources("ann"))                # its notebook then fails...
    left = judge_outside_kernel._STARTED[0]
    left_process = left.process.process
    StartJudging(config=config).preprocess(nb, resources("bob"))                # ...and the next one starts
    assert left.process is None and left_process.poll() is not None
    judge_outside_kernel._drop_started()
