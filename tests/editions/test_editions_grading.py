"""The same submissions earn the same points in the English, Spanish and Chinese editions, and
each edition's feedback speaks its language: the real nbgrader on a scratch course holding the
three assignments, a sample of the corpus submitted to each (tests/test_autograde.py grades
the whole corpus in English)."""

import html
import re
import shutil

import nbformat
import pytest

import public_tests
from course import NOTEBOOK, ROOT, cell_by_grade_id, copy_course, points_by_exercise, read_notebook, run_nbgrader
from gc_editions import build, catalogs
from gc_grader.assignment import EXERCISES
from submissions import corpus

pytestmark = pytest.mark.slow

LANGS = ("en", *catalogs.TRANSLATED)
SAMPLE = ("correct", "blank", "fp_wrong", "gc_eps", "gc_stale_dtheta", "gcn_no_copy", "gcn_no_unpack",
          "style_split_division")
SUBMISSIONS = [s for s in corpus() if s.student in SAMPLE]


def edition_submission(submission, lang):
    """``submission``'s answers in the release of the edition in ``lang``."""
    notebook = read_notebook(ROOT / "release" / build.assignment_of(lang) / f"{NOTEBOOK}.ipynb")
    english = submission.notebook()
    for exercise in EXERCISES:
        cell_by_grade_id(notebook, exercise).source = cell_by_grade_id(english, exercise).source
    return notebook


@pytest.fixture(scope="module")
def graded(generated_course, tmp_path_factory):
    course = copy_course(generated_course, tmp_path_factory.mktemp("editions") / "course")
    for lang in LANGS:
        assignment = build.assignment_of(lang)
        if lang != "en":
            run_nbgrader(course, "generate_assignment", assignment)
        for submission in SUBMISSIONS:
            folder = course / "submitted" / submission.student / assignment
            shutil.copytree(ROOT / "release" / assignment, folder, ignore=shutil.ignore_patterns("*.ipynb"))
            nbformat.write(edition_submission(submission, lang), str(folder / f"{NOTEBOOK}.ipynb"))
        run_nbgrader(course, "autograde", assignment)
        run_nbgrader(course, "generate_feedback", assignment)
    return course


def feedback(course, student, lang):
    page = (course / "feedback" / student / build.assignment_of(lang) / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.student)
def test_the_same_points_in_every_edition(graded, submission):
    for lang in LANGS:
        points = points_by_exercise(graded, submission.student, assignment=build.assignment_of(lang))
        assert points == submission.expected_points(), (lang, submission.student)


@pytest.mark.parametrize("lang", catalogs.TRANSLATED)
def test_feedback_and_public_tests_speak_the_editions_language(graded, lang):
    catalog = catalogs.read(catalogs.po_path(lang))

    def said(english):
        return catalog.get(english).string
    for submission in SUBMISSIONS:
        if not submission.hint:
            continue
        text = feedback(graded, submission.student, lang)
        (exercise,) = submission.lost
        assert said(public_tests.HINTS[submission.hint]) in text, submission.student
        assert public_tests.HINTS[submission.hint] not in text
        assert said("{name} failed its test.").format(name=exercise) in text
    text = feedback(graded, "correct", lang)
    assert said("All tests passed.") in text and "All tests passed." not in text


def test_grade_class_grades_the_chinese_edition_and_reports_in_chinese(graded, tmp_path):
    """./grade-class on the zh_CN assignment: the same points as nbgrader gave, and a summary in
    Chinese (its headings from the catalog), beside a histogram drawn with a Chinese font."""
    import subprocess
    import sys

    from course import tool_env
    from gc_i18n import plot_font_family, speaking_edition

    lang = "zh_CN"
    assignment = build.assignment_of(lang)
    course = copy_course(graded, tmp_path / "course")
    proc = subprocess.run([sys.executable, "-m", "gc_grader.class_grading", assignment, "--workers", "1", "--force"],
                          cwd=course, env=tool_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for submission in SUBMISSIONS:
        assert points_by_exercise(course, submission.student, assignment=assignment) == submission.expected_points()
    summary = (course / "reports" / assignment / "summary.txt").read_text(encoding="utf-8")
    catalog = catalogs.read(catalogs.po_path(lang))
    assert catalog.get("Why points were lost (most common first):").string in summary
    assert "Why points were lost" not in summary
    with speaking_edition(course / "source" / assignment):
        family = plot_font_family()
    assert family and "CJK" in " ".join(family), family
    assert (course / "reports" / assignment / "score_distribution.png").read_bytes()[:4] == b"\x89PNG"
