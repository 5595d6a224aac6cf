"""./start-lab refuses what it cannot serve, at once and with a sentence, before setting anything up.

The three modes themselves are driven in a browser: the learner's (test_browser_validate,
test_browser_editions) and the instructor's and students' (test_browser_instructor).
"""

import subprocess

import pytest

from course import ROOT


def start_lab(*args):
    return subprocess.run([str(ROOT / "start-lab"), *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args, said", [
    (("--student", "a+b"), "not a student id this course accepts"),
    (("--student", "ada_lovelace"), "not a student id this course accepts"),   # '_' splits LMS file names
    (("--student", "../alice"), "not a student id this course accepts"),
    (("--student",), "--student needs a student id"),
    (("--lang", "es", "--instructor"), "--lang is for a learner's copy"),
    (("--lang", "fr"), "no edition in 'fr'"),
])
def test_what_start_lab_cannot_serve_is_refused_with_a_sentence(args, said):
    run = start_lab(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert said in run.stderr
    assert not (ROOT / "workspace" / "students" / "a+b").exists()
