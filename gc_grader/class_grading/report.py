"""What an instructor reads after grading a class: a table per exercise, the failures,
every reason points were lost with the students it hit, and the score distribution as a PNG.

Everything is read back from the gradebook and the autograded notebooks, so the
report covers the whole class, including students graded by earlier runs. The
per-exercise spreadsheet beside nbgrader's grades.csv is ``exercise_csv``'s.

Nothing here decides a grade: this module is not in ``fingerprint.GRADING_CODE``, so
changing the report regrades nobody.
"""

import re
import textwrap
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gc_grader.assignment import exercise_of, grade_id
from gc_i18n import _, plot_font_family

#: Columns of the summary's text, for the reasons and the lists of students.
WIDTH = 88
#: The longest a reason may be, in characters. Every sentence grading writes is far
#: shorter (the longest hint is under 300 characters, in every language); only an error
#: message a student's code chose could be longer, and it is cut here, ending in "…".
MAX_REASON = 2000
#: The exceptions that carry a verdict (public_tests.TestFailed, gc_grader.checks.errors).
VERDICT_ERRORS = ("TestFailed", "CheckFailed", "AnswerCrashed", "GradingFailure")


@dataclass
class ClassScores:
    maxima: dict                                  # exercise -> points available
    scores: dict = field(default_factory=dict)    # student -> {exercise: points}

    def totals(self):
        return {student: sum(points.values()) for student, points in self.scores.items()}


def class_scores(gb, assignment):
    """Every graded submission's points per exercise (a test cell counts for its exercise)."""
    maxima = defaultdict(float)
    for notebook in gb.find_assignment(assignment).notebooks:
        for cell in notebook.grade_cells:
            maxima[exercise_of(cell.name) or cell.name] += cell.max_score
    result = ClassScores(dict(maxima))
    for submission in gb.assignment_submissions(assignment):
        points = dict.fromkeys(maxima, 0.0)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                points[exercise_of(grade.name) or grade.name] += grade.score or 0.0
        result.scores[submission.student_id] = points
    return result


# ---------------------------------------------------------------- plain text, by display width

#: Terminal escape sequences (colours, cursor moves, titles) a message might carry.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def plain(text):
    """``text`` as inert plain text on one line: no terminal escapes, no control or format
    characters (bidirectional overrides, say), runs of white space as one space."""
    text = _ESCAPES.sub("", text)
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text
                   if unicodedata.category(char) != "Cf")
    return " ".join(text.split())


def shown_id(student):
    """A student id as the summary shows it: itself, or escaped when it holds characters a
    terminal would act on (ids are folder names, which may hold anything)."""
    return student if student.isprintable() else student.encode("unicode_escape", "backslashreplace").decode("ascii")


def display_width(text):
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take
    two, combining marks none."""
    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def pad(text, width, right=False):
    """``text`` padded with spaces to ``width`` columns (by display width), on the left when ``right``."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


#: Punctuation that must not begin a line of Chinese (it stays with the character before it).
_CLOSING = "，。、；：！？）」』》〉】”’…·,.;:!?)"
def _units(text):
    units = []
    for piece in re.findall(r"\s+|\S+", text):
        if piece.isspace() or all(display_width(char) < 2 for char in piece):
            units.append(piece)
            continue
        for char in piece:      # Chinese breaks between characters, never before closing punctuation
            joins = char in _CLOSING or (display_width(char) < 2 and display_width(units[-1][-1]) < 2) if units else False
            if joins and not units[-1].isspace():
                units[-1] += char
            else:
                units.append(char)
    return units


def wrap(text, width=WIDTH, indent=""):
    """``text`` in lines of at most ``width`` columns (by display width), each starting with
    ``indent``. Words are never cut (one longer than a line gets a line of its own); Chinese,
    written without spaces, breaks between characters, as it is typeset. Text without wide
    characters is wrapped by ``textwrap`` itself."""
    if all(display_width(char) < 2 for char in text):
        return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False) or [indent]
    lines, line = [], ""
    for unit in _units(text):
        if unit.isspace():
            line += " " if line else ""
        elif not line or display_width(indent + line + unit) <= width:
            line += unit
        else:
            lines.append(indent + line.rstrip())
            line = unit
    return lines + [indent + line.rstrip()] if line.strip() else lines or [indent]


# ---------------------------------------------------------------- why points were lost

def _known_sentences():
    """Every sentence that names a mistake (public_tests.HINTS), in the language spoken now."""
    try:
        import public_tests
    except ImportError:          # not in a course: no sentence is known, each reason says more
        return set()
    return {_(sentence) for sentence in public_tests.HINTS.values()}


def _bounded(text, limit=MAX_REASON):
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def reason_of(ename, message, known=frozenset()):
    """Why a failed test cell lost its points, in the words its student read; students with the
    same reason made the same mistake.

    A verdict (a public test's or a hidden check's, laid out as: which function failed, the
    call, expected versus obtained or what it raised, and a sentence) gives its last line, the
    sentence. When that sentence names a known mistake (``known``: public_tests.HINTS, in the
    language spoken now) it is the whole reason, so the public test and the hidden check that
    say it, with whatever numbers, count as one mistake. Otherwise the line that says what went
    wrong (the error the call raised, or the line before the sentence) comes first. Any other
    error gives its name and message (a NameError of a test that found no function, say).

    A reason is plain text: only the verdict's own lines, never the student's code that the
    verdict quotes ("at line 3 of its cell: ..."), without terminal escapes or control
    characters, each line one paragraph, and at most MAX_REASON characters: what the call
    raised (a message the student's code chose) is cut first, ending in "…", and a
    sentence only past half of MAX_REASON, which no sentence of grading comes near.
    """
    lines = [plain(line) for line in (message or "").splitlines()]
    lines = [line for line in lines if line]
    if ename not in VERDICT_ERRORS:
        text = " ".join(lines)
        return _bounded(f"{plain(ename or '')}: {text}" if ename and text else text or plain(ename or "") or "failed")
    if not lines:
        return _bounded(plain(ename))
    sentence = _bounded(lines[-1], MAX_REASON // 2)
    if sentence in known or len(lines) < 3:
        return sentence
    raised_prefix = _("raised {error}").split("{error}")[0]
    raised = [line for line in lines[1:-1] if raised_prefix and line.startswith(raised_prefix)]
    what = raised[0] if raised else lines[-2]
    return f"{_bounded(what, MAX_REASON - len(sentence) - 1)}\n{sentence}"


def lost_point_reasons(course, assignment, class_result):
    """exercise -> {reason: sorted ids of the students it cost points}, from each failed test
    cell of every autograded notebook (``reason_of``), for the exercises each student lost
    points in. A student who lost points but whose notebook shows no failed test (a grader's
    manual score, or an autograded notebook no longer there) is listed under None.

    Run it in the edition's language (``speaking_edition``): the verdicts were written in it."""
    known = _known_sentences()
    found = defaultdict(lambda: defaultdict(set))
    for student, points in class_result.scores.items():
        lost = {name for name, top in class_result.maxima.items() if points.get(name, 0) < top}
        if not lost:
            continue
        explained = set()
        for path in sorted(course.folder("autograded", assignment, student).glob("*.ipynb")):
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception:  # an unreadable graded notebook has no reasons to give
                continue
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader")
                if not (isinstance(meta, dict) and meta.get("grade") and grade_id(cell)):
                    continue
                name = exercise_of(grade_id(cell)) or grade_id(cell)
                errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
                if errors and name in lost:
                    error = errors[-1]
                    found[name][reason_of(str(error.get("ename") or ""), str(error.get("evalue") or ""), known)].add(student)
                    explained.add(name)
        for name in lost - explained:
            found[name][None].add(student)
    return {name: {reason: sorted(students) for reason, students in by_reason.items()}
            for name, by_reason in found.items()}


# ---------------------------------------------------------------- the summary

def table_lines(heads, rows):
    """Rows of a table under ``heads``, the first column aligned left and the others right,
    each as wide as its widest cell in columns of the terminal (a Chinese heading is twice as
    wide as its number of characters)."""
    widths = [max(display_width(str(row[i])) for row in [heads, *rows]) for i in range(len(heads))]
    return ["  ".join(pad(str(cell), width, right=i > 0) for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
            for row in [heads, *rows]]


def reason_lines(maxima, reasons):
    """Every reason for lost points, per exercise in the notebook's order, the one that hit the
    most students first: the reason in full (wrapped, never cut), then its students' ids."""
    lines = [_("Why points were lost (most common first):")]
    for name in maxima:
        by_reason = reasons.get(name) or {}
        if not by_reason:
            continue
        lines += ["", name]
        for reason, students in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0] is None,
                                                                             item[0] or "")):
            text = reason if reason is not None else _("No failed test says why (a grader's manual score, or "
                                                       "an autograded notebook that is missing).")
            lines += _bullet(text.split("\n"))
            who = _("students ({count}):").format(count=len(students))
            lines += wrap(f"{who} {', '.join(shown_id(student) for student in students)}", WIDTH, "      ")
    return lines


def _bullet(paragraphs):
    """The paragraphs of one reason, the first line marked with a dash."""
    lines = []
    for paragraph in paragraphs:
        lines += wrap(paragraph, WIDTH, "    ")
    return ["  - " + lines[0][4:], *lines[1:]] if lines else []


def summary_lines(assignment, class_result, reasons, failures, graded_now, up_to_date):
    """The report as lines of text: counts, the table, failures, every reason for lost points."""
    maxima, scores = class_result.maxima, class_result.scores
    lines = [_("{assignment}: {count} submissions in the gradebook; graded now {graded}, already up to date "
               "{up_to_date}, failed {failed}").format(assignment=assignment, count=len(scores), graded=graded_now,
                                                      up_to_date=up_to_date, failed=len(failures)), ""]
    heads = [_("exercise"), _("points"), _("mean"), _("full"), _("zero")]
    rows = [(name, top, [points[name] for points in scores.values()]) for name, top in maxima.items()]
    rows.append((_("total"), sum(maxima.values()), list(class_result.totals().values())))
    cells = []
    for name, top, values in rows:
        mean = f"{sum(values) / len(values):.1f}" if values else "-"
        full = sum(1 for value in values if value >= top)
        zero = sum(1 for value in values if value == 0)
        cells.append((name, f"{top:g}", mean, full, zero))
    lines += table_lines(heads, cells)
    if failures:
        lines += ["", _("Failures ({count}):").format(count=len(failures))]
        lines += [f"  {shown_id(student)}: {reason}" for student, reason in sorted(failures.items())]
    if any(reasons.values()):
        lines += ["", *reason_lines(maxima, reasons)]
    return lines


# ---------------------------------------------------------------- the histogram

def _plot_fonts():
    """matplotlib's settings for the plot's words: Chinese glyphs in the Chinese edition."""
    import matplotlib

    family = plot_font_family()
    return matplotlib.rc_context({"font.family": family} if family else {})


def distribution_figure(assignment, class_result):
    """A histogram of total scores (a matplotlib Figure, not drawn on screen).

    One bar per tenth of the maximum, centred on it (0, 10, ..., 100 out of 100), so that a
    score of exactly 0 and one of exactly 100 each have a bar as wide as the others; the
    y axis counts whole students. Its words are in the language spoken now."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    totals = list(class_result.totals().values())
    top = sum(class_result.maxima.values()) or 1
    step = top / 10
    with _plot_fonts():
        figure = Figure(figsize=(7, 4), dpi=100)
        axes = figure.subplots()
        axes.hist(totals, bins=[(k - 0.5) * step for k in range(12)], color="#3b7dd8", edgecolor="white")
        axes.set_xlim(-step / 2, top + step / 2)
        axes.set_xticks([k * step for k in range(11)])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.set_xlabel(_("total score (out of {top})").format(top=f"{top:g}"))
        axes.set_ylabel(_("students"))
        mean = sum(totals) / len(totals) if totals else 0
        axes.set_title(_("{assignment}: {count} submissions, mean {mean}").format(
            assignment=assignment, count=len(totals), mean=f"{mean:.1f}"))
        if totals:
            axes.axvline(mean, color="#d62728", linestyle="--", linewidth=1)
        figure.tight_layout()
    return figure


def plot_distribution(assignment, class_result, path):
    """Save the histogram of total scores (``distribution_figure``) at ``path`` (PNG)."""
    figure = distribution_figure(assignment, class_result)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _plot_fonts():
        figure.savefig(path)
