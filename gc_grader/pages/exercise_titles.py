"""ExerciseTitles: the feedback names the exercise of every score, in the edition's language.

Why: nbgrader's feedback lists the notebook's scores as "Test cell (Score: 0.0 / 30.0)", four
times, and heads each test cell "Grade cell: gradient_check_tests": a student cannot tell which
exercise lost points without reading grade ids.

What: one of ``GenerateFeedback.preprocessors``, after ``GetGrades`` (which gives each cell its
score). For every test cell whose grade id names an exercise (``gc_grader.assignment``'s rule), it
puts into ``resources["gc_feedback"]``:

- ``titles[grade_id]``: "Exercise 3: gradient_check", the heading of the cell;
- ``toc[grade_id]``: "Exercise 3: gradient_check — 30 / 30", its line in the list of scores;
- ``comments[grade_id]``, for an exercise's answer cell: "Comment on exercise 3: gradient_check",
  the line of a grader's comment on it in that list (nbgrader's says "Comment" alone).

The course's feedback template (``gc_grader/pages/templates/feedback``) shows them; a cell with no
title keeps nbgrader's label. The sentences are translated in the language of the edition the
notebook belongs to (``speaking_edition`` on its source folder, as the hidden checks' messages
are), never in the grader's.
"""

from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from gc_grader.assignment import EXERCISES, exercise_of, grade_id
from gc_i18n import N_, _, speaking_edition

#: The heading of an exercise's test cell.
TITLE = N_("Exercise {number}: {name}")
#: An exercise's line in the feedback's list of scores.
SCORED = N_("Exercise {number}: {name} — {score} / {points}")
#: The line of a grader's comment on an exercise's answer, in that list.
COMMENT = N_("Comment on exercise {number}: {name}")


class ExerciseTitles(NbGraderPreprocessor):
    """Give the feedback template each test cell's exercise, by number and name, with its score."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader") or {}
        course = CourseDirectory(config=self.config)
        titles, toc, comments = {}, {}, {}
        with speaking_edition(course.format_path(course.source_directory, ".", info.get("assignment", ""))):
            for cell in nb.cells:
                gid = grade_id(cell)
                if gid in EXERCISES and utils.is_solution(cell):
                    comments[gid] = _(COMMENT).format(number=EXERCISES.index(gid) + 1, name=gid)
                if not gid or not utils.is_grade(cell) or utils.is_solution(cell):
                    continue
                exercise = exercise_of(gid)
                if exercise is None:
                    continue
                number = EXERCISES.index(exercise) + 1
                titles[gid] = _(TITLE).format(number=number, name=exercise)
                grading = cell.metadata.get("nbgrader", {})
                toc[gid] = _(SCORED).format(number=number, name=exercise, score=_figure(grading.get("score")),
                                            points=_figure(grading.get("points")))
        resources["gc_feedback"] = {"titles": titles, "toc": toc, "comments": comments}
        return nb, resources


def _figure(value):
    """A score as people write it: 10, 2.5, 0.33; a cell not graded yet (None) as a dash."""
    if value is None:
        return "–"
    return f"{round(float(value), 2):g}"


__all__ = ["ExerciseTitles"]
