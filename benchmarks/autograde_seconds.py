"""Print how long stock `nbgrader autograde` takes per submission of this assignment.

Grades the test corpus (tests/submissions.py), repeated to reach --count submissions,
in a scratch course, in one `nbgrader autograde` call, and reports seconds per
submission. It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/autograde_seconds.py [--count N]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from course import ASSIGNMENT, fill_release, make_scratch_course, nbgrader, place_submission  # noqa: E402
from submissions import corpus  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=len(corpus()),
                        help="number of submissions to grade (default: the corpus once)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")

    recipes = corpus()
    with tempfile.TemporaryDirectory() as scratch:
        course = make_scratch_course(Path(scratch) / "course")
        nbgrader(course, "generate_assignment", ASSIGNMENT)
        students = []
        for i in range(args.count):
            recipe = recipes[i % len(recipes)]
            student = f"{recipe.student}-{i}"
            place_submission(course, student, fill_release(recipe.answers))
            students.append(student)

        start = time.perf_counter()
        nbgrader(course, "autograde", ASSIGNMENT)
        batch = time.perf_counter() - start

        singles = []
        for student in students[:3]:
            start = time.perf_counter()
            nbgrader(course, "autograde", ASSIGNMENT, "--student", student, "--force")
            singles.append(time.perf_counter() - start)

    print(f"submissions graded in one call: {args.count}")
    print(f"one call, total seconds:        {batch:.1f}")
    print(f"seconds per submission:         {batch / args.count:.2f}")
    print(f"one student per call, median s: {statistics.median(singles):.2f} (incl. nbgrader start-up)")


if __name__ == "__main__":
    main()
