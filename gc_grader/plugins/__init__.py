"""nbgrader plugins of the course, one per module; ``nbgrader_config.py`` puts each in its place.

- ``AssignmentFilesOnly`` (first sanitize step): only the notebook and the assignment's files
  stay in the autograded folder (nbgrader copies linked files with the grader's rights).
- ``RepairCells`` (sanitize): duplicated and deleted cells no longer crash nbgrader.
- ``ClearOldHiddenTests`` (after OverwriteCells): an older gradebook's hidden blocks never run.
- ``ResilientExecute`` (execution): a cell that kills or hangs the kernel fails alone.
- ``JudgeOutsideKernel`` (after execution): every answer judged again, outside the kernel.
- ``WarningsAreNotFailures`` (before grades are saved): a warning does not fail a test.
- ``HideHiddenTests`` (feedback): failed checks' messages, never the hidden tests' code.
- ``InertOutputs`` (after judging, and in feedback): student output is shown, never run.
- ``HideGraderPaths`` (feedback): tracebacks name files, not the grading machine's folders.
- ``ExerciseTitles`` (feedback): each score and test cell named by its exercise, translated.
- ``TypesetMath`` (HTML export: formgrader, feedback): the instructor's formulas as MathML, offline.
- ``EmbedFigures`` (HTML export, after TypesetMath): the assignment's figures inside the page.
"""

from gc_grader.plugins.assignment_files_only import AssignmentFilesOnly
from gc_grader.plugins.clear_old_hidden_tests import ClearOldHiddenTests
from gc_grader.plugins.embed_figures import EmbedFigures
from gc_grader.plugins.exercise_titles import ExerciseTitles
from gc_grader.plugins.hide_grader_paths import HideGraderPaths
from gc_grader.plugins.hide_hidden_tests import HideHiddenTests
from gc_grader.plugins.inert_outputs import InertOutputs
from gc_grader.plugins.judge_outside_kernel import JudgeOutsideKernel
from gc_grader.plugins.repair_cells import RepairCells
from gc_grader.plugins.resilient_execute import ResilientExecute
from gc_grader.plugins.typeset_math import TypesetMath
from gc_grader.plugins.warnings_are_not_failures import WarningsAreNotFailures

__all__ = ["AssignmentFilesOnly", "ClearOldHiddenTests", "EmbedFigures", "ExerciseTitles", "HideGraderPaths", "HideHiddenTests", "InertOutputs",
           "JudgeOutsideKernel", "RepairCells", "ResilientExecute", "TypesetMath", "WarningsAreNotFailures"]
