"""No silent downgrade: where the sandbox cannot start, grading stops and says what to install;
the instructor may opt out by name, and an unsandboxed run says so. Real nbgrader and the real
grade-class on scratch courses; "no sandbox here" is a bubblewrap path that does not exist."""

import subprocess
import sys

import pytest

from course import ASSIGNMENT, nbgrader, points_by_exercise, tool_env
from submissions import corpus

pytestmark = pytest.mark.slow

CORRECT = next(s for s in corpus() if s.student == "correct")
NO_BWRAP = "--Sandbox.bwrap=/nonexistent/bwrap"


def grade_class(course, *args):
    return subprocess.run([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT, "--workers", "1", *args],
                          cwd=course, env=tool_env(), capture_output=True, text=True, timeout=600)


def without_bubblewrap(course):
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('\nc.Sandbox.bwrap = "/nonexistent/bwrap"\n')


def test_nbgrader_autograde_by_hand_stops_where_no_sandbox_starts(course):
    CORRECT.place(course)
    run = nbgrader(course, "autograde", ASSIGNMENT, NO_BWRAP, check=False)
    assert run.returncode != 0
    assert "apt-get install bubblewrap" in run.stdout + run.stderr
    assert not (course / "autograded" / CORRECT.student / ASSIGNMENT).exists()


def test_nbgrader_autograde_opted_out_by_name_grades_and_says_unsandboxed(course):
    CORRECT.place(course)
    run = nbgrader(course, "autograde", ASSIGNMENT, NO_BWRAP, "--Sandbox.enabled=False")
    assert "UNSANDBOXED" in run.stdout + run.stderr
    assert points_by_exercise(course, CORRECT.student) == CORRECT.expected_points()


def test_grade_class_stops_before_grading_and_says_what_to_install(course):
    CORRECT.place(course)
    without_bubblewrap(course)
    run = grade_class(course)
    assert run.returncode != 0
    assert "apt-get install bubblewrap" in run.stderr and "--no-sandbox" in run.stderr
    assert not (course / "autograded").exists()


def test_grade_class_no_sandbox_grades_and_says_so_at_its_start_and_in_its_summary(course):
    CORRECT.place(course)
    without_bubblewrap(course)
    run = grade_class(course, "--no-sandbox")
    assert run.returncode == 0, run.stderr
    assert "UNSANDBOXED" in run.stderr.splitlines()[0] + run.stderr
    summary = (course / "reports" / ASSIGNMENT / "summary.txt").read_text()
    assert summary.startswith("WARNING: student code runs UNSANDBOXED")
    assert points_by_exercise(course, CORRECT.student) == CORRECT.expected_points()
