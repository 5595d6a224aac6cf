"""The course as the tests see it: its paths, its notebooks, and the real nbgrader CLI.

Every test that grades works on a *scratch copy* of the course (made by
``make_scratch_course``) with its own gradebook, so nothing the tests do can touch
the instructor's files or grades.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from gc_grader.assignment import ASSIGNMENT, HELPERS, NOTEBOOK, NOTEBOOK_FILE, POINTS, grade_id  # noqa: F401
from gc_grader.assignment import exercise_of as _exercise_of

ROOT = Path(__file__).resolve().parents[1]

#: SPEC's table of figures (float64), the tests' one oracle. The product's own copy of the
#: public ones is public_tests.EXPECTED, checked against this in test_helpers.
SPEC_FIGURES = {
    "forward_propagation": 8,
    "backward_propagation": 2,
    "gradient_check": 2.919335883291695e-10,
    "gradient_check_n": 0.2850931567761623,           # the network as given, both bugs in
    "gradient_check_n, both bugs fixed": 1.1890913024229996e-07,
    "gradient_check_n, dW2 fixed": 0.25442297,
    "gradient_check_n, db1 fixed": 0.17344197,
}
SOURCE_NB = ROOT / "source" / ASSIGNMENT / NOTEBOOK_FILE
RELEASE_DIR = ROOT / "release" / ASSIGNMENT
RELEASE_NB = RELEASE_DIR / NOTEBOOK_FILE

# The virtual environment running these tests is the one nbgrader must run in:
# nbgrader shells out to `alembic` and starts kernels from it.
VENV_BIN = Path(sys.executable).parent


def tool_env():
    """Environment for subprocesses: the venv's bin/ first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NBGRADER_EXECUTION", None)
    return env


def nbgrader(course_dir, *args, check=True, timeout=900):
    """Run ``nbgrader ARGS`` in ``course_dir``; fail with its whole output if it fails."""
    proc = subprocess.run(
        [str(VENV_BIN / "nbgrader"), *map(str, args)],
        cwd=course_dir, env=tool_env(), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(map(str, args))} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def make_scratch_course(dest):
    """Copy what an instructor's course directory holds (config, helpers, source) to ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", *HELPERS):
        shutil.copy2(ROOT / name, dest / name)
    # symlinks=True keeps source/'s links to the helpers at the root, as in the repository.
    shutil.copytree(ROOT / "source", dest / "source", symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)


def cell_by_grade_id(nb, gid):
    matches = [cell for cell in nb.cells if grade_id(cell) == gid]
    assert len(matches) == 1, f"expected one cell with grade_id {gid!r}, found {len(matches)}"
    return matches[0]


_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)


def solution_code(gid):
    """The instructor's answer for one exercise: its source cell without the markers."""
    return _SOLUTION_MARKER.sub("", cell_by_grade_id(read_notebook(SOURCE_NB), gid).source)


def given_code(cell_id):
    """The code of a given (non-exercise) cell of the source notebook, by cell id."""
    matches = [c for c in read_notebook(SOURCE_NB).cells if c.get("id") == cell_id]
    assert len(matches) == 1, f"no single cell with id {cell_id!r} in the source notebook"
    return matches[0].source


def fill_release(answers):
    """The release notebook with the student cells of ``answers`` (grade_id -> code) filled in."""
    nb = read_notebook(RELEASE_NB)
    for gid, code in answers.items():
        cell_by_grade_id(nb, gid).source = code
    return nb


def place_submission(course_dir, student, nb, filename=NOTEBOOK_FILE):
    """Put a student's notebook where `nbgrader autograde` looks for it, with the release's files."""
    folder = Path(course_dir) / "submitted" / student / ASSIGNMENT
    shutil.copytree(RELEASE_DIR, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    nbformat.write(nb, str(folder / filename))
    return folder


def check_submissions(course_dir):
    """Run the pre-grading check README tells instructors to run; return what it printed."""
    proc = subprocess.run([sys.executable, "-m", "gc_grader.class_grading.check_submissions", ASSIGNMENT],
                          cwd=course_dir, env=tool_env(), capture_output=True, text=True, timeout=300, check=True)
    return proc.stdout


def exercise_of(test_grade_id):
    """The exercise a test cell grades (SPEC's rule); a test cell that names none fails the test."""
    exercise = _exercise_of(test_grade_id)
    assert exercise, f"test cell {test_grade_id!r} names no exercise"
    return exercise


def notebook_functions(edits=()):
    """Namespace with every function of the solved source notebook, without running its demos.

    ``edits`` are (old, new) replacements applied to the provided backward_propagation_n,
    for example to fix one of its planted bugs; each must match exactly once.
    """
    backward = given_code("backward-propagation-n")
    for old, new in edits:
        assert backward.count(old) == 1, f"{old!r} is not one line of backward_propagation_n"
        backward = backward.replace(old, new)
    namespace = {}
    for code in (given_code("imports"), given_code("forward-propagation-n"), backward,
                 *(solution_code(name) for name in POINTS)):
        exec(compile(code, str(SOURCE_NB), "exec"), namespace)
    return namespace


def answered_namespace(answers):
    """The notebook's globals after running ``answers`` (grade_id -> code) over the solved
    notebook's functions, as its demo cells leave them (no kernel, no demos)."""
    ns = notebook_functions()
    for code in answers.values():
        exec(compile(code, "<answer>", "exec"), ns)
    ns.update(x=2, theta=4, dtheta=2)
    return ns


def points_by_exercise(course_dir, student, db_url=None):
    """Read one student's autograded points per exercise from the scratch course's gradebook
    (its SQLite file, or the database at ``db_url``)."""
    from nbgrader.api import Gradebook
    points = dict.fromkeys(POINTS, 0.0)
    with Gradebook(db_url or f"sqlite:///{Path(course_dir) / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        for grade in notebook.grades:
            points[exercise_of(grade.name)] += grade.score
    return points
