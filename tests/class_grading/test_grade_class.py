"""grade-class end to end: real nbgrader, real Dask workers, real gradebooks (SQLite and a
scratch PostgreSQL server), and the faults an instructor meets: a worker that dies,
a run that is killed, a second run over the same submissions.
"""

import csv
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from course import (ASSIGNMENT, NOTEBOOK, POINTS, copy_course, make_scratch_course, points_by_exercise, run_nbgrader,
                    tool_env)
from postgres import postgres_server
from public_tests import HINTS
from submissions import corpus

pytestmark = pytest.mark.slow

RECIPES = {s.student: s for s in corpus()}


def pick(*names):
    """Corpus submissions, renamed for an LMS: a student id there has no underscore."""
    return [dataclasses.replace(RECIPES[name], student=name.replace("_", "-")) for name in names]


CLASS = pick("correct", "blank", "fp_wrong", "gc_one_sided", "gcn_no_copy", "syntax_error", "gc_eps", "gc_precedence")
# A second student with gc_eps's mistake: the summary names both under one reason.
TWIN = dataclasses.replace(RECIPES["gc_eps"], student="eps-twin")
CLASS.append(TWIN)
BROKEN = "truncated"      # uploads half a notebook: cannot be graded, must be reported
OLD_SCHEMA = "oldschema"  # valid JSON, but nbgrader refuses its metadata and gives up on its whole batch
FAILING = (BROKEN, OLD_SCHEMA)


def old_schema_notebook():
    nb = RECIPES["correct"].notebook()
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["schema_version"] = 1
    return nb


def course_with_gradebook(tmp_path, db_url):
    """A scratch course whose gradebook is the database at ``db_url``, the assignment generated there."""
    course = make_scratch_course(tmp_path / "course")
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, f"--db={db_url}")
    return course


def grade_class(course, *args, timeout=600, check=True):
    proc = subprocess.run([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT, *map(str, args)],
                          cwd=course, env=tool_env(), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"grade-class exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


def lms_download(course, submissions, broken=()):
    """What an LMS hands out: one zip of files named <student id>_<notebook>."""
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as bundle:
        for submission in submissions:
            bundle.writestr(f"{submission.student}_{NOTEBOOK}.ipynb", nbformat.writes(submission.notebook()))
        for student in broken:
            bundle.writestr(f"{student}_{NOTEBOOK}.ipynb", '{"cells": [')
        bundle.writestr(f"{OLD_SCHEMA}_{NOTEBOOK}.ipynb", nbformat.writes(old_schema_notebook()))


def place_all(course, submissions):
    for submission in submissions:
        submission.place(course)


def assert_points(course, submissions, db_url=None):
    for submission in submissions:
        assert points_by_exercise(course, submission.student, db_url) == submission.expected_points(), \
            submission.description


def every_recorded_grade(db_url):
    """student -> [auto_score of every grade cell], for every submission in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {submission.student_id: [grade.auto_score for nb in submission.notebooks for grade in nb.grades]
                for submission in gb.assignment_submissions(ASSIGNMENT)}


# --- SQLite, submissions from an LMS download --------------------------------------------------

@pytest.fixture(scope="module")
def zip_course(generated_course, tmp_path_factory):
    course = copy_course(generated_course, tmp_path_factory.mktemp("zip") / "course")
    lms_download(course, CLASS, broken=[BROKEN])
    first = grade_class(course, "--collect", "zip", "--workers", 2)
    return course, first


def test_a_class_from_an_lms_download_gets_exactly_its_points(zip_course):
    course, first = zip_course
    assert f"grade-class: {len(CLASS) + 2} to grade, 0 already graded" in first.stdout
    # The batch that held the refused notebook was graded again student by student.
    assert_points(course, CLASS)
    for submission in CLASS:
        assert (course / "feedback" / submission.student / ASSIGNMENT / f"{NOTEBOOK}.html").is_file()
    with open(course / "grades.csv") as table:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(table)}
    assert rows == {s.student: float(sum(s.expected_points().values())) for s in CLASS}


def test_the_progress_bar_runs_to_the_end(zip_course):
    _, first = zip_course
    assert "grading:" in first.stderr and f"{len(CLASS) + 2}/{len(CLASS) + 2}" in first.stderr
    # Kernel banners and database warnings stay out of the instructor's terminal.
    assert "SAWarning" not in first.stderr and "IPKernelApp" not in first.stderr


def test_the_run_says_where_its_time_went(zip_course):
    """reports/<assignment>/seconds.json (gc_grader.stopwatch), which the benchmark prints: every
    phase measured, nested ones no longer than their parent, the two workers' sum near twice the wall."""
    course, _ = zip_course
    data = json.loads((course / "reports" / ASSIGNMENT / "seconds.json").read_text())
    t = data["seconds"]
    assert data["submissions"] == len(CLASS) + 2
    for phase in ("kernel start", "notebook", "judge", "autograde", "feedback", "worker", "recording", "wall"):
        assert t.get(phase, 0) > 0, phase
    assert t["kernel start"] < t["notebook"] < t["autograde"]
    assert t["notebook"] + t["judge"] <= t["autograde"] and t["autograde"] + t["feedback"] <= t["worker"]
    assert t["worker"] <= 2 * t["wall"] * 1.01


def test_the_summary_table_counts_each_exercise(zip_course):
    course, first = zip_course
    summary = (course / "reports" / ASSIGNMENT / "summary.txt").read_text()
    assert summary.strip() in first.stdout
    lines = summary.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["exercise"])
    assert lines[header].split() == ["exercise", "points", "mean", "full", "zero"]
    table = lines[header + 1:lines.index("", header)]
    rows = {line.split()[0]: line.split()[1:] for line in table}
    assert set(rows) == {*POINTS, "total"}
    for exercise, top in POINTS.items():
        got = [s.expected_points()[exercise] for s in CLASS]
        points, mean, full, zero = rows[exercise]
        assert float(points) == top
        assert float(mean) == pytest.approx(sum(got) / len(got), abs=0.05)
        assert (int(full), int(zero)) == (got.count(top), got.count(0)), exercise
    totals = [sum(s.expected_points().values()) for s in CLASS]
    assert float(rows["total"][1]) == pytest.approx(sum(totals) / len(totals), abs=0.05)


def test_failures_are_listed_with_their_reason(zip_course):
    course, first = zip_course
    summary = (course / "reports" / ASSIGNMENT / "summary.txt").read_text()
    failures = summary.split("Failures (2):")[1].split("\n\n")[0]
    assert f"{BROKEN}: {NOTEBOOK}.ipynb is not a valid notebook file" in failures
    # nbgrader's own reason, and its whole log beside the report.
    assert f"{OLD_SCHEMA}: not graded: One or more notebooks in the assignment use an old version" in failures
    assert "nbgrader update" in (course / "reports" / ASSIGNMENT / "logs" / f"{OLD_SCHEMA}.log").read_text()
    # Why points were lost, in the verdicts' own words.
    reasons = summary.split("Why points were lost")[1]
    assert "\nforward_propagation\n" in reasons and "\ngradient_check\n" in reasons
    # Each reason is a verdict's sentence, which names the mistake, not its common first line.
    assert "failed its test." not in reasons and "failed a hidden check." not in reasons


def reasons_in(summary):
    """The summary's reasons for lost points as {exercise: {reason: [student ids]}}, each
    reason's wrapped lines joined again, as a person reads them."""
    section = summary.split("Why points were lost (most common first):\n")[1].split("\n\nWritten:")[0]
    found, exercise, reason = {}, None, None
    for line in section.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            exercise = found.setdefault(line, {})
        elif line.startswith("  - "):
            reason = line[4:]
        elif line.startswith("      "):
            listed = line.split("):", 1)[1] if line.strip().startswith("students (") else line
            exercise.setdefault(reason, []).extend(listed.replace(",", " ").split())
        else:
            reason += " " + line.strip()
    return found


def expected_reason(submission, exercise):
    """The reason a corpus submission must be listed under for ``exercise``, as the summary says it."""
    if submission.student == "blank":
        return HINTS["not_answered"]
    if submission.hint:
        return HINTS[submission.hint]
    if submission.student == "syntax-error":    # its test finds no function: the error says so
        return "NameError: name 'backward_propagation' is not defined"
    return HINTS[exercise]          # fp_wrong: the exercise's own sentence


def test_every_mistake_is_listed_in_full_with_the_students_who_made_it(zip_course):
    course, first = zip_course
    summary = (course / "reports" / ASSIGNMENT / "summary.txt").read_text()
    listed = reasons_in(summary)
    expected = {}
    for submission in CLASS:
        for exercise, points in submission.expected_points().items():
            if points < POINTS[exercise]:
                reason = expected_reason(submission, exercise)
                expected.setdefault(exercise, {}).setdefault(reason, []).append(submission.student)
    expected = {exercise: {reason: sorted(ids) for reason, ids in reasons.items()}
                for exercise, reasons in expected.items()}
    assert listed == expected
    # More than three mistakes in one exercise, every one of them; one mistake, two students.
    assert len(listed["gradient_check"]) >= 4
    assert listed["gradient_check"][HINTS["divides_by_epsilon"]] == ["eps-twin", "gc-eps"]
    # The most common first.
    counts = [len(ids) for ids in listed["gradient_check"].values()]
    assert counts == sorted(counts, reverse=True)
    # Whole sentences on lines a person can read; nothing of the students' code.
    section = summary.split("Why points were lost")[1]
    assert all(len(line) <= 88 for line in section.splitlines())
    assert HINTS["one_sided"] in " ".join(line.strip() for line in section.splitlines())
    assert "at line" not in section and "J_minus = forward_propagation(x, theta)" not in section
    assert summary.strip() in first.stdout


def test_a_spreadsheet_of_points_per_exercise_sorted_by_student(zip_course):
    course, first = zip_course
    path = course / f"{ASSIGNMENT}_grades.csv"
    assert str(path) in first.stdout
    with open(path, newline="") as table:
        rows = list(csv.DictReader(table))
    columns = [f"ex{number} {name}" for number, name in enumerate(POINTS, 1)]
    assert list(rows[0]) == ["student_id", *columns, "total", "max_score"]
    ids = [row["student_id"] for row in rows]
    assert ids == sorted(ids) == sorted(s.student for s in CLASS)       # the two failed uploads are not graded
    with open(course / "grades.csv") as table:
        nbgrader_totals = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(table)}
    for row in rows:
        points = points_by_exercise(course, row["student_id"])           # the gradebook's
        assert {name: float(row[column]) for name, column in zip(POINTS, columns)} == points
        assert float(row["total"]) == sum(points.values()) == nbgrader_totals[row["student_id"]]
        assert row["max_score"] == "100"
        assert not any(value.endswith(".0") for value in row.values()), row
    assert {row["student_id"]: float(row["total"]) for row in rows} == \
        {s.student: float(sum(s.expected_points().values())) for s in CLASS}


def test_the_histogram_of_the_class_counts_whole_students(zip_course):
    """The gradebook's class drawn as grade-class draws it: one bar per score, 0 and 100 alike."""
    from nbgrader.api import Gradebook
    from gc_grader.class_grading.report import class_scores, distribution_figure
    course, _ = zip_course
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = class_scores(gb, ASSIGNMENT)
    figure = distribution_figure(ASSIGNMENT, scores)
    figure.canvas.draw()
    (axes,) = figure.axes
    heights = {round(bar.get_x() + bar.get_width() / 2): bar.get_height() for bar in axes.patches if bar.get_height()}
    totals = [sum(s.expected_points().values()) for s in CLASS]
    assert heights == {total: totals.count(total) for total in set(totals)}
    assert 0 in heights and 100 in heights
    widths = {round(bar.get_width(), 6) for bar in axes.patches}
    assert len(widths) == 1
    assert all(float(tick).is_integer() for tick in axes.get_yticks())


def test_the_score_distribution_is_a_png_of_the_class(zip_course):
    import matplotlib.image
    course, _ = zip_course
    path = course / "reports" / ASSIGNMENT / "score_distribution.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = matplotlib.image.imread(path).shape
    assert width >= 600 and height >= 300


def test_a_second_run_grades_only_what_is_new_unless_forced(zip_course):
    course, _ = zip_course
    graded = course / "autograded" / "correct" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    before = graded.stat().st_mtime_ns
    again = grade_class(course, "--collect", "zip", "--workers", 2)
    # Only the two failed uploads, which never got graded, are tried again.
    assert f"grade-class: 2 to grade, {len(CLASS)} already graded and unchanged" in again.stdout
    assert graded.stat().st_mtime_ns == before

    # One student uploads again, now with every answer right.
    resubmitted = dataclasses.replace(RECIPES["correct"], student="blank")
    lms_download(course, [resubmitted, *(s for s in CLASS if s.student != "blank")], broken=[BROKEN])
    third = grade_class(course, "--collect", "zip", "--workers", 2)
    assert f"grade-class: 3 to grade, {len(CLASS) - 1} already graded and unchanged" in third.stdout
    assert sum(points_by_exercise(course, "blank").values()) == 100
    assert graded.stat().st_mtime_ns == before

    # A grader overrides one score by hand; grading again keeps it, as nbgrader does.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("gradient_check_tests", NOTEBOOK, ASSIGNMENT, "correct").manual_score = 27
        gb.db.commit()
    forced = grade_class(course, "--workers", 2, "--force")
    assert f"grade-class: {len(CLASS) + 2} to grade, 0 already graded" in forced.stdout
    assert graded.stat().st_mtime_ns != before
    assert sum(points_by_exercise(course, "blank").values()) == 100
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("gradient_check_tests", NOTEBOOK, ASSIGNMENT, "correct")
        assert (grade.auto_score, grade.manual_score, grade.needs_manual_grade) == (30, 27, True)
    feedback = (course / "feedback" / "correct" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    # 100 - 30 + 27: the total comes from the instructor's gradebook, not the worker's.
    assert re.search(r"\b97(\.0+)?\s*/\s*100", re.sub(r"<[^>]+>", " ", feedback)), "manual score missing"


def test_submissions_collected_from_the_exchange(tmp_path, course):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    run_nbgrader(course, "release_assignment", ASSIGNMENT)
    students = pick("correct", "gc_eps")
    for submission in students:
        home = tmp_path / "students" / submission.student
        home.mkdir(parents=True)
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'gradient-checking'\n")
        run_nbgrader(home, "fetch_assignment", ASSIGNMENT)
        nbformat.write(submission.notebook(), str(home / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))
        run_nbgrader(home, "submit", ASSIGNMENT, "--student", submission.student)
    run = grade_class(course, "--collect", "exchange", "--workers", 1)
    assert "grade-class: 2 to grade" in run.stdout
    assert_points(course, students)
    assert (course / "submitted" / "gc-eps" / ASSIGNMENT / "timestamp.txt").is_file()


def test_changed_tests_regrade_everyone(zip_course):
    """A submission is up to date only for the grading it got: a changed test regrades all."""
    course, _ = zip_course
    config = course / "nbgrader_config.py"
    original = config.read_text()
    try:
        config.write_text(original + "\nc.Execute.timeout = 31\n")
        run = grade_class(course, "--workers", 2)
        assert f"grade-class: {len(CLASS) + 2} to grade, 0 already graded" in run.stdout
        # (blank resubmitted and correct has a manual score: see the test before)
        assert_points(course, [s for s in CLASS if s.student not in ("blank", "correct")])
    finally:
        config.write_text(original)


def test_a_linked_file_is_never_graded(course):
    """A submission whose notebook is a symbolic link (here, to the instructor's solutions)."""
    place_all(course, pick("correct"))
    folder = course / "submitted" / "linker" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").symlink_to(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    run = grade_class(course, "--workers", 1)
    assert f"linker: {NOTEBOOK}.ipynb is a symbolic link" in run.stdout
    failures = run.stdout.split("Failures (1):")[1]
    assert f"linker: {NOTEBOOK}.ipynb is a symbolic link, not a file; it is not graded" in failures
    assert "linker" not in every_recorded_grade(f"sqlite:///{course / 'gradebook.db'}")
    assert not (course / "autograded" / "linker").exists() and not (course / "feedback" / "linker").exists()
    assert sum(points_by_exercise(course, "correct").values()) == 100


def test_bad_arguments_get_a_clear_message(tmp_path):
    course = make_scratch_course(tmp_path / "course")
    no_assignment = grade_class(course, check=False)
    assert no_assignment.returncode != 0
    assert f"the gradebook has no assignment {ASSIGNMENT!r}" in no_assignment.stderr
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    no_download = grade_class(course, "--collect", "zip", check=False)
    assert "put the LMS download" in no_download.stderr
    assert "--workers must be at least 1" in grade_class(course, "--workers", 0, check=False).stderr
    unreachable = grade_class(course, "--db", "postgresql://grader@127.0.0.1:1/gradebook", check=False)
    assert "cannot open the gradebook postgresql://grader@127.0.0.1:1/gradebook" in unreachable.stderr
    assert "no course directory" in grade_class(course, "--course", tmp_path / "nowhere", check=False).stderr
    # The refused runs wrote no grades, export or report into the course.
    assert not (course / "grades.csv").exists() and not (course / "reports").exists()


# --- PostgreSQL, with faults ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("pg")) as server:
        yield server


def busy_worker(workers):
    """A worker process that is grading right now (it has a sandbox running: a kernel's, forked
    from its zygote or not, or the judge's), or None."""
    for worker in workers:
        try:
            if any(child.name() == "bwrap" or "ipykernel" in " ".join(child.cmdline())
                   for child in worker.children(recursive=True)):
                return worker
        except psutil.NoSuchProcess:
            continue
    return None


def kill_tree(process):
    family = [process, *process.children(recursive=True)]
    for member in family:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=30)


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, postgres):
    """On a cluster given by address: one worker dies while grading; its student is graded again."""
    db_url = postgres.create_database("killed_worker")
    course = course_with_gradebook(tmp_path, db_url)
    place_all(course, CLASS)
    scheduler_file = tmp_path / "scheduler.json"
    dask = Path(sys.executable).parent / "dask"
    env = tool_env()
    scheduler = subprocess.Popen([dask, "scheduler", "--scheduler-file", scheduler_file, "--no-dashboard",
                                  "--host", "127.0.0.1", "--port", "0"], env=env, cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = None
    try:
        for _ in range(300):
            if scheduler_file.exists() and scheduler_file.read_text().strip():
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                    "--no-dashboard"], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        command = subprocess.Popen([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT,
                                    "--scheduler", address, "--db", db_url], cwd=course, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim, deadline = None, time.monotonic() + 300
        while victim is None and command.poll() is None and time.monotonic() < deadline:
            victim = busy_worker(psutil.Process(workers.pid).children())
            time.sleep(0.05)
        assert victim is not None, "no worker was ever seen grading"
        kill_tree(victim)
        out, err = command.communicate(timeout=600)
        assert command.returncode == 0, out + err
    finally:
        for process in (workers, scheduler):
            if process is not None:
                kill_tree(psutil.Process(process.pid)) if process.poll() is None else None
    assert f"graded now {len(CLASS)}, already up to date 0, failed 0" in out
    assert_points(course, CLASS, db_url)


@pytest.mark.postgres
def test_a_killed_run_leaves_no_half_written_grades(tmp_path, postgres):
    db_url = postgres.create_database("killed_run")
    course = course_with_gradebook(tmp_path, db_url)
    place_all(course, CLASS)
    command = subprocess.Popen([sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT, "--workers", "2",
                                "--db", db_url], cwd=course, env=tool_env(), start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not every_recorded_grade(db_url) and command.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert command.poll() is None, "the run finished before it could be killed"
        family = [psutil.Process(command.pid), *psutil.Process(command.pid).children(recursive=True)]
        os.killpg(command.pid, signal.SIGKILL)
        for member in family:                      # kernels run in sessions of their own
            try:
                member.kill()
            except psutil.NoSuchProcess:
                pass
    finally:
        command.wait(timeout=60)
    recorded = every_recorded_grade(db_url)
    assert 1 <= len(recorded) < len(CLASS)
    for student, scores in recorded.items():
        assert None not in scores, f"{student} was left half graded: {scores}"
    by_name = {s.student: s for s in CLASS}
    assert_points(course, [by_name[student] for student in recorded], db_url)

    again = grade_class(course, "--workers", 2, "--db", db_url)
    to_grade, up_to_date = map(int, re.search(r"grade-class: (\d+) to grade, (\d+) already graded", again.stdout).groups())
    assert to_grade + up_to_date == len(CLASS) and up_to_date <= len(recorded)
    assert_points(course, CLASS, db_url)
    assert f"{len(CLASS)} submissions in the gradebook" in again.stdout


def test_one_students_grades_go_in_whole_or_not_at_all(course):
    """record_grades fails half-way (a notebook the gradebook does not know): nothing of it stays."""
    from nbgrader.api import Gradebook, MissingEntry
    from gc_grader.class_grading.gradebook_writer import record_grades
    from gc_grader.class_grading.model import NotebookScores, Result

    url = f"sqlite:///{course / 'gradebook.db'}"
    full = {f"{name}_tests": float(points) for name, points in POINTS.items()}
    good = Result("ada", "x", ok=True, notebooks=[NotebookScores(NOTEBOOK, 0.0, full, {})])
    with Gradebook(url) as gb:
        record_grades(gb, ASSIGNMENT, good)
    half = dataclasses.replace(good, student="bob", notebooks=[
        NotebookScores(NOTEBOOK, 0.0, full, {}), NotebookScores("No_Such_Notebook", 0.0, {}, {})])
    with Gradebook(url) as gb:
        with pytest.raises(MissingEntry):
            record_grades(gb, ASSIGNMENT, half)
    with Gradebook(url) as gb:
        assert [s.student_id for s in gb.assignment_submissions(ASSIGNMENT)] == ["ada"]
        assert [student.id for student in gb.students] == ["ada"]
    assert sum(points_by_exercise(course, "ada").values()) == 100


# --- nbgrader's folder settings -------------------------------------------------------------------

def test_a_course_that_renames_its_folders_is_graded_where_nbgrader_keeps_them(course):
    """Every path goes through nbgrader's CourseDirectory: submitted/, autograded/ and feedback/
    set to other names in nbgrader_config.py are read and written there, and nowhere else."""
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('\nc.CourseDirectory.submitted_directory = "handed_in"\n'
                     'c.CourseDirectory.autograded_directory = "graded"\n'
                     'c.CourseDirectory.feedback_directory = "returned"\n')
    chosen = pick("correct", "gcn_no_copy")
    (course / "handed_in").mkdir()
    for submission in chosen:
        submission.place(course)
        (course / "submitted" / submission.student).rename(course / "handed_in" / submission.student)
    first = grade_class(course, "--workers", 1)
    assert "grade-class: 2 to grade, 0 already graded" in first.stdout
    assert_points(course, chosen)
    for submission in chosen:
        graded = course / "graded" / submission.student / ASSIGNMENT
        assert (graded / f"{NOTEBOOK}.ipynb").is_file() and (graded / ".gc_graded").is_file()
        assert (course / "returned" / submission.student / ASSIGNMENT / f"{NOTEBOOK}.html").is_file()
    assert not (course / "autograded").exists() and not (course / "feedback").exists()
    again = grade_class(course, "--workers", 1)
    assert "grade-class: 0 to grade, 2 already graded" in again.stdout
