"""grade-class's command line, and what the command sets up in its process before anything
else: light on purpose (the standard library only).

``python -m gc_grader.class_grading`` parses the arguments and prepares the process here, then
starts the local workers (``cluster.LocalWorkers``), and only then imports nbgrader and the rest
of the command (``cli``): the workers start beside that import, with the environment, the
working directory and the settings they must inherit already in place.
"""

import argparse
import os
import sys
from pathlib import Path

#: What ``--help`` says first.
DESCRIPTION = "Grade a whole class in one command, in parallel, on this machine or on a Dask cluster."


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="grade-class", description=DESCRIPTION)
    parser.add_argument("assignment", help="the assignment to grade, e.g. gradient_checking")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.add_argument("--collect", choices=("none", "exchange", "zip"), default="none",
                        help="first collect submissions from the nbgrader exchange, or from an LMS download "
                             "in downloaded/<assignment>/archive/ (default: grade what submitted/ holds)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="worker processes of the local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on an existing Dask cluster, e.g. tcp://10.0.0.5:8786; its workers need "
                            "this course's Python environment, with one thread each (dask worker --nthreads 1)")
    parser.add_argument("--db", metavar="URL", help="gradebook database URL (default: the course's db_url)")
    parser.add_argument("--batch", type=int, default=16,
                        help="students per nbgrader run on a worker (default 16): larger saves start-up "
                             "time, smaller gives a finer progress bar and less to redo if a worker dies")
    parser.add_argument("--force", action="store_true",
                        help="grade every submission again, even those already graded")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code WITHOUT the sandbox, with your own privileges: it can then read "
                             "the secret, the gradebook and every submission (only where no sandbox can be had)")
    parser.add_argument("--reports", type=Path,
                        help="folder for the summary and the plot (default: reports/<assignment>)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    return args


def prepare(args):
    """Set this process up as the command needs it, and as the local workers it starts inherit it:
    the course directory is the working directory and first on ``sys.path`` (its helper modules
    are the course's), before the command imports nbgrader and the rest.

    Stops with a message when the course directory does not exist."""
    # Student folders and files may have names that are not valid text: show them escaped.
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.stderr.reconfigure(errors="backslashreplace")
    # nbgrader runs `alembic` and `jupyter` from this environment's bin/ (workers inherit it).
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.pop("NBGRADER_EXECUTION", None)
    # Like every nbgrader command, this one works from the course root: relative paths in
    # the configuration (grades.csv, say) and the course's helper modules are found there.
    if not args.course.is_dir():
        raise SystemExit(f"grade-class: no course directory {args.course}")
    args.reports = (args.reports.resolve() if args.reports
                    else args.course.resolve() / "reports" / args.assignment)
    os.chdir(args.course)
    sys.path.insert(0, str(Path.cwd()))
