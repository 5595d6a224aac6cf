"""JudgeOutsideKernel: the hidden checks, judged outside the student's kernel.

No hidden check runs in the kernel: code there can defeat anything beside it (an
IPython input transformer that empties later cells, patched builtins), and fixed
inputs could be looked up. The kernel runs the public tests only.

Placed right after execution among ``Autograde.autograde_preprocessors`` (``StartJudging``,
right before it, starts the same work early so that it runs while the notebook does). For each
exercise it sends the answer cell's (and added cells') sources and the hidden cases,
drawn from the course's secret and the student's id, to ``gc_grader.judge.runner`` in
a fresh sandboxed process (``gc_grader.sandbox``) that holds the released helpers and
the runner only, never the grading package, the secret or the seed. The report comes
back on a pipe, bounded in size, and is judged here, in nbgrader's process
(``gc_grader.judge.verdict``). When the answer is wrong, its test cell gets an error
output with the verdict's sentence, so the exercise scores zero whatever happened in
the kernel. A right answer changes nothing: points need the public test too.
"""

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from gc_grader.assignment import EXERCISES, SUPPORT_FILES, exercise_of, grade_id
from gc_i18n import _, speaking_edition
from gc_grader.checks.errors import GradingFailure
from gc_grader.judge import runner as runner_module
from gc_grader.judge.report import MAX_REPORT_BYTES, AnswerReport, UnusableReport
from gc_grader.judge.secret import course_secret, seed_for
from gc_grader import stopwatch
from gc_grader.plugins.source_notebook import source_cells
from gc_grader.sandbox import Sandbox
from gc_grader.sandbox.bubblewrap import scratch_copy

#: Where the runner is, inside the sandbox; the student's files are in its home.
RUNNER = "/opt/gc-judge/runner.py"
#: What is read of the runner's outcomes: a report per exercise, and room for their JSON.
MAX_BATCH_BYTES = 4 * MAX_REPORT_BYTES + (1 << 16)


class JudgeOutsideKernel(NbGraderPreprocessor):
    """Fail the test cell of every exercise whose answer is wrong when run on its own."""

    timeout = Integer(30, help="Seconds one answer may run, on all its hidden cases, before it fails as "
                               "too slow; the four exercises' answers run one after another, so a submission "
                               "waits four times this long at most, when every answer runs late (its cells "
                               "have Execute.timeout).").tag(config=True)

    def preprocess(self, nb, resources):
        with stopwatch.phase("judge"):
            judging = _take_started(resources) or self.start(nb, resources)
            verdicts = self.finish(judging)
        for cell in nb.cells:
            exercise = exercise_of(grade_id(cell) or "") if utils.is_grade(cell) else None
            failure = verdicts.get(exercise)
            if failure and not any(output.output_type == "error" for output in cell.outputs):
                self.log.warning("Answer to %s judged wrong outside the kernel, though its test cell passed: %s",
                                 exercise, failure[1])
                cell.outputs.append(new_output("error", ename=failure[0], evalue=failure[1],
                                               traceback=[f"{failure[0]}: {failure[1]}"]))
        return nb, resources

    def start(self, nb, resources):
        """Start judging the answers of ``nb``: a ``_Judging`` whose process runs them meanwhile.

        Only the answer cells' sources count, which running the notebook does not change, so this
        may come before the notebook runs (``StartJudging``)."""
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        secret = course_secret(course.root)
        source = source_cells(self, info)
        requests = {exercise: (student_cells_before_test(nb, exercise, source),
                               seed_for(secret, info.get("student", ""), exercise)) for exercise in EXERCISES}
        edition = course.format_path(course.source_directory, ".", info.get("assignment", ""))
        return self._launch(_Judging(_key(resources), requests, edition),
                            resources.get("metadata", {}).get("path") or ".")

    def _launch(self, judging, folder):
        """Start the sandboxed process that runs ``judging``'s answers with the helpers of ``folder``."""
        # The hidden cases need the course's helper modules (the reference network), which
        # import only where grading runs; loading nbgrader_config.py elsewhere must not.
        from gc_grader.judge.requests import build_request

        judging.batch = [build_request(exercise, codes, seed) for exercise, (codes, seed) in judging.requests.items()
                         if codes is not None]
        if judging.batch:
            sandbox = Sandbox(parent=self)
            if sandbox.enabled:
                sandbox.check()
            files = {name: os.path.join(folder, name) for name in SUPPORT_FILES
                     if os.path.isfile(os.path.join(folder, name))}
            judging.process = _AnswerProcess(sandbox, files, json.dumps({"batch": judging.batch,
                                                                         "seconds": self.timeout}).encode())
        return judging

    def finish(self, judging):
        """Every exercise's verdict, once its process has reported (the answers ran in turn, a fresh
        child after any that failed); exercise -> (ename, message) or None."""
        try:
            # A little more than the runner's own deadlines (one per answer, in turn): it reports
            # the answers that ran late.
            deadline = max(judging.started + len(judging.batch) * self.timeout + 5, time.monotonic() + 1)
            outcomes = judging.process.outcomes(deadline) if judging.process else {}
        finally:
            judging.close()
        # The feedback speaks the edition's language: its source folder's marker and catalog, which
        # no student can touch.
        with speaking_edition(judging.edition) if judging.edition else contextlib.nullcontext():
            verdicts = {exercise: ("AnswerCrashed", _("The answer cell of {name} is missing.").format(name=exercise))
                        for exercise, (codes, _seed) in judging.requests.items() if codes is None}
            for request in judging.batch:
                exercise = request["exercise"]
                verdicts[exercise] = self._verdict(exercise, outcomes.get(exercise), judging.requests[exercise][1])
        return verdicts

    def _judge_all(self, requests, folder):
        """The verdicts (in English) on ``requests`` (exercise -> (answer codes or None, seed)), judged
        with the helpers of ``folder``."""
        return self.finish(self._launch(_Judging(None, requests, None), folder))

    def _verdict(self, exercise, outcome, seed):
        """The verdict on one answer's outcome in the runner: its report, its exit code, or a timeout."""
        if outcome is None or outcome.get("timeout"):
            return ("AnswerCrashed", _("{name} did not finish its hidden cases within {seconds} seconds.").format(
                name=exercise, seconds=self.timeout))
        # Judging needs the course's helper modules too (the hint sentences): imported here, likewise.
        from gc_grader.judge.verdict import judge_report

        # The report is written at the very end, so a process that died wrote none. One that
        # cannot be read was written by the student's code (the only other code that ran there).
        # Either way the answer is what failed: zero, with a sentence.
        if "exit" in outcome:
            return ("AnswerCrashed", _("{name} stopped the process that ran it (exit code {code}).").format(
                name=exercise, code=outcome["exit"]))
        try:
            judge_report(exercise, AnswerReport.from_bytes(str(outcome.get("report")).encode("utf-8", "replace")),
                         seed)
        except GradingFailure as failure:
            return (type(failure).__name__, str(failure))
        except UnusableReport:
            return ("AnswerCrashed", _("The process that ran {name} reported nothing usable.").format(name=exercise))
        return None


class StartJudging(NbGraderPreprocessor):
    """Start ``JudgeOutsideKernel``'s work before the notebook runs, so that both run at once.

    Placed right before execution among ``Autograde.autograde_preprocessors``. The judge's
    sandboxed process needs only the answers' sources, which running the notebook does not
    change; it judges them on a second core while the kernel runs the notebook, instead of
    after it (about 0.3 s less per submission with one worker). ``JudgeOutsideKernel`` takes
    the result (same student, same notebook) and does the rest; without this step it does it
    all itself, with the same verdicts. Settings are ``JudgeOutsideKernel``'s.
    """

    def preprocess(self, nb, resources):
        with stopwatch.phase("judge"), _STARTED_LOCK:
            _drop_started()
            _STARTED.append(JudgeOutsideKernel(parent=self.parent, config=self.config).start(nb, resources))
        return nb, resources


class _Judging:
    """A submission's judging under way: its requests, and the process that runs them."""

    def __init__(self, key, requests, edition):
        self.key, self.requests, self.edition = key, requests, edition
        self.batch, self.process = [], None
        self.started = time.monotonic()

    def close(self):
        if self.process is not None:
            self.process.kill()
            self.process = None


#: The judging StartJudging started, until JudgeOutsideKernel takes it (one notebook at a time per
#: process: nbgrader grades one after another). One whose notebook failed before judging is killed
#: by the next start, or at exit.
_STARTED = []
_STARTED_LOCK = threading.Lock()


def _key(resources):
    info = resources.get("nbgrader", {})
    return (info.get("assignment"), info.get("student"), info.get("notebook"),
            resources.get("metadata", {}).get("path"))


def _take_started(resources):
    """The judging started for this notebook, if StartJudging started one; others are dropped."""
    with _STARTED_LOCK:
        judging = _STARTED.pop() if _STARTED else None
    if judging is not None and judging.key != _key(resources):
        judging.close()
        return None
    return judging


def _drop_started():
    while _STARTED:
        _STARTED.pop().close()


atexit.register(_drop_started)


def student_cells_before_test(nb, exercise, source):
    """The sources of the cells a student may write in (answer cells, and code cells the student
    added) that come before the first test cell of ``exercise``, in the notebook's order; None
    when its answer cell is missing.

    As in the kernel, where grading runs the notebook top to bottom, an answer may use what
    the answer cells above it define (a helper written in exercise 3's cell, say), and what
    comes below cannot change it. The instructor's given cells are not among them.
    """
    source_ids = {cell.get("id") for cell in source}
    codes, answered = [], False
    for cell in nb.cells:
        gid = grade_id(cell) or ""
        if utils.is_grade(cell) and not utils.is_solution(cell) and exercise_of(gid) == exercise:
            break
        if utils.is_solution(cell):
            codes.append(cell.source)
            answered = answered or gid == exercise
        elif cell.cell_type == "code" and not gid and cell.get("id") not in source_ids:
            codes.append(cell.source)
    return codes if answered else None


class _AnswerProcess:
    """The runner on a submission's answers, in the sandbox (or, opted out, as a plain process in
    a temporary copy of the helpers); what it reports is read as it comes, never more than
    MAX_BATCH_BYTES."""

    def __init__(self, sandbox, files, request):
        self.exercises = [item["exercise"] for item in json.loads(request)["batch"]]
        here = os.path.dirname(runner_module.__file__)
        pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.confined, self.scratch = None, None
        if sandbox.enabled:
            judge_files = {RUNNER: os.path.join(here, "runner.py")}
            self.confined, self.process = sandbox.start_python([RUNNER], files={**files, **judge_files}, pipes=True)
        else:
            self.scratch = scratch_copy(files)
            self.process = subprocess.Popen([sys.executable, os.path.join(here, "runner.py")], cwd=self.scratch,
                                            stderr=subprocess.DEVNULL, start_new_session=True, **pipes)
        self.report = b""
        self._reader = threading.Thread(target=self._read, args=(request,), daemon=True)
        self._reader.start()

    def _read(self, request):
        try:
            self.process.stdin.write(request)
            self.process.stdin.close()
        except (OSError, ValueError):  # the process is gone already (or was killed): its exit code says so
            return
        try:
            self.report = self.process.stdout.read(MAX_BATCH_BYTES + 1)
        except (OSError, ValueError):  # killed meanwhile
            pass

    def outcomes(self, deadline):
        """{exercise: outcome} as the runner reported them; {} when it died, hung or wrote garbage
        (every answer then fails: only the student's code can have done that)."""
        try:
            code = self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return {}
        self._reader.join(timeout=max(0.0, deadline - time.monotonic()) + 1)
        # A forked runner's exit code comes from the zygote; without it (the zygote died), its
        # report is what tells: whole when it ran to its end, empty when something stopped it.
        if code != 0 and getattr(self.process, "exit_code_known", True):
            return {exercise: {"exit": code} for exercise in self.exercises}
        try:
            outcomes = json.loads(self.report.decode("utf-8"))
        except (ValueError, UnicodeError, RecursionError):
            return {exercise: {"report": ""} for exercise in self.exercises}
        if not isinstance(outcomes, dict):
            return {exercise: {"report": ""} for exercise in self.exercises}
        return {exercise: outcome for exercise, outcome in outcomes.items()
                if exercise in self.exercises and isinstance(outcome, dict)}

    def kill(self):
        if self.confined is not None:
            self.process.kill()
            self.process.wait()
            self.confined.kill()
            self._reader.join(timeout=5)
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
        elif self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
