"""Grade a whole class in one command, in parallel, on this machine or on a Dask cluster.

    ./grade-class gradient_checking [--collect exchange|zip] [--workers N | --scheduler ADDRESS]
                                    [--db URL] [--force] [--no-sandbox]

Steps, each one nbgrader's own:
1. collect the submissions (`nbgrader collect` from the exchange, or `nbgrader zip_collect`
   from an LMS download), unless they are already in submitted/;
2. check them (``check_submissions``: renamed and broken notebooks);
3. grade every new or changed submission on Dask workers (student code in the sandbox,
   ``gc_grader.sandbox``; without one this stops and says what to install), each one running nbgrader's
   autograde and generate_feedback over a few students at a time (``worker``). This
   process alone (``coordinator``) writes the results into the gradebook and the course
   directory (``gradebook_writer``), one student at a time;
4. nbgrader's export to grades.csv, and every student's points per exercise in
   <assignment>_grades.csv beside it (``exercise_csv``); then a summary per exercise on screen
   and in reports/<assignment>/, with every reason points were lost and the students it hit,
   and the score distribution as a PNG (``report``).

The gradebook is nbgrader's: SQLite in the course root unless `--db` or the course
configuration's `CourseDirectory.db_url` names another (PostgreSQL, for instance).
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.exportapp import ExportApp
from nbgrader.apps.zipcollectapp import ZipCollectApp

from gc_grader.class_grading.arguments import parse_args, prepare
from gc_grader.class_grading.check_submissions import check_all, means_zero
from gc_grader.class_grading.coordinator import Coordinator
from gc_grader.class_grading.course import Course, CourseError
from gc_grader.class_grading.definitions import definitions_gradebook
from gc_grader.class_grading.exercise_csv import file_name as exercise_csv_name, write_exercise_csv
from gc_grader.class_grading.files import read_tree
from gc_grader.class_grading.fingerprint import grading_fingerprint
from gc_grader.class_grading.gradebook_writer import course_lock, plan
from gc_grader.class_grading.model import CourseBundle
from gc_grader.class_grading.report import class_scores, lost_point_reasons, plot_distribution, summary_lines
from gc_grader.judge.secret import course_secret
from gc_grader.sandbox import Sandbox, SandboxUnavailable
from gc_i18n import speaking_edition

#: Exit status after Ctrl-C, as a shell reports it.
INTERRUPTED = 130


def collect(course, assignment, how):
    """nbgrader's own collect (exchange) or zip_collect (LMS download), when asked."""
    if how == "exchange":
        outcome = course.api().collect(assignment, update=True)
        if not outcome["success"]:
            raise SystemExit(f"grade-class: nbgrader collect failed:\n{outcome.get('log', '').strip()[-3000:]}")
    elif how == "zip":
        archive = lms_archive(course, assignment)
        if not archive.is_dir():
            raise SystemExit(f"grade-class: put the LMS download (zip files) in {archive} first")
        # zip_collect does not use the gradebook; --force replaces the folders of the
        # students in the download (only theirs), as a fresh download should.
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force"],
                              cwd=course.root, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"grade-class: nbgrader zip_collect failed:\n{proc.stderr.strip()[-3000:]}")


def lms_archive(course, assignment):
    """Where nbgrader's zip_collect reads the LMS download, by the course's settings."""
    app = ZipCollectApp(config=course.config)
    return course.root / app.collect_directory_structure.format(
        downloaded=app.downloaded_directory, assignment_id=assignment, collect_step=app.archive_directory)


def check(course, assignment):
    """Run the pre-grading check on every submission; return {student: reason it scores 0}."""
    zero = {}
    for student, message in check_all(course, assignment)[1]:
        print(f"check: {student}: {message}")
        if means_zero(message):
            zero.setdefault(student, message)
    return zero


#: What the run and its summary say when student code ran without the sandbox.
UNSANDBOXED = ("WARNING: student code runs UNSANDBOXED, with the grader's privileges: a submission can read "
               "the secret, the gradebook and other submissions, and write anywhere you can")


def sandboxed(course, no_sandbox):
    """Whether student code runs in the sandbox; stops, saying what to install, when it cannot."""
    sandbox = Sandbox(config=course.config)
    if no_sandbox or not sandbox.enabled:
        print(f"grade-class: {UNSANDBOXED} ({'--no-sandbox' if no_sandbox else 'c.Sandbox.enabled = False'}).",
              file=sys.stderr)
        return False
    try:
        sandbox.check()
    except SandboxUnavailable as error:
        raise SystemExit(f"grade-class: {error}")
    return True


def course_bundle(course, assignment, sandbox=True):
    """What workers need, read once: configuration, secret, source files, assignment definitions."""
    source = course.folder("source", assignment)
    if not source.is_dir():
        raise SystemExit(f"grade-class: no {source}; is {assignment!r} the right assignment?")
    with tempfile.TemporaryDirectory(prefix="gc_defs_") as scratch:
        path = Path(scratch) / "gradebook.db"
        digest = definitions_gradebook(course.db_url, path)
        definitions = path.read_bytes()
    config = (course.root / "nbgrader_config.py").read_bytes()
    if not sandbox:
        config += b"\n# ./grade-class --no-sandbox\nc.Sandbox.enabled = False\n"
    return CourseBundle(assignment, course.course_id, config,
                        (course_secret(course.root) + "\n").encode(), read_tree(source), definitions, digest)


def export(course, gb):
    """What `nbgrader export` does (its configured plugin, grades.csv by default), in this process."""
    app = ExportApp(config=course.config)
    app.log_level = "WARN"
    app.init_plugin()
    app.plugin_inst.export(gb)
    # nbgrader's CSV plugin writes to its `to` setting, grades.csv when unset (relative to the course root).
    return course.root / (getattr(app.plugin_inst, "to", "") or "grades.csv")


def report(args, course, gb, failures, graded, up_to_date, exported, sandbox=True):
    """The summary on screen and in the reports folder, with the histogram, and the points per
    exercise in <assignment>_grades.csv beside nbgrader's export."""
    scores = class_scores(gb, args.assignment)
    table = write_exercise_csv(scores, course.root / exercise_csv_name(args.assignment))
    # In the edition's language, as its feedback is (the marker of its source folder); the
    # reasons are read in it too, since the verdicts were written in it.
    with speaking_edition(course.folder("source", args.assignment)):
        reasons = lost_point_reasons(course, args.assignment, scores)
        lines = summary_lines(args.assignment, scores, reasons, failures, len(graded), len(up_to_date))
        if not sandbox:
            lines = [UNSANDBOXED + ".", *lines]
        folder = args.reports
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        plot_distribution(args.assignment, scores, folder / "score_distribution.png")
    print("\n".join(lines))
    print(f"\nWritten: {exported}, {table}, {folder / 'summary.txt'}, {folder / 'score_distribution.png'}")


def write_seconds(path, submissions, seconds):
    """Where this run's time went, per phase (gc_grader.stopwatch), for benchmarks/grade_class_seconds.py:
    ``{"submissions": N, "seconds": {phase: total seconds}}``. The workers' phases are summed over
    workers, so with two of them they add up to about twice "wall"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"submissions": submissions, "seconds": dict(sorted(seconds.items()))}, indent=1) + "\n")


def main(argv=None, *, args=None, starting=None):
    """The command: ``argv`` (or ``args`` parsed and ``prepare``d already, with ``starting``
    local workers started meanwhile, as ``python -m gc_grader.class_grading`` does, which closes
    them on every way out). The coordinator takes them when there is someone to grade; else
    they are closed here as soon as that is known."""
    if args is None:
        args = parse_args(argv)
        prepare(args)
    try:
        course = Course(Path.cwd(), args.db)
        course.require_folders_inside()
    except CourseError as error:
        raise SystemExit(f"grade-class: {error}")
    with course_lock(course):
        try:
            gradebook = Gradebook(course.db_url, course.course_id)
        except Exception as error:
            raise SystemExit(f"grade-class: cannot open the gradebook {course.shown_url}: "
                             f"{type(error).__name__}: {course.safe_text(error)}")
        with gradebook as gb:
            try:
                gb.find_assignment(args.assignment)
            except MissingEntry:
                raise SystemExit(f"grade-class: the gradebook has no assignment {args.assignment!r}; "
                                 f"run `nbgrader generate_assignment {args.assignment}` first")
            sandbox = sandboxed(course, args.no_sandbox)
            collect(course, args.assignment, args.collect)
            failures = check(course, args.assignment)
            bundle = course_bundle(course, args.assignment, sandbox)
            students, up_to_date, unreadable = plan(gb, course, args.assignment, grading_fingerprint(bundle),
                                                    force=args.force)
            failures.update(unreadable)
            print(f"grade-class: {len(students)} to grade, {len(up_to_date)} already graded and unchanged"
                  + ("" if args.force or not up_to_date else " (--force grades them again)"))
            if not students and starting is not None:
                starting.close()              # started for nothing: not left running beside the report
            try:
                coordinator = Coordinator(args, course, gb, bundle, failures, starting)
                graded = coordinator.run(students) if students else []
            except KeyboardInterrupt:
                print("\ngrade-class: interrupted. Every student whose grading finished is in the gradebook; "
                      "the others are untouched: run the same command again to grade them.", file=sys.stderr)
                return INTERRUPTED
            exported = export(course, gb)
            report(args, course, gb, failures, graded, up_to_date, exported, sandbox)
            if students:
                write_seconds(args.reports / "seconds.json", len(students), coordinator.seconds)
    return 0
