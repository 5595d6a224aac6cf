"""The course as the tests see it: its paths, its notebooks, and the real nbgrader.

Every test that grades works on a *scratch copy* of the course (made by
``make_scratch_course``) with its own gradebook, so nothing the tests do can touch
the instructor's files or grades. The tests make one such course per session and
give each test a copy of it (``copy_course``; the fixtures are in conftest.py).

nbgrader runs in the tests' own process (``run_nbgrader``), as nbgrader's own tests run
it: the same application, configuration and plugins as its command line, without a
Python start-up per command. ``nbgrader`` runs the command line in a process of its own,
for what needs one (grading in the background, the benchmarks' timings).
"""

import contextlib
import io
import linecache
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gc_grader.assignment import ASSIGNMENT, HELPERS, NOTEBOOK, NOTEBOOK_FILE, POINTS, grade_id  # noqa: F401
from gc_grader.assignment import exercise_of as _exercise_of

ROOT = Path(__file__).resolve().parents[1]

#: SPEC's signatures and README's points: the tests' oracles for the contract that
#: gc_grader.assignment states for the product (test_notebooks ties the two).
SPEC_SIGNATURES = {
    "forward_propagation": "(x, theta)",
    "backward_propagation": "(x, theta)",
    "gradient_check": "(x, theta, epsilon=1e-07, print_msg=False)",
    "gradient_check_n": "(parameters, gradients, X, Y, epsilon=1e-07, print_msg=False)",
}
README_POINTS = {"forward_propagation": 10, "backward_propagation": 10, "gradient_check": 30, "gradient_check_n": 50}

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


@dataclass
class NbgraderRun:
    """What one nbgrader command did: its exit status, what it printed, what it logged."""
    args: tuple
    returncode: int
    stdout: str
    stderr: str

    def check(self):
        """Fail with the command's whole output unless it exited 0; else return this run."""
        if self.returncode != 0:
            raise AssertionError(
                f"nbgrader {' '.join(self.args)} exited {self.returncode}\n"
                f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")
        return self


@contextlib.contextmanager
def _as_the_command_line(course_dir):
    """Run the block as `nbgrader` would run from ``course_dir``: there, with the venv's bin/
    first on PATH and no NBGRADER_EXECUTION; then put back the working directory, the
    environment and sys.path (nbgrader puts the directory it runs in at its front)."""
    saved_cwd, saved_env, saved_path = os.getcwd(), dict(os.environ), list(sys.path)
    try:
        for name, value in tool_env().items():
            if os.environ.get(name) != value:
                os.environ[name] = value
        os.environ.pop("NBGRADER_EXECUTION", None)
        os.chdir(course_dir)
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for name in set(os.environ) - set(saved_env):
            del os.environ[name]
        for name, value in saved_env.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


def run_nbgrader(course_dir, *args, check=True):
    """Run ``nbgrader ARGS`` in ``course_dir``, in this process; fail with its whole output if
    it exits other than 0 (unless ``check`` is false). Returns an ``NbgraderRun``: what
    nbgrader printed is its stdout, what it logged its stderr, as from the command line.

    As nbgrader's own tests do it: its application is made, initialized with ARGS and
    started, its exit caught, and its singletons (it and its subcommand's) cleared after.
    """
    from jupyter_core.application import NoStart
    from nbgrader.apps import NbGraderApp
    from nbgrader.validator import Validator

    args = tuple(map(str, args))
    printed, logged = io.StringIO(), io.StringIO()
    app, saved_stream = None, Validator.stream
    with _as_the_command_line(course_dir):
        try:
            # nbgrader's log handlers write to the sys.stderr of the moment they are set up.
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(logged):
                Validator.stream = printed          # `nbgrader validate` prints here (bound at import)
                app = NbGraderApp.instance()
                try:
                    app.initialize(list(args))
                    app.start()
                    returncode = 0
                except NoStart:
                    returncode = 0
                except SystemExit as stop:          # sys.exit(status), or sys.exit(message): status 1
                    if isinstance(stop.code, str):
                        print(stop.code, file=logged)
                    returncode = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
                except Exception:                   # the command line would print it and exit 1
                    traceback.print_exc(file=logged)
                    returncode = 1
        finally:
            Validator.stream = saved_stream
            if app is not None:
                app.reset()
    run = NbgraderRun(args, returncode, printed.getvalue(), logged.getvalue())
    return run.check() if check else run


def nbgrader(course_dir, *args, check=True, timeout=900):
    """Run the ``nbgrader ARGS`` command line in a process of its own, in ``course_dir``;
    fail with its whole output if it fails."""
    proc = subprocess.run(
        [str(VENV_BIN / "nbgrader"), *map(str, args)],
        cwd=course_dir, env=tool_env(), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(map(str, args))} exited {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


@contextlib.contextmanager
def nbgrader_alongside(course_dir, *args, timeout=900):
    """Run the ``nbgrader ARGS`` command line in a process of its own while the block runs,
    then wait for it; fail with its whole output if it failed. Yields an ``NbgraderRun``,
    filled in once the block is over. For grading that mostly waits (on timeouts, on
    kernels): its waiting overlaps the block's work."""
    args = tuple(map(str, args))
    run = NbgraderRun(args, None, "", "")
    # Files, not pipes: a pipe nobody reads while the block runs stalls nbgrader once full.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([str(VENV_BIN / "nbgrader"), *args], cwd=course_dir, env=tool_env(),
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, text=True)
        try:
            yield run
        finally:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
            out.seek(0)
            err.seek(0)
            run.returncode, run.stdout, run.stderr = process.returncode, out.read(), err.read()
    run.check()


def make_scratch_course(dest):
    """Copy what an instructor's course directory holds (config, helpers, source, compiled
    catalogs) to ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", *HELPERS):
        shutil.copy2(ROOT / name, dest / name)
    # symlinks=True keeps source/'s links to the helpers at the root, as in the repository.
    shutil.copytree(ROOT / "source", dest / "source", symlinks=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    # The compiled catalogs, which source/'s editions link to (each ships them, for GC_LANGUAGE).
    shutil.copytree(ROOT / "locale", dest / "locale", ignore=shutil.ignore_patterns("*.po", "*.pot"))
    return dest


def copy_course(course, dest):
    """A copy of the scratch course ``course`` at ``dest``, gradebook and all: the course as
    the steps taken in it left it (say, `nbgrader generate_assignment`)."""
    return Path(shutil.copytree(course, dest, symlinks=True))


def short_timeouts(course, seconds):
    """Give ``course`` a limit of ``seconds`` per cell and per outside judgement (instead of
    nbgrader_config.py's 30 s), for submissions that hang by design; returns ``course``."""
    with open(Path(course) / "nbgrader_config.py", "a") as config:
        config.write("\n# The tests' course for submissions that hang by design.\n"
                     f"c.Execute.timeout = {seconds}\nc.JudgeOutsideKernel.timeout = {seconds}\n")
    return course


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
    """Run the pre-grading check README tells instructors to run (in this process); return
    what it printed."""
    from gc_grader.class_grading import check_submissions as command
    printed = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")   # it reconfigures stdout
    with contextlib.redirect_stdout(printed):
        status = command.main([ASSIGNMENT, "--course", str(course_dir)])
    printed.seek(0)
    report = printed.read()
    assert status == 0, f"check_submissions exited {status}:\n{report}"
    return report


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


#: Edits of the given backward_propagation_n (for ``notebook_functions``) that fix its planted bugs.
FIX_DW2 = ("dW2 = 1. / m * np.dot(dZ2, A1.T) * 2", "dW2 = 1. / m * np.dot(dZ2, A1.T)")
FIX_DB1 = ("db1 = 4. / m * np.sum(dZ1, axis=1, keepdims=True)", "db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)")


def assert_relatively_close(obtained, expected, rtol):
    assert abs(obtained - expected) <= rtol * abs(expected), f"{obtained!r} is not {expected!r} (rtol {rtol:g})"


def answered_namespace(answers):
    """The notebook's globals after running ``answers`` (grade_id -> code) over the solved
    notebook's functions, as its demo cells leave them (no kernel, no demos)."""
    ns = notebook_functions()
    for name, code in answers.items():
        ns.pop(name, None)                       # the answer cell alone defines its function
        filename = f"<answer {name}>"            # its lines readable in tracebacks, as a kernel's cells are
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        with contextlib.suppress(Exception):     # a cell that fails leaves what it defined before
            exec(compile(code, filename, "exec"), ns)
    ns.update(x=2, theta=4, J=8, dtheta=2)
    X, Y, parameters = ns["gradient_check_n_test_case"]()
    cost, cache = notebook_functions()["forward_propagation_n"](X, Y, parameters)
    ns.update(X=X, Y=Y, parameters=parameters, cost=cost, cache=cache,
              gradients=notebook_functions()["backward_propagation_n"](X, Y, cache))
    return ns


def points_by_exercise(course_dir, student, db_url=None, assignment=ASSIGNMENT):
    """Read one student's autograded points per exercise from the scratch course's gradebook
    (its SQLite file, or the database at ``db_url``)."""
    from nbgrader.api import Gradebook
    points = dict.fromkeys(POINTS, 0.0)
    with Gradebook(db_url or f"sqlite:///{Path(course_dir) / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, assignment, student)
        for grade in notebook.grades:
            points[exercise_of(grade.name)] += grade.score
    return points
