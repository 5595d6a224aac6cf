"""The check of submitted/ before grading, in-process on small scratch courses."""

import pytest

from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB
from gc_grader.class_grading import check_submissions


def make_course(tmp_path, notebooks_by_student):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
    (tmp_path / "release" / ASSIGNMENT).mkdir(parents=True)
    (tmp_path / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_bytes(RELEASE_NB.read_bytes())
    for student, files in notebooks_by_student.items():
        folder = tmp_path / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return tmp_path


def test_check_submissions_fixes_renames_and_reports_what_scores_zero(tmp_path, capsys):
    good = RELEASE_NB.read_text()
    course = make_course(tmp_path, {
        "renamed": {"Gradient_Checking (1).ipynb": good},
        "two": {"a.ipynb": good, "b.ipynb": good},
        "none": {"notes.txt": "hello"},
        "corrupt": {f"{NOTEBOOK}.ipynb": "{not json"},
        "fine": {f"{NOTEBOOK}.ipynb": good, "extra.ipynb": "keep me"},
    })
    assert check_submissions.main([ASSIGNMENT, "--course", str(course)]) == 0
    out = capsys.readouterr().out
    renamed = course / "submitted" / "renamed" / ASSIGNMENT
    assert (renamed / f"{NOTEBOOK}.ipynb").read_text() == good
    assert (renamed / "Gradient_Checking (1).ipynb").read_text() == good, "the student's file must stay"
    assert "renamed: 'Gradient_Checking (1).ipynb' is graded as Gradient_Checking.ipynb" in out
    assert "two: no Gradient_Checking.ipynb, but several other notebooks ('a.ipynb', 'b.ipynb')" in out
    assert not (course / "submitted" / "two" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()
    assert "none: no Gradient_Checking.ipynb was submitted; it scores 0" in out
    assert "corrupt: Gradient_Checking.ipynb is not a valid notebook file" in out
    assert "fine:" not in out
    assert (course / "submitted" / "fine" / ASSIGNMENT / "extra.ipynb").read_text() == "keep me"
    assert "5 submissions of 'gradient_checking' checked, 4 remarks" in out


def test_check_submissions_names_a_wrong_assignment_or_a_folder_that_is_no_course(tmp_path):
    with pytest.raises(SystemExit, match="has no nbgrader_config.py"):
        check_submissions.main([ASSIGNMENT, "--course", str(tmp_path)])
    course = make_course(tmp_path, {})
    with pytest.raises(SystemExit, match="no notebook in"):
        check_submissions.main(["no_such_assignment", "--course", str(course)])


def test_check_submissions_survives_odd_names_and_never_writes_through_links(tmp_path, capsys):
    good = RELEASE_NB.read_text()
    course = make_course(tmp_path, {"linked": {}, "odd": {}})
    outside = tmp_path / "instructor_file.txt"
    outside.write_text("precious")
    linked = course / "submitted" / "linked" / ASSIGNMENT
    (linked / f"{NOTEBOOK}.ipynb").symlink_to(outside)
    (linked / "mine.ipynb").write_text(good)
    odd = course / "submitted" / "odd" / ASSIGNMENT
    (odd / "r\udce9ponse.ipynb").write_text(good)          # a file name that is not valid UTF-8
    assert check_submissions.main([ASSIGNMENT, "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert outside.read_text() == "precious"
    assert "linked: Gradient_Checking.ipynb is a symbolic link" in out
    assert "odd: 'r\\udce9ponse.ipynb' is graded as Gradient_Checking.ipynb" in out
    assert (odd / f"{NOTEBOOK}.ipynb").read_text() == good


def test_check_submissions_follows_the_courses_folder_settings(tmp_path, capsys):
    """A course that keeps submissions elsewhere (CourseDirectory.submitted_directory) is checked there."""
    good = RELEASE_NB.read_text()
    course = make_course(tmp_path, {})
    (course / "nbgrader_config.py").write_text('c = get_config()  # noqa: F821\n'
                                               'c.CourseDirectory.submitted_directory = "handed_in"\n')
    folder = course / "handed_in" / "ann" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "mine.ipynb").write_text(good)
    assert check_submissions.main([ASSIGNMENT, "--course", str(course)]) == 0
    assert "ann: 'mine.ipynb' is graded as Gradient_Checking.ipynb" in capsys.readouterr().out
    assert (folder / f"{NOTEBOOK}.ipynb").read_text() == good


def test_check_submissions_runs_from_outside_the_course_with_its_real_configuration(tmp_path):
    """The course's nbgrader_config.py loads the grading plugins; loading it must not need the
    assignment's helper modules, which import only inside the course."""
    import shutil
    import subprocess
    import sys

    from course import ROOT, tool_env
    (tmp_path / "course").mkdir()
    course = make_course(tmp_path / "course", {"ann": {"mine.ipynb": RELEASE_NB.read_text()}})
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    proc = subprocess.run([sys.executable, "-m", "gc_grader.class_grading.check_submissions", ASSIGNMENT,
                           "--course", str(course)], cwd=tmp_path, env=tool_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "ann: 'mine.ipynb' is graded as Gradient_Checking.ipynb" in proc.stdout
