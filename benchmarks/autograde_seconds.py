"""Print how long `nbgrader autograde` takes per submission of this assignment.

Builds the test corpus (tests/submissions.py) in a scratch course and times:
- one `nbgrader autograde` call over --count submissions (the corpus, repeated as
  needed): seconds per submission when a batch is graded;
- with --per-student, each corpus submission graded in a call of its own: the median
  and the spread, start-up included (the two corpus submissions that run into the
  per-cell timeout are reported apart, since their time is the timeout's).
It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/autograde_seconds.py [--count N] [--per-student]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]      # the tests' plumbing and the helper modules
from course import ASSIGNMENT, check_submissions, make_scratch_course, nbgrader  # noqa: E402
from submissions import Submission, corpus  # noqa: E402

SLOW_BY_DESIGN = {"endless_loop", "sleeps"}


def scratch_course(root, submissions):
    course = make_scratch_course(Path(root) / "course")
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    for submission in submissions:
        submission.place(course)
    check_submissions(course)
    return course


def timed(course, *args):
    start = time.perf_counter()
    nbgrader(course, "autograde", ASSIGNMENT, *args)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=len(corpus()),
                        help="submissions in the batch (default: the corpus once)")
    parser.add_argument("--per-student", action="store_true",
                        help="also grade each corpus submission in a call of its own")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")

    recipes = corpus()
    batch = [Submission(**{**recipes[i % len(recipes)].__dict__, "student": f"{recipes[i % len(recipes)].student}-{i}"})
             for i in range(args.count)]
    with tempfile.TemporaryDirectory() as root:
        seconds = timed(scratch_course(root, batch))
    slow = sum(1 for s in batch if s.student.rsplit("-", 1)[0] in SLOW_BY_DESIGN)
    print(f"batch: {args.count} submissions ({slow} of them run into the cell timeout) in {seconds:.1f} s, "
          f"{seconds / args.count:.2f} s per submission")

    if args.per_student:
        with tempfile.TemporaryDirectory() as root:
            course = scratch_course(root, recipes)
            times = {s.student: timed(course, "--student", s.student) for s in recipes}
        usual = sorted(t for name, t in times.items() if name not in SLOW_BY_DESIGN)
        print(f"one call per submission, {len(usual)} submissions: median {statistics.median(usual):.2f} s, "
              f"fastest {usual[0]:.2f} s, slowest {usual[-1]:.2f} s (nbgrader start-up included)")
        for name in sorted(SLOW_BY_DESIGN):
            print(f"  {name}: {times[name]:.1f} s (runs into the per-cell timeout by design)")


if __name__ == "__main__":
    main()
