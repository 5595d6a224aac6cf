"""The pages people read after grading, as nbgrader preprocessors of the HTML export, one per
module, and the course's templates (``templates/``); ``nbgrader_config.py`` puts each in its place.

- ``HideHiddenTests`` (feedback): failed checks' messages, never the hidden tests' code.
- ``HideGraderPaths`` (feedback): tracebacks name files, not the grading machine's folders.
- ``ExerciseTitles`` (feedback): each score and test cell named by its exercise, translated.
- ``TypesetMath`` (HTML export: formgrader, feedback): the instructor's formulas as MathML, offline.
- ``EmbedFigures`` (HTML export, after TypesetMath): the assignment's figures inside the page.
- ``FeedbackHTMLExporter`` (feedback): nbconvert's HTML exporter, less two costs per page.

The student's own output is made inert by ``gc_grader.plugins.InertOutputs``, which grading
runs too.
"""

from pathlib import Path

from gc_grader.pages.embed_figures import EmbedFigures
from gc_grader.pages.exercise_titles import ExerciseTitles
from gc_grader.pages.feedback_exporter import FeedbackHTMLExporter
from gc_grader.pages.hide_grader_paths import HideGraderPaths
from gc_grader.pages.hide_hidden_tests import HideHiddenTests
from gc_grader.pages.typeset_math import TypesetMath

#: The course's nbconvert templates (the feedback page, an empty MathJax macro).
TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = ["EmbedFigures", "ExerciseTitles", "FeedbackHTMLExporter", "HideGraderPaths", "HideHiddenTests", "TEMPLATES",
           "TypesetMath"]
