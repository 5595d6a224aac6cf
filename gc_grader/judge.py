"""Judge every answer a second time, outside the student's kernel.

The hidden test cells run inside the kernel that also ran the student's code, and
code written to attack them can defeat them there: an IPython input transformer
that empties every later cell, rebinding gc_grader's functions, patching builtins.
Their inputs are also fixed and public, so a lookup table would pass them.

``JudgeOutsideKernel`` runs after the notebook has executed. For each exercise it
starts gc_grader.answer_runner in a fresh process, on the answer cell's definitions
only, with inputs drawn from a secret seed and the student's id; it judges what the
answer returned here, in nbgrader's process, with gc_grader.hidden_tests. When the
answer is wrong, its test cell gets an error output with the same kind of message
as the in-kernel tests, so the exercise scores zero whatever happened in the kernel.
A right answer changes nothing: points need both judgements.

The seed comes from ``.gc_grader_secret`` in the course directory, made at the first
grading and kept out of git: regrading with the same file gives the same results.
"""

import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from gc_grader import hidden_tests
from gc_grader.preprocessors import grade_id, source_cells

EXERCISES = tuple(hidden_tests.SIGNATURES)
SECRET_FILE = ".gc_grader_secret"


def course_secret(course_dir="."):
    """This course's secret, made once (random) and then read back."""
    path = Path(course_dir) / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(16) + "\n")
        os.chmod(path, 0o600)
    return path.read_text().strip()


def seed_for(secret, student, exercise):
    digest = hashlib.sha256(f"{secret}/{student}/{exercise}".encode()).hexdigest()
    return int(digest[:8], 16)


def exercise_of(test_id):
    """The exercise a test cell grades: the longest exercise name its id starts with, plus '_'."""
    owners = [name for name in EXERCISES if test_id.startswith(name + "_")]
    return max(owners, key=len) if owners else None


class JudgeOutsideKernel(NbGraderPreprocessor):
    """Fail the test cell of every exercise whose answer is wrong when run on its own."""

    timeout = Integer(30, help="Seconds one answer may run, on all its cases.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        folder = resources.get("metadata", {}).get("path") or "."
        source_ids = {cell.get("id") for cell in source_cells(info)}
        added = [cell.source for cell in nb.cells if cell.cell_type == "code"
                 and not grade_id(cell) and cell.get("id") not in source_ids]
        answers = {grade_id(cell): cell.source for cell in nb.cells if utils.is_solution(cell)}
        secret = course_secret()
        verdicts = self._judge_all(
            {exercise: ([*added, answers[exercise]] if exercise in answers else None,
                        seed_for(secret, info.get("student", ""), exercise)) for exercise in EXERCISES},
            folder)
        for cell in nb.cells:
            exercise = exercise_of(grade_id(cell) or "") if utils.is_grade(cell) else None
            message = verdicts.get(exercise)
            if message and not any(output.output_type == "error" for output in cell.outputs):
                self.log.warning("Answer to %s judged wrong outside the kernel, though its test cell passed: %s",
                                 exercise, message)
                cell.outputs.append(new_output("error", ename="AssertionError", evalue=message,
                                               traceback=[f"AssertionError: {message}"]))
        return nb, resources

    def _judge_all(self, requests, folder):
        """Run every exercise's answer at once (one process each); return exercise -> failure or None."""
        verdicts = {}
        with tempfile.TemporaryDirectory(prefix="gc_judge_") as scratch:
            running = {}
            for exercise, (codes, seed) in requests.items():
                if codes is None:
                    verdicts[exercise] = f"The answer cell of {exercise} is missing."
                    continue
                request, result = Path(scratch) / f"{exercise}.in", Path(scratch) / f"{exercise}.out"
                request.write_text(json.dumps({"codes": codes, "seed": seed}))
                running[exercise] = (subprocess.Popen(
                    [sys.executable, "-m", "gc_grader.answer_runner", exercise, str(request), str(result)],
                    cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True), result, seed)
            for exercise, (process, result, seed) in running.items():
                verdicts[exercise] = self._verdict(exercise, process, result, seed)
        return verdicts

    def _verdict(self, exercise, process, result, seed):
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
            return f"{exercise} did not finish its hidden cases within {self.timeout} seconds."
        # The report is data only (JSON): student code ran in that process and may have
        # written the file itself, so nothing in it may run here.
        try:
            reported = json.loads(result.read_text())
        except (OSError, ValueError):
            return f"{exercise} stopped the process that ran it (exit code {process.returncode})."
        try:
            hidden_tests.judge_result(exercise, reported, seed)
        except AssertionError as failure:
            return str(failure)
        except (KeyError, IndexError, TypeError, ValueError):
            return f"The process that ran {exercise} reported nothing usable."
        return None
