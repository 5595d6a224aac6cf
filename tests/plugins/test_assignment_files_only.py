"""AssignmentFilesOnly keeps nbgrader's own bookkeeping, so Release Feedback works after autograde.

The exchange writes ``submission_secret.txt`` beside a notebook at Submit; collect copies it
to submitted/, autograde to autograded/, generate_feedback to feedback/, and release_feedback
reads it there to name the feedback file it puts in the exchange for that student. The
plugin once removed it with everything else that is not the assignment's, and Release
Feedback then failed for the whole class. A link by that name is still left out.
"""

import os

import pytest

from course import ASSIGNMENT, NOTEBOOK, nbgrader
from submissions import correct_answers, variant

pytestmark = pytest.mark.slow

SECRET = "submission_secret.txt"


def test_release_feedback_finds_each_submissions_key_and_a_linked_one_is_left_out(course, tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    honest = variant("ada", "right answers", {name: code for name, code in correct_answers().items()})
    linked = variant("eve", "right answers, and a key that links to the course secret", {})
    for submission in (honest, linked):
        submission.place(course)
    # What collect leaves beside a notebook submitted through the exchange.
    (course / "submitted" / "ada" / ASSIGNMENT / SECRET).write_text("3f9a0c1d2b")
    (course / "submitted" / "ada" / ASSIGNMENT / "timestamp.txt").write_text("2026-12-01 09:00:00.000000 UTC")
    (course / ".gc_grader_secret").write_text("the course's own secret")
    os.symlink(course / ".gc_grader_secret", course / "submitted" / "eve" / ASSIGNMENT / SECRET)

    nbgrader(course, "autograde", ASSIGNMENT)
    assert (course / "autograded" / "ada" / ASSIGNMENT / SECRET).read_text() == "3f9a0c1d2b"
    assert not (course / "autograded" / "eve" / ASSIGNMENT / SECRET).exists()

    nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "ada")
    nbgrader(course, "release_feedback", ASSIGNMENT, "--student", "ada")
    released = list((exchange / "gradient-checking" / "feedback").glob("*.html"))
    assert len(released) == 1, f"release_feedback put {released} in the exchange"
    assert f"{NOTEBOOK}" in released[0].read_text()
