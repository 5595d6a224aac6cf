"""./start-lab refuses what it cannot serve, at once and with a sentence, before setting anything up.

The three modes themselves are driven in a browser: the learner's (test_browser_validate,
test_browser_editions) and the instructor's and students' (test_browser_instructor).
"""

import shutil
import subprocess

import pytest

from course import ROOT


def start_lab(tmp_path, *args):
    """./start-lab, copied beside a scripts/setup-venv that only leaves a mark: a refusal must
    come before anything is set up."""
    shutil.copy2(ROOT / "start-lab", tmp_path / "start-lab")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup-venv").write_text("#!/bin/sh\ntouch \"$(dirname \"$0\")/../set-up\"\nexit 1\n")
    (tmp_path / "scripts" / "setup-venv").chmod(0o755)
    return subprocess.run([str(tmp_path / "start-lab"), *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args, said", [
    (("--student", "a+b"), "not a student id this course accepts"),
    (("--student", "ada_lovelace"), "not a student id this course accepts"),   # '_' splits LMS file names
    (("--student", "../alice"), "not a student id this course accepts"),
    (("--student",), "--student needs a student id"),
    (("--lang", "es", "--instructor"), "--lang is for a learner's copy"),
    (("--lang", "fr"), "no edition in 'fr'"),
    (("--instructor", "--student", "bob"), "choose one of --instructor and --student"),
    (("--student", "alice", "--instructor"), "choose one of --instructor and --student"),
])
def test_what_start_lab_cannot_serve_is_refused_with_a_sentence(tmp_path, args, said):
    run = start_lab(tmp_path, *args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert said in run.stderr
    assert not (tmp_path / "set-up").exists(), "start-lab set things up before refusing"
    assert not (tmp_path / "workspace").exists()


def test_an_acceptable_request_goes_on_to_set_up(tmp_path):
    """The stub's mark proves the refusals above are real refusals, not a broken script."""
    run = start_lab(tmp_path, "--student", "alice")
    assert (tmp_path / "set-up").exists(), run.stderr
