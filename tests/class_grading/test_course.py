"""The course directory through nbgrader's CourseDirectory: its folder settings are followed,
and settings grade-class cannot honour safely are refused with a sentence."""

import pytest

from course import ASSIGNMENT
from gc_grader.class_grading.course import Course, CourseError


def course_with(tmp_path, *settings):
    (tmp_path / "nbgrader_config.py").write_text("\n".join(["c = get_config()  # noqa: F821", *settings]) + "\n")
    return Course(tmp_path)


def test_folders_follow_nbgrader_settings(tmp_path):
    course = course_with(tmp_path, 'c.CourseDirectory.autograded_directory = "graded"',
                         'c.CourseDirectory.directory_structure = "{assignment_id}/{nbgrader_step}/{student_id}"')
    assert course.folder("autograded", ASSIGNMENT, "ann") == tmp_path / ASSIGNMENT / "graded" / "ann"
    for student in ("ann", "bob"):
        (tmp_path / ASSIGNMENT / "submitted" / student).mkdir(parents=True)
    (tmp_path / "submitted" / "eve" / ASSIGNMENT).mkdir(parents=True)      # nbgrader's default layout: not here
    assert course.submitted_students(ASSIGNMENT) == ["ann", "bob"]
    course.require_folders_inside()


def test_a_folder_outside_the_course_root_is_refused(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    course = course_with(root, f'c.CourseDirectory.autograded_directory = "{tmp_path / "elsewhere"}"')
    with pytest.raises(CourseError, match="autograded folder outside the course root"):
        course.require_folders_inside()


def test_a_folder_without_configuration_is_no_course(tmp_path):
    with pytest.raises(CourseError, match="has no nbgrader_config.py; run it from the course directory"):
        Course(tmp_path)
