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


def test_nbformat_validates_without_building_an_iri_grammar():
    """A worker (and the command, and every nbgrader command) never builds rfc3987-syntax's grammar
    (about 2.5 CPU-s each; jsonschema is held below 4.25 in requirements.txt), and nbformat still
    refuses a broken notebook and accepts the released one."""
    import subprocess
    import sys

    from course import RELEASE_NB

    code = ("import sys, gc_grader.class_grading.worker, nbformat\n"
            f"nbformat.validate(nbformat.read({str(RELEASE_NB)!r}, 4))\n"
            "broken = nbformat.v4.new_notebook()\n"
            "broken.cells.append(nbformat.from_dict({'cell_type': 'code', 'id': 'a', 'source': 1, 'metadata': {}, "
            "'outputs': [], 'execution_count': None}))\n"
            "try:\n    nbformat.validate(broken)\n    print('accepted')\n"
            "except nbformat.ValidationError:\n    print('refused')\n"
            "print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules, 'jsonschema' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["refused", "False", "False", "True"], done.stderr
