"""JudgeOutsideKernel: judge every answer a second time, outside the student's kernel.

The hidden test cells run inside the kernel that also ran the student's code, and
code written to attack them can defeat them there: an IPython input transformer
that empties every later cell, rebinding gc_grader's functions, patching builtins.
Their inputs are also fixed and public, so a lookup table would pass them.

Placed right after execution among ``Autograde.autograde_preprocessors``. For each
exercise it starts ``gc_grader.judge.runner`` in a fresh process, on the answer cell's
definitions only, with inputs drawn from the course's secret and the student's id, and
judges the report here, in nbgrader's process (``gc_grader.judge.verdict``). When the
answer is wrong, its test cell gets an error output with the same kind of message as
the in-kernel tests, so the exercise scores zero whatever happened in the kernel. A
right answer changes nothing: points need both judgements.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from gc_grader.assignment import EXERCISES, exercise_of, grade_id
from gc_grader.checks.errors import GradingFailure
from gc_grader.judge.report import MAX_REPORT_BYTES, AnswerReport, UnusableReport
from gc_grader.judge.secret import course_secret, seed_for
from gc_grader.plugins.source_notebook import source_cells


class JudgeOutsideKernel(NbGraderPreprocessor):
    """Fail the test cell of every exercise whose answer is wrong when run on its own."""

    timeout = Integer(30, help="Seconds one answer may run, on all its hidden cases, before it fails as "
                               "too slow; the four exercises' answers run side by side, so a submission "
                               "waits this long at most (its cells have Execute.timeout).").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        folder = resources.get("metadata", {}).get("path") or "."
        source_ids = {cell.get("id") for cell in source_cells(self, info)}
        added = [cell.source for cell in nb.cells if cell.cell_type == "code"
                 and not grade_id(cell) and cell.get("id") not in source_ids]
        answers = {grade_id(cell): cell.source for cell in nb.cells if utils.is_solution(cell)}
        secret = course_secret(CourseDirectory(config=self.config).root)
        verdicts = self._judge_all(
            {exercise: ([*added, answers[exercise]] if exercise in answers else None,
                        seed_for(secret, info.get("student", ""), exercise)) for exercise in EXERCISES},
            folder)
        for cell in nb.cells:
            exercise = exercise_of(grade_id(cell) or "") if utils.is_grade(cell) else None
            failure = verdicts.get(exercise)
            if failure and not any(output.output_type == "error" for output in cell.outputs):
                self.log.warning("Answer to %s judged wrong outside the kernel, though its test cell passed: %s",
                                 exercise, failure[1])
                cell.outputs.append(new_output("error", ename=failure[0], evalue=failure[1],
                                               traceback=[f"{failure[0]}: {failure[1]}"]))
        return nb, resources

    def _judge_all(self, requests, folder):
        """Run every exercise's answer at once (one process each); exercise -> (ename, message) or None."""
        verdicts = {}
        with tempfile.TemporaryDirectory(prefix="gc_judge_") as scratch:
            running = {}
            for exercise, (codes, seed) in requests.items():
                if codes is None:
                    verdicts[exercise] = ("AnswerCrashed", f"The answer cell of {exercise} is missing.")
                    continue
                request, result = Path(scratch) / f"{exercise}.in", Path(scratch) / f"{exercise}.out"
                request.write_text(json.dumps({"codes": codes, "seed": seed}))
                running[exercise] = (subprocess.Popen(
                    [sys.executable, "-m", "gc_grader.judge.runner", exercise, str(request), str(result)],
                    cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True), result, seed)
            deadline = time.monotonic() + self.timeout
            for exercise, (process, result, seed) in running.items():
                verdicts[exercise] = self._verdict(exercise, process, result, seed, deadline)
        return verdicts

    def _verdict(self, exercise, process, result, seed, deadline):
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
            return ("AnswerCrashed", f"{exercise} did not finish its hidden cases within {self.timeout} seconds.")
        # Judging needs the course's helper modules (the hint sentences, the reference network),
        # which import only where grading runs; loading nbgrader_config.py elsewhere must not.
        from gc_grader.judge.verdict import judge_report

        # The runner writes its report whole or not at all, so a missing one means that the
        # process died; one that cannot be read was written by the student's code (the only
        # other code that ran there). Either way the answer is what failed: zero, with a sentence.
        if process.returncode != 0 or not result.is_file():
            return ("AnswerCrashed", f"{exercise} stopped the process that ran it (exit code {process.returncode}).")
        try:
            with open(result, "rb") as file:
                report = AnswerReport.from_bytes(file.read(MAX_REPORT_BYTES + 1))
            judge_report(exercise, report, seed)
        except GradingFailure as failure:
            return (type(failure).__name__, str(failure))
        except (UnusableReport, OSError):
            return ("AnswerCrashed", f"The process that ran {exercise} reported nothing usable.")
        return None
