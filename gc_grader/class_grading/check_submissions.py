"""Check submitted/ before `nbgrader autograde`, and say plainly what would go wrong.

nbgrader grades only notebooks with the released name. A student who renamed the
notebook ("Gradient_Checking (1).ipynb", "my_answers.ipynb") scores zero, and nbgrader's
only message asks whether the instructor forgot to run generate_assignment. A
truncated upload fails with a JSON traceback.

This command reads every submission of an assignment and:
- when the released notebook is missing but exactly one other notebook is there,
  copies that one to the released name (the student's file stays as it is), so it
  gets graded;
- reports, one line per student, every submission that will score zero and why.
It never deletes or overwrites a file.

    python -m gc_grader.class_grading.check_submissions gradient_checking [--course DIR]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

import nbformat

from gc_grader.class_grading.course import Course, CourseError


def released_notebooks(course, assignment):
    """The notebook file names students were given (from the release, else the source)."""
    release = course.folder("release", assignment)
    folder = release if release.is_dir() else course.folder("source", assignment)
    names = sorted(p.name for p in folder.glob("*.ipynb"))
    if not names:
        raise SystemExit(f"check_submissions: no notebook in {folder}; is {assignment!r} the right assignment?")
    return names


def _notebooks_in(folder):
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _problem_with(path):
    """Why ``path`` cannot be graded, or None when it is a readable notebook."""
    try:
        nbformat.read(str(path), as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, UnicodeDecodeError) as error:
        return f"{path.name} is not a valid notebook file ({type(error).__name__}); it scores 0: ask for it again"
    except Exception as error:  # nbformat raises several kinds for malformed notebooks
        return f"{path.name} cannot be read as a notebook ({type(error).__name__}: {error}); it scores 0"
    return None


def means_zero(message):
    """Whether a message of ``check_student`` says the submission cannot be graded as it is."""
    return "graded as" not in message


def check_student(folder, expected):
    """Fix what can be fixed in one student's submission folder; return the messages."""
    messages = []
    for name in expected:
        target = folder / name
        if target.is_symlink():
            messages.append(f"{name} is a symbolic link, not a file; it is not graded (it scores 0)")
            continue
        if not target.exists():
            others = [p for p in _notebooks_in(folder) if p.name not in expected]
            if len(others) == 1:
                shutil.copy2(others[0], target)
                messages.append(f"{others[0].name!r} is graded as {name} (the student renamed it)")
            elif not others:
                messages.append(f"no {name} was submitted; it scores 0")
                continue
            else:
                listed = ", ".join(repr(p.name) for p in others)
                messages.append(f"no {name}, but several other notebooks ({listed}); none is graded: "
                                f"copy the right one to {name}")
                continue
        problem = _problem_with(target)
        if problem:
            messages.append(problem)
    return messages


def check_all(course, assignment):
    """Check every submission of ``assignment`` in ``course`` (a Course):
    (students with a submission, [(student, message)])."""
    expected = released_notebooks(course, assignment)
    students = course.submitted_students(assignment)
    return students, [(student, message) for student in students
                      for message in check_student(course.folder("submitted", assignment, student), expected)]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check submitted/ before nbgrader autograde.")
    parser.add_argument("assignment", help="assignment name, e.g. gradient_checking")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory (default: here)")
    args = parser.parse_args(argv)
    # Student folders and files may have names that are not valid text: show them escaped.
    sys.stdout.reconfigure(errors="backslashreplace")
    try:
        course = Course(args.course)
    except CourseError as error:
        raise SystemExit(f"check_submissions: {error}")
    students, remarks = check_all(course, args.assignment)
    if not students:
        print(f"check_submissions: no submission of {args.assignment!r} in {course.root}")
        return 0
    for student, message in remarks:
        print(f"{student}: {message}")
    print(f"check_submissions: {len(students)} submissions of {args.assignment!r} checked, "
          f"{len(remarks)} remark{'s' if len(remarks) != 1 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
