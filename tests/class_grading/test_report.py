"""grade-class's report read as an instructor reads it, without grading anything: the reasons
for lost points (whole, grouped by mistake, with their students), the table's columns in every
language, the per-exercise spreadsheet and the histogram. The end-to-end runs that write them
from a real gradebook are in test_grade_class.py.
"""

import csv
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

import public_tests
from course import ROOT
from gc_grader.assignment import EXERCISES, POINTS
from gc_grader.class_grading import exercise_csv
from gc_grader.class_grading.report import (MAX_REASON, WIDTH, ClassScores, display_width, distribution_figure,
                                            lost_point_reasons, reason_of, reason_lines, summary_lines, table_lines,
                                            wrap)
from gc_i18n import _, speaking_edition

HINTS = public_tests.HINTS
KNOWN = frozenset(HINTS.values())
CHINESE = ROOT / "source" / "gradient_checking_zh_CN"
SPANISH = ROOT / "source" / "gradient_checking_es"


def public_verdict(name, call, what, sentence):
    """A public test's message, as public_tests lays it out."""
    return f"{public_tests.failed(name)}\n  {call}\n  {what}\n  {sentence}"


def hidden_verdict(name, call, what, sentence):
    from gc_grader.checks.verdicts import verdict
    return verdict(name, call, what, sentence)


# ---------------------------------------------------------------- reasons


def test_a_mistake_is_its_sentence_whatever_the_numbers_and_whoever_says_it():
    sentence = HINTS["divides_by_epsilon"]
    public = public_verdict("gradient_check", "gradient_check(x=2, theta=4, epsilon=1e-07) on the model J = theta * x",
                            "expected below 2e-07, obtained 0.33333333359282985", sentence)
    hidden = hidden_verdict("gradient_check", "gradient_check(x=-1.3, theta=0.7, epsilon=0.001)",
                            "expected 1.2e-07, obtained 0.3333331", sentence)
    assert reason_of("TestFailed", public, KNOWN) == sentence
    assert reason_of("CheckFailed", hidden, KNOWN) == sentence


def test_a_crash_says_what_it_raised_but_never_quotes_the_students_code():
    generic = "Fix the line this names, run its cell again, then this test."
    message = public_verdict("gradient_check_n", "gradient_check_n(parameters, gradients, X, Y, epsilon=1e-07)",
                             "raised IndexError: index 47 is out of bounds\n  at line 12 of its cell: secret_code(i)",
                             generic)
    assert reason_of("TestFailed", message, KNOWN) == f"raised IndexError: index 47 is out of bounds\n{generic}"
    assert "secret_code" not in reason_of("TestFailed", message, KNOWN)
    # A known mistake's sentence is the whole reason, even after a crash.
    unpack = message.replace(generic, HINTS["unpack_cost"])
    assert reason_of("TestFailed", unpack, KNOWN) == HINTS["unpack_cost"]


def test_an_error_that_is_no_verdict_gives_its_name_and_message():
    assert reason_of("NameError", "name 'backward_propagation' is not defined", KNOWN) == \
        "NameError: name 'backward_propagation' is not defined"
    assert reason_of("NotImplementedError", "", KNOWN) == "NotImplementedError"
    assert reason_of("AnswerCrashed", "The answer cell of gradient_check is missing.", KNOWN) == \
        "The answer cell of gradient_check is missing."


def test_a_hostile_message_becomes_bounded_plain_text_and_the_sentence_stays_whole():
    generic = "Fix the line this names, run its cell again, then this test."
    flood = "\x1b[2J\x1b]0;pwned\x07\u202eevil\x00" + "A" * 10_000
    message = public_verdict("gradient_check", "gradient_check(x=2, theta=4)", f"raised ValueError: {flood}", generic)
    reason = reason_of("TestFailed", message, KNOWN)
    assert len(reason) <= MAX_REASON
    assert reason.endswith(f"…\n{generic}")
    assert reason.startswith("raised ValueError: evil AAAA")      # the escapes gone, the NUL a space
    assert not any(char in reason for char in "\x1b\x07\x00\u202e")
    # Even a student's own exception, with a message of its own as long as it likes, is bounded.
    assert len(reason_of("TestFailed", "x failed\n" + "B" * 50_000, KNOWN)) <= MAX_REASON
    assert len(reason_of("ValueError", "C" * 50_000, KNOWN)) <= MAX_REASON
    # Every sentence of grading is far inside the bound, in every language.
    for folder in (SPANISH, CHINESE):
        with speaking_edition(folder):
            assert max(len(_(sentence)) for sentence in HINTS.values()) < MAX_REASON // 4


def test_reasons_are_read_in_the_editions_language():
    with speaking_edition(CHINESE):
        generic = _("Fix the line this names, run its cell again, then this test.")
        raised = _("raised {error}").format(error="ZeroDivisionError: float division by zero")
        message = f"{public_tests.failed('gradient_check')}\n  gradient_check(x=2, theta=4)\n  {raised}\n  " \
                  + _("at line {line} of its cell").format(line=7) + f": y = 1 / 0\n  {generic}"
        known = frozenset(_(sentence) for sentence in HINTS.values())
        assert reason_of("TestFailed", message, known) == f"{raised}\n{generic}"
        assert raised != "raised ZeroDivisionError: float division by zero"


class FakeCourse:
    """What lost_point_reasons reads of a course: its autograded folders."""

    def __init__(self, root):
        self.root = root

    def folder(self, kind, assignment, student):
        return self.root / kind / student / assignment


def graded_notebook(errors):
    """A notebook whose test cells failed with ``errors`` ({grade id: (ename, evalue)})."""
    nb = nbformat.v4.new_notebook()
    for name in EXERCISES:
        answer = nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": name, "solution": True,
                                                                      "grade": False}})
        if name in errors:      # an answer cell's own error is not why the points went
            answer.outputs = [nbformat.v4.new_output("error", ename="SyntaxError", evalue="invalid", traceback=[])]
        test = nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": f"{name}_tests", "grade": True,
                                                                    "points": POINTS[name]}})
        if name in errors:
            ename, evalue = errors[name]
            test.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
        nb.cells += [answer, test]
    return nb


def test_every_student_who_lost_points_is_under_a_reason_and_no_one_else(tmp_path):
    course, assignment = FakeCourse(tmp_path), "gradient_checking"
    eps = public_verdict("gradient_check", "gradient_check(x=2, theta=4)", "expected 2.9e-10, obtained 0.33",
                         HINTS["divides_by_epsilon"])
    eps_hidden = hidden_verdict("gradient_check", "gradient_check(x=1, theta=2)", "expected 1e-9, obtained 0.333",
                                HINTS["divides_by_epsilon"])
    notebooks = {
        "carol": {"gradient_check": ("TestFailed", eps)},
        "alice": {"gradient_check": ("CheckFailed", eps_hidden)},
        "dave": {"forward_propagation": ("NameError", "name 'forward_propagation' is not defined")},
        # A grader gave erin's failed test its points back by hand: no reason for her.
        "erin": {"gradient_check": ("TestFailed", eps)},
    }
    for student, errors in notebooks.items():
        path = course.folder("autograded", assignment, student) / "Gradient_Checking.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(graded_notebook(errors), str(path))
    full = dict(POINTS)
    scores = ClassScores(dict(POINTS), {
        "carol": {**full, "gradient_check": 0}, "alice": {**full, "gradient_check": 0},
        "dave": {**full, "forward_propagation": 0}, "erin": full,
        "frank": {**full, "gradient_check_n": 25},          # a manual score, no notebook left
    })
    with speaking_edition(ROOT / "source" / assignment):
        reasons = lost_point_reasons(course, assignment, scores)
    assert reasons == {
        "gradient_check": {HINTS["divides_by_epsilon"]: ["alice", "carol"]},
        "forward_propagation": {"NameError: name 'forward_propagation' is not defined": ["dave"]},
        "gradient_check_n": {None: ["frank"]},
    }
    text = "\n".join(reason_lines(scores.maxima, reasons))
    assert "frank" in text and "No failed test says why" in text


def unwrapped(lines):
    """The reasons section as {exercise: [(reason, [ids])]}, each reason's lines joined again."""
    found, exercise = {}, None
    for line in lines[1:]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            exercise = line
            found[exercise] = []
        elif line.startswith("  - "):
            found[exercise].append([line[4:], []])
        elif line.startswith("      "):
            found[exercise][-1][1] += line.strip().split(": ", 1)[-1].replace(",", " ").split()
        else:
            found[exercise][-1][0] += " " + line.strip()
    return {name: [tuple(reason) for reason in reasons] for name, reasons in found.items()}


def test_every_reason_is_listed_whole_with_its_students_sorted():
    mistakes = ["divides_by_epsilon", "precedence", "one_sided", "grad_is_gradapprox", "stale_dtheta",
                "notebook_values", "hard_coded", "inline_model"]
    reasons = {"gradient_check": {HINTS[key]: sorted(f"s{i}-{j}" for j in range(len(mistakes) - i))
                                  for i, key in enumerate(mistakes)}}
    lines = reason_lines(dict(POINTS), reasons)
    assert all(display_width(line) <= WIDTH for line in lines)
    listed = unwrapped(lines)["gradient_check"]
    assert [reason for reason, _ in listed] == [HINTS[key] for key in mistakes]      # most common first, all 8
    assert [ids for _, ids in listed] == [sorted(f"s{i}-{j}" for j in range(len(mistakes) - i))
                                          for i in range(len(mistakes))]


def test_wrapping_never_cuts_a_word_and_chinese_breaks_between_characters():
    text = HINTS["no_copy"] + " " + "x" * 120
    lines = wrap(text, 60, "    ")
    assert " ".join(line.strip() for line in lines) == text
    assert all(display_width(line) <= 60 for line in lines if "x" * 120 not in line)
    with speaking_edition(CHINESE):
        chinese = _(HINTS["precedence"])
    lines = wrap(chinese, 40, "  ")
    assert len(lines) > 1 and all(display_width(line) <= 40 for line in lines)
    assert not any(line.strip()[0] in "，。：；！？）" for line in lines)
    # Joined again (a break at a space gives the space back), it is the sentence, whole.
    words = "".join(line.strip() for line in lines)
    assert words == chinese.replace(" ", "") or " ".join(line.strip() for line in lines) == chinese
    for token in ("(J_plus", "(2", "epsilon)"):
        assert any(token in line for line in lines), token


# ---------------------------------------------------------------- the table


def columns_right_edges(line, cells):
    """The display column where each of ``cells`` ends in ``line`` (found left to right)."""
    edges, start = [], 0
    for cell in cells:
        at = line.index(cell, start)
        start = at + len(cell)
        edges.append(display_width(line[:start]))
    return edges


@pytest.mark.parametrize("folder", [ROOT / "source" / "gradient_checking", SPANISH, CHINESE])
def test_the_table_lines_up_in_every_language(folder):
    scores = ClassScores(dict(POINTS), {"a": dict(POINTS), "b": dict.fromkeys(POINTS, 0.0)})
    with speaking_edition(folder):
        lines = summary_lines("gradient_checking", scores, {}, {}, 2, 0)
        heads = [_("exercise"), _("points"), _("mean"), _("full"), _("zero")]
        total = _("total")
    header = next(i for i, line in enumerate(lines) if line.startswith(heads[0]))
    edges = columns_right_edges(lines[header], heads[1:])
    for line, name in zip(lines[header + 1:], [*POINTS, total]):
        assert line.startswith(name)
        numbers = line[len(name):].split()
        assert columns_right_edges(line, numbers) == edges, (lines[header], line)
    if folder == CHINESE:
        assert any(display_width(head) > len(head) for head in heads)    # the case this is about


def test_a_wide_first_column_pads_by_display_width():
    lines = table_lines(["练习", "分值"], [("前向传播", 10), ("forward_propagation", 10), ("合计", 20)])
    assert len({display_width(line) for line in lines}) == 1
    assert lines[1] == "前向传播               10"


# ---------------------------------------------------------------- the spreadsheet


def test_the_spreadsheet_is_sorted_by_student_with_plain_numbers(tmp_path):
    scores = ClassScores(dict(POINTS), {
        "zoe": {**POINTS, "gradient_check": 0.0},
        "Ada": dict.fromkeys(POINTS, 0.0),
        "mo": {**{name: float(points) for name, points in POINTS.items()}, "gradient_check_n": 27.5},
        "bo": {**POINTS, "backward_propagation": 1 / 3},
    })
    path = exercise_csv.write_exercise_csv(scores, tmp_path / exercise_csv.file_name("gradient_checking"))
    assert path.name == "gradient_checking_grades.csv"
    with open(path, newline="", encoding="utf-8") as table:
        rows = list(csv.reader(table))
    assert rows[0] == ["student_id", "ex1 forward_propagation", "ex2 backward_propagation", "ex3 gradient_check",
                       "ex4 gradient_check_n", "total", "max_score"]
    assert [row[0] for row in rows[1:]] == ["Ada", "bo", "mo", "zoe"]
    assert rows[1][1:] == ["0", "0", "0", "0", "0", "100"]
    assert rows[2][1:] == ["10", "0.33", "30", "50", "90.33", "100"]
    assert rows[3][1:] == ["10", "10", "30", "27.5", "77.5", "100"]
    assert rows[4][1:] == ["10", "10", "0", "50", "70", "100"]
    assert os.listdir(tmp_path) == [path.name]          # no temporary file left


def test_a_student_id_a_spreadsheet_would_take_for_a_formula_is_written_as_text(tmp_path):
    ids = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "-2", "+1", "ada"]
    scores = ClassScores(dict(POINTS), {student: dict(POINTS) for student in ids})
    path = exercise_csv.write_exercise_csv(scores, tmp_path / "gradient_checking_grades.csv")
    with open(path, newline="", encoding="utf-8") as table:
        written = sorted(row[0] for row in list(csv.reader(table))[1:])
    assert written == sorted(["'" + student for student in ids[:4]] + ["ada"])


def test_an_interrupted_write_leaves_the_previous_spreadsheet_whole(tmp_path, monkeypatch):
    path = tmp_path / "gradient_checking_grades.csv"
    path.write_text("the previous run's table\n")

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(exercise_csv.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        exercise_csv.write_exercise_csv(ClassScores(dict(POINTS), {"a": dict(POINTS)}), path)
    assert path.read_text() == "the previous run's table\n"
    assert os.listdir(tmp_path) == [path.name]


def test_git_ignores_the_spreadsheet_as_it_ignores_grades_csv():
    for name in ("grades.csv", "gradient_checking_grades.csv", "gradient_checking_es_grades.csv"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0, name


# ---------------------------------------------------------------- the histogram


def bars(figure):
    """(left, width, height) of every bar of the histogram."""
    figure.canvas.draw()
    (axes,) = figure.axes
    return axes, [(bar.get_x(), bar.get_width(), bar.get_height()) for bar in axes.patches]


def bar_at(found, score):
    (bar,) = [bar for bar in found if bar[0] < score < bar[0] + bar[1]]
    return bar


def test_the_histogram_counts_whole_students_and_shows_0_and_100_alike():
    totals = {"a": 0, "b": 100, "c": 100, "d": 70, "e": 70, "f": 70}
    scores = ClassScores(dict(POINTS), {student: {"forward_propagation": total, "backward_propagation": 0,
                                                  "gradient_check": 0, "gradient_check_n": 0}
                                        for student, total in totals.items()})
    axes, found = bars(distribution_figure("gradient_checking", scores))
    zero, hundred, seventy = bar_at(found, 0), bar_at(found, 100), bar_at(found, 70)
    assert (zero[2], hundred[2], seventy[2]) == (1, 2, 3)
    assert zero[1] == pytest.approx(hundred[1]) == pytest.approx(seventy[1])
    # Each bar centred on its score, and all of both bars inside the axes.
    assert zero[0] + zero[1] / 2 == pytest.approx(0) and hundred[0] + hundred[1] / 2 == pytest.approx(100)
    left, right = axes.get_xlim()
    assert left <= zero[0] and hundred[0] + hundred[1] <= right
    assert sum(bar[2] for bar in found) == len(totals)
    ticks = [tick for tick in axes.get_yticks() if axes.get_ylim()[0] <= tick <= axes.get_ylim()[1]]
    assert ticks and all(float(tick).is_integer() for tick in ticks), ticks


def test_the_histograms_words_are_the_editions():
    scores = ClassScores(dict(POINTS), {"a": dict(POINTS)})
    with speaking_edition(CHINESE):
        figure = distribution_figure("gradient_checking_zh_CN", scores)
        expected = _("students"), _("total score (out of {top})").format(top="100")
    (axes,) = figure.axes
    assert (axes.get_ylabel(), axes.get_xlabel()) == expected
    assert expected[0] != "students"


def test_the_report_is_no_part_of_what_decides_a_grade():
    """Rewording the report regrades nobody (README): none of its modules is in the grading fingerprint."""
    from gc_grader.class_grading.fingerprint import grading_code
    code = grading_code()
    assert "gc_grader/class_grading/report.py" not in code and "gc_grader/class_grading/exercise_csv.py" not in code
    assert Path(exercise_csv.__file__).name == "exercise_csv.py"
