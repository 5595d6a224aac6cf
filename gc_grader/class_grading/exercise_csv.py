"""A spreadsheet of every student's points per exercise, beside nbgrader's grades.csv.

nbgrader's export gives one total per student, in no particular order. grade-class also
writes ``<assignment>_grades.csv`` in the course root (gradient_checking_grades.csv):

    student_id,ex1 forward_propagation,ex2 backward_propagation,ex3 gradient_check,ex4 gradient_check_n,total,max_score
    ada,10,10,30,50,100,100
    bob,10,10,0,50,70,100

- one row per student with a graded submission in the gradebook (who submitted nothing is
  not there, as in grades.csv), sorted by student id;
- one column per exercise, headed by its number and function name (gc_grader.assignment's
  EXERCISES; a grade cell of no exercise is headed by its own name, after them), holding
  the points of its test cells: nbgrader's score, a grader's manual score where one was given;
- ``total``, the sum of those (nbgrader's raw_score; a late penalty, if the course sets one,
  is taken off in grades.csv only), and ``max_score``, the points available;
- numbers written plainly, the same way everywhere: at most two decimals, none when whole
  (10, 27.5, 0.33).

It holds numbers only, in English headers whatever the edition's language, so that any
spreadsheet or script reads it. It has no column of reasons: why points were lost is
written in full, grouped by mistake with the students it hit, in the summary
(reports/<assignment>/summary.txt); sentences in a cell would be long, in the edition's
language, and could hold an error message a student's code chose, which a spreadsheet
might take for a formula.

The file is written whole or not at all (a temporary file beside it, then renamed), so an
interrupted run leaves the previous version, never half of one.
"""

import csv
import io
import os
import tempfile
from pathlib import Path

from gc_grader.assignment import EXERCISES


def file_name(assignment):
    """The spreadsheet's name in the course root, e.g. gradient_checking_grades.csv."""
    return f"{assignment}_grades.csv"


def column_of(exercise):
    """The header of an exercise's column: "ex1 forward_propagation", or a grade cell's own name."""
    return f"ex{EXERCISES.index(exercise) + 1} {exercise}" if exercise in EXERCISES else exercise


def number(value):
    """A number as the spreadsheet writes it: at most two decimals, none when whole."""
    text = f"{float(value) + 0.0:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def ordered_exercises(maxima):
    """The exercises in the notebook's order, then any other grade cell by name."""
    return [name for name in EXERCISES if name in maxima] + sorted(name for name in maxima if name not in EXERCISES)


#: What a spreadsheet reads as the start of a formula in a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """``value`` as a spreadsheet shows it, never as a formula: a student id is the student's
    choice on a shared exchange (nbgrader refuses only ``+`` and ``*`` inside one), so an id
    such as ``=HYPERLINK(...)`` gets a leading apostrophe, which spreadsheets read as "text"."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def table(class_result):
    """The spreadsheet's rows, header first (see the module's docstring)."""
    exercises = ordered_exercises(class_result.maxima)
    top = sum(class_result.maxima.values())
    rows = [["student_id", *map(column_of, exercises), "total", "max_score"]]
    for student in sorted(class_result.scores):
        points = class_result.scores[student]
        rows.append([as_text(student), *(number(points.get(name, 0.0)) for name in exercises),
                     number(sum(points.get(name, 0.0) for name in exercises)), number(top)])
    return rows


def _umask():
    """This process's umask, read without changing it (Linux), else the usual 022."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def write_exercise_csv(class_result, path):
    """Write ``table(class_result)`` to ``path`` atomically; return the path."""
    path = Path(path)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(table(class_result))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text.getvalue())
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())   # as open() would make it (mkstemp's is 0600)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path
