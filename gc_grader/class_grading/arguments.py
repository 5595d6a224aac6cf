"""grade-class's command line, read before anything heavy is imported.

``__main__`` reads it first and starts the Dask cluster (``cluster``) at once, so that the
workers start while the command imports nbgrader (about a second) and checks the course.
So this module imports nothing but the standard library.
"""

import argparse
import os
from pathlib import Path

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
    parser.add_argument("--batch", type=int, default=4,
                        help="students per nbgrader run on a worker (default 4): larger saves start-up "
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
