"""Compare how long grading a whole class takes with stock nbgrader and with grade-class.

The same --count submissions (the test corpus cycled with distinct student ids)
are graded four ways, each in a fresh scratch course of its own (its own
`nbgrader generate_assignment`, its own SQLite gradebook, the same
.gc_grader_secret, so the judge draws the same hidden inputs):
1. stock nbgrader, serially and unsandboxed (c.Sandbox.enabled = False, student code
   run as nbgrader runs it): `nbgrader autograde`, then `generate_feedback` and
   `export`. grade-class does all three, so "autograde + feedback + export" is the
   fair comparison; "autograde" alone is printed as well;
2. `python -m gc_grader.class_grading --workers 1` (sandboxed, the default);
3. `python -m gc_grader.class_grading --workers 2` (sandboxed);
4. `python -m gc_grader.class_grading --workers 1 --no-sandbox`: against 2, what the
   sandbox costs per submission.
Every figure is the wall-clock time of whole commands, start-up (and the Dask
cluster's) included. For each grade-class run it also prints where the time went, per
submission: the kernel's start, the notebook's execution, the outside judge, the rest of
nbgrader's autograde and feedback, the worker's own handling, the coordinator's recording,
and scheduling and start-up (gc_grader/stopwatch.py, reports/<assignment>/seconds.json). The point is to see what the parallel command costs or saves
against what an instructor would otherwise run, and that it grades alike: its "consistency"
line compares every student's total score across all the gradebooks of every round.

Every way runs --rounds times (default 2), each round in fresh courses, the order
reversed every other round (stock first, then stock last), and the figures are the means,
each round's shown beside them. This machine's speed drifts by a tenth or more over a
run; with an even number of rounds, reversing the order makes a steady drift weigh alike
on every way instead of on whichever ran last.

The corpus submissions that run into the per-cell timeout by design (endless_loop,
sleeps) are left out: their time is the timeout's, and would swamp every figure.
It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/grade_class_seconds.py [--count N] [--rounds R] [--keep DIR] [--without-unsandboxed]

For the class of 400 the issue asks about, `--count 400 --without-unsandboxed` leaves out way 4
(about a quarter of the run's time; the sandbox's price does not depend on the class's size).
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]      # the tests' plumbing and the helper modules
from autograde_seconds import SLOW_BY_DESIGN  # noqa: E402  (this folder is on sys.path when run as a script)
from course import ASSIGNMENT, check_submissions, make_scratch_course, nbgrader, tool_env  # noqa: E402
from submissions import Submission, corpus  # noqa: E402
from gc_grader.assignment import SECRET_FILE  # noqa: E402

FULL_SIZE = 100
WAYS = ("stock", "workers-1", "workers-2", "workers-1-unsandboxed")
#: Each grade-class way: its printed name, its workers and its extra options.
GRADE_CLASS = {"workers-1": ("grade-class --workers 1", 1, ()), "workers-2": ("grade-class --workers 2", 2, ()),
               "workers-1-unsandboxed": ("grade-class --workers 1 --no-sandbox", 1, ("--no-sandbox",))}


def the_batch(count):
    """``count`` submissions: the corpus without the slow ones, cycled, each with its own student id."""
    recipes = [recipe for recipe in corpus() if recipe.student not in SLOW_BY_DESIGN]
    return [Submission(**{**recipes[i % len(recipes)].__dict__, "student": f"{recipes[i % len(recipes)].student}-{i}"})
            for i in range(count)]


def build_courses(root, batch, secret, ways=WAYS):
    """One scratch course per way, with identical submitted/ folders and the same secret."""
    courses = {}
    for way in ways:
        course = make_scratch_course(root / way)
        (course / SECRET_FILE).write_text(secret)
        nbgrader(course, "generate_assignment", ASSIGNMENT)
        courses[way] = course
    with open(courses["stock"] / "nbgrader_config.py", "a") as config:
        config.write("\n# The benchmark's stock nbgrader runs student code as nbgrader does: unsandboxed.\n"
                     "c.Sandbox.enabled = False\n")
    first = courses[ways[0]]
    for submission in batch:
        submission.place(first)
    check_submissions(first)          # e.g. copies a renamed notebook to the released name
    for way in ways[1:]:
        shutil.copytree(first / "submitted", courses[way] / "submitted", symlinks=True)
    return courses


def stock(course):
    """(seconds of `nbgrader autograde`, seconds of autograde + generate_feedback + export)."""
    start = time.perf_counter()
    nbgrader(course, "autograde", ASSIGNMENT, timeout=None)
    autograde = time.perf_counter() - start
    nbgrader(course, "generate_feedback", ASSIGNMENT, timeout=None)
    nbgrader(course, "export", timeout=None)
    return autograde, time.perf_counter() - start


def grade_class(course, workers, log, *options):
    """Seconds of the project's command on ``course`` with a local cluster of ``workers``."""
    command = [sys.executable, "-m", "gc_grader.class_grading", ASSIGNMENT,
               "--workers", str(workers), "--course", str(course), *options]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=course, env=tool_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log.write_text(f"$ {' '.join(command)}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    if proc.returncode != 0:
        raise SystemExit(f"grade-class --workers {workers} exited {proc.returncode}; its output is in {log}\n"
                         f"{proc.stderr.strip()[-3000:]}")
    return seconds


#: The split printed: each phase of gc_grader.stopwatch, nested ones taken out of their parent.
SPLIT = ("kernel start", "notebook execution", "judging", "nbgrader (the rest of autograde, and feedback)",
         "worker's own (scratch course, files in and out)", "recording (coordinator)", "scheduling and start-up")


def split(course):
    """{phase: seconds per submission} of the grade-class run in ``course``, from its seconds.json.

    The phases nest: the kernel's start is part of the notebook's run, which with the judge
    is part of autograde, which with feedback is part of the worker's batch; each line is a
    phase minus what it holds. "Scheduling and start-up" is the workers' time in the run that
    no batch took: the run's wall time times the workers, minus their batches. (The coordinator
    records beside them, in its own process. The run is the coordinator's: local workers start
    as the command begins, before it imports nbgrader, so only what is left of their start when
    the coordinator takes them counts here; the command's whole time, printed above, counts it all.)"""
    import json
    data = json.loads((course / "reports" / ASSIGNMENT / "seconds.json").read_text())
    n, t = data["submissions"], data["seconds"]
    workers = GRADE_CLASS[course.name][1]
    phases = [t.get("kernel start", 0), t.get("notebook", 0) - t.get("kernel start", 0), t.get("judge", 0),
              t.get("autograde", 0) + t.get("feedback", 0) - t.get("notebook", 0) - t.get("judge", 0),
              t.get("worker", 0) - t.get("autograde", 0) - t.get("feedback", 0), t.get("recording", 0)]
    phases.append(t.get("wall", 0) * workers - t.get("worker", 0))
    return {name: value / n for name, value in zip(SPLIT, phases)}


def total_scores(course, students):
    """{student: total score in this course's gradebook, or None when it has no submission}."""
    from nbgrader.api import Gradebook, MissingEntry

    totals = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            try:
                submission = gb.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                totals[student] = None
                continue
            totals[student] = sum(grade.score for notebook in submission.notebooks for grade in notebook.grades)
    return totals


def one_round(root, batch, secret, ways, order, seconds, splits):
    """Grade ``batch`` every way, in ``order``, each in a fresh scratch course under ``root``; add
    each way's seconds and split to the lists in ``seconds`` and ``splits``. Returns
    {student: [total score in each way's gradebook]}."""
    courses = build_courses(root, batch, secret, ways)
    for way in order:
        if way == "stock":
            autograde, everything = stock(courses[way])
            seconds["stock autograde"].append(autograde)
            seconds["stock autograde+feedback+export"].append(everything)
            continue
        label, workers, options = GRADE_CLASS[way]
        seconds[label].append(grade_class(courses[way], workers, root / f"{way}.log", *options))
        splits[way].append(split(courses[way]))
    students = [submission.student for submission in batch]
    totals = {way: total_scores(course, students) for way, course in courses.items()}
    return {student: [totals[way][student] for way in ways] for student in students}


def run(root, batch, count, ways=WAYS, rounds=2, keep=False):
    """Every way ``rounds`` times, the order reversed every other round (stock first, then last):
    the machine's speed may drift during a run of half an hour, and with an even number of
    rounds a steady drift then weighs alike on every way's mean. Each round grades in fresh
    courses, so each is a first grading; all rounds share the secret, so every student's
    score must be the same in all of them."""
    secret = secrets.token_hex(16) + "\n"
    seconds, splits, scores = defaultdict(list), defaultdict(list), []
    for number in range(rounds):
        where = root / f"round-{number + 1}"
        order = ways if number % 2 == 0 else tuple(reversed(ways))
        scores.append(one_round(where, batch, secret, ways, order, seconds, splits))
        if not keep:
            shutil.rmtree(where, ignore_errors=True)
    mean = {label: sum(values) / len(values) for label, values in seconds.items()}

    print(f"rounds: {rounds} (the order of the ways reversed every other round); each figure is the mean over them")
    width = max(map(len, mean))
    for label, value in mean.items():
        note = {"stock autograde": "  (unsandboxed; autograde alone: less than grade-class does)",
                "stock autograde+feedback+export": "  (unsandboxed; the same work as grade-class: the fair comparison)",
                "grade-class --workers 1 --no-sandbox": "  (student code unsandboxed: to price the sandbox)"}
        each = " / ".join(f"{value / count:.2f}" for value in seconds[label])
        print(f"{label:<{width}}  {value:7.1f} s  {value / count:6.2f} s per submission "
              f"(rounds: {each}){note.get(label, '')}")
    print("speed-up of grade-class against stock (stock seconds / grade-class seconds):")
    for workers in (1, 2):
        mine = mean[f"grade-class --workers {workers}"]
        each = " / ".join(f"{fair / own:.2f}x" for fair, own in zip(seconds["stock autograde+feedback+export"],
                                                                    seconds[f"grade-class --workers {workers}"]))
        print(f"  --workers {workers}: {mean['stock autograde+feedback+export'] / mine:.2f}x against "
              f"autograde+feedback+export (rounds: {each}), {mean['stock autograde'] / mine:.2f}x against "
              f"autograde alone")

    if "workers-1-unsandboxed" in ways:
        cost = mean["grade-class --workers 1"] - mean["grade-class --workers 1 --no-sandbox"]
        print(f"the sandbox's cost: {cost / count:+.2f} s per submission with one worker "
              f"(--workers 1 sandboxed minus --workers 1 --no-sandbox)")

    print("where grade-class's time goes, in worker-seconds per submission "
          "(reports/gradient_checking/seconds.json; with two workers they add up to about twice the wall time):")
    for way in [way for way in WAYS[1:] if way in ways]:
        phases = {name: sum(one[name] for one in splits[way]) / len(splits[way]) for name in SPLIT}
        print(f"  {way}: " + ", ".join(f"{name} {value:.2f}" for name, value in phases.items()))

    differ = [student for student in scores[0]
              if len({None if total is None else round(total, 6) for one in scores for total in one[student]}) != 1]
    print(f"consistency: {count - len(differ)} of {count} students have the same total score in all "
          f"{len(ways) * rounds} gradebooks ({len(ways)} ways, {rounds} rounds)"
          + ("" if not differ else "; these differ (" + ", ".join(ways) + ", round after round):"))
    for student in differ:
        print(f"  {student}: " + "; ".join(", ".join(map(str, one[student])) for one in scores))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=FULL_SIZE,
                        help=f"submissions in the batch (default and minimum: {FULL_SIZE})")
    parser.add_argument("--allow-small", action="store_true",
                        help=f"allow --count below {FULL_SIZE}, to try the benchmark out")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the scratch courses in DIR (new or empty) and keep them, with grade-class's logs")
    parser.add_argument("--rounds", type=int, default=2,
                        help="grade every way this many times, the order reversed every other round (default 2; "
                             "an even number balances a drift of the machine's speed)")
    parser.add_argument("--without-unsandboxed", action="store_true",
                        help="leave out the unsandboxed grade-class run (the sandbox's price), e.g. for --count 400")
    args = parser.parse_args()
    ways = tuple(way for way in WAYS if not (args.without_unsandboxed and way == "workers-1-unsandboxed"))
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.count < FULL_SIZE and not args.allow_small:
        parser.error(f"--count below {FULL_SIZE} gives figures dominated by start-up; add --allow-small to try it out")
    if args.keep and args.keep.exists() and (not args.keep.is_dir() or any(args.keep.iterdir())):
        parser.error(f"--keep: {args.keep} exists and is not an empty folder")

    batch = the_batch(args.count)
    print(f"N: {args.count} submissions (the test corpus cycled, one student id each; left out: "
          f"{', '.join(sorted(SLOW_BY_DESIGN))}, which run into the 30 s cell timeout by design and would make "
          f"every figure the timeout's)")
    print(f"cores: {os.cpu_count()}")
    sys.stdout.flush()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep.resolve(), batch, args.count, ways, args.rounds, keep=True)
        print(f"kept: {args.keep.resolve()}/round-*/{{{','.join(ways)}}} and grade-class's logs beside them")
    else:
        with tempfile.TemporaryDirectory(prefix="gc_grade_class_bench_") as root:
            run(Path(root), batch, args.count, ways, args.rounds)


if __name__ == "__main__":
    main()
