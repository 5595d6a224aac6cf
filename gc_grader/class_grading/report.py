"""What an instructor reads after grading a class: a table per exercise, the failures
with their reasons, and the score distribution as a PNG.

Everything is read back from the gradebook and the autograded notebooks, so the
report covers the whole class, including students graded by earlier runs.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gc_grader.assignment import exercise_of, grade_id
from gc_i18n import _, plot_font_family

#: How many distinct reasons for lost points the report lists per exercise.
TOP_REASONS = 3


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


def reason_of(message):
    """What a failed test's message says is wrong: for a verdict, the error its call raised, or else
    its last line (the sentence, which names the mistake and so groups students by it); the one
    line of any other message."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    raised = [line for line in lines if line.startswith("raised ")]
    return raised[0] if raised else lines[-1] if lines else "failed"


def lost_point_reasons(course, assignment, students):
    """exercise -> Counter of each failed test's reason (``reason_of``)."""
    reasons = defaultdict(Counter)
    for student in students:
        for path in sorted(course.folder("autograded", assignment, student).glob("*.ipynb")):
            try:
                nb = nbformat.read(str(path), as_version=4)
            except Exception:  # an unreadable graded notebook has no reasons to give
                continue
            for cell in nb.cells:
                errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
                if errors and grade_id(cell):
                    message = (errors[-1].get("evalue") or errors[-1].get("ename") or "failed").strip()
                    reasons[exercise_of(grade_id(cell)) or grade_id(cell)][reason_of(message)[:160]] += 1
    return reasons


def summary_lines(assignment, class_result, reasons, failures, graded_now, up_to_date):
    """The report as lines of text: counts, the table, failures, reasons for lost points."""
    maxima, scores = class_result.maxima, class_result.scores
    lines = [_("{assignment}: {count} submissions in the gradebook; graded now {graded}, already up to date "
               "{up_to_date}, failed {failed}").format(assignment=assignment, count=len(scores), graded=graded_now,
                                                      up_to_date=up_to_date, failed=len(failures)), ""]
    heads = [_("exercise"), _("points"), _("mean"), _("full"), _("zero")]
    total = _("total")
    width = max([len(heads[0]), len(total), *map(len, maxima)])
    lines.append(f"{heads[0]:<{width}}  {heads[1]:>6}  {heads[2]:>6}  {heads[3]:>5}  {heads[4]:>5}")
    rows = [(name, top, [points[name] for points in scores.values()]) for name, top in maxima.items()]
    rows.append((total, sum(maxima.values()), list(class_result.totals().values())))
    for name, top, values in rows:
        mean = f"{sum(values) / len(values):.1f}" if values else "-"
        full = sum(1 for value in values if value >= top)
        zero = sum(1 for value in values if value == 0)
        lines.append(f"{name:<{width}}  {top:>6g}  {mean:>6}  {full:>5}  {zero:>5}")
    if failures:
        lines += ["", _("Failures ({count}):").format(count=len(failures))]
        lines += [f"  {student}: {reason}" for student, reason in sorted(failures.items())]
    if any(reasons.values()):
        lines += ["", _("Why points were lost (most common first):")]
        for name in maxima:
            for message, count in reasons.get(name, Counter()).most_common(TOP_REASONS):
                lines.append(f"  {name} x{count}: {message}")
    return lines


def plot_distribution(assignment, class_result, path):
    """Save a histogram of total scores at ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = list(class_result.totals().values())
    top = sum(class_result.maxima.values()) or 1
    family = plot_font_family()          # Chinese glyphs in the Chinese edition's labels
    if family:
        plt.rcParams["font.family"] = family
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    bins = [top * step / 20 for step in range(21)]
    axes.hist(totals, bins=bins, color="#3b7dd8", edgecolor="white")
    axes.set_xlim(0, top)
    axes.set_xlabel(_("total score (out of {top})").format(top=f"{top:g}"))
    axes.set_ylabel(_("students"))
    mean = sum(totals) / len(totals) if totals else 0
    axes.set_title(_("{assignment}: {count} submissions, mean {mean}").format(
        assignment=assignment, count=len(totals), mean=f"{mean:.1f}"))
    if totals:
        axes.axvline(mean, color="#d62728", linestyle="--", linewidth=1)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
