"""nbgrader plugins of the course that grade, one per module (the pages a person reads are
gc_grader.pages'); ``nbgrader_config.py`` puts each in its place.

- ``AssignmentFilesOnly`` (first sanitize step): only the notebook and the assignment's files
  stay in the autograded folder (nbgrader copies linked files with the grader's rights).
- ``RepairCells`` (sanitize): duplicated and deleted cells no longer crash nbgrader.
- ``CachedOverwriteCells`` (sanitize): nbgrader's OverwriteCells, the instructor's cells read from
  the gradebook once per command instead of about 30 times per student.
- ``ClearOldHiddenTests`` (after OverwriteCells): an older gradebook's hidden blocks never run.
- ``ResilientExecute`` (execution): a cell that kills or hangs the kernel fails alone.
- ``StartJudging`` (before execution) and ``JudgeOutsideKernel`` (after it): every answer judged
  again, outside the kernel, while the notebook runs.
- ``WarningsAreNotFailures`` (before grades are saved): a warning does not fail a test.
- ``InertOutputs`` (after judging, and in feedback): student output is shown, never run.
- ``ValidateNotebook`` (after AssignmentFilesOnly, after execution, before grades are saved):
  the notebook checked against nbformat's schema where it matters, not after every step.
- ``FastCheckCellMetadata`` (last of sanitize and of autograde): nbgrader's CheckCellMetadata, its
  JSON schema checked once per process instead of once per cell.
"""

from gc_grader.plugins.assignment_files_only import AssignmentFilesOnly
from gc_grader.plugins.clear_old_hidden_tests import ClearOldHiddenTests
from gc_grader.plugins.fast_check_cell_metadata import FastCheckCellMetadata
from gc_grader.plugins.inert_outputs import InertOutputs
from gc_grader.plugins.judge_outside_kernel import JudgeOutsideKernel, StartJudging
from gc_grader.plugins.overwrite_cells import CachedOverwriteCells
from gc_grader.plugins.repair_cells import RepairCells
from gc_grader.plugins.resilient_execute import ResilientExecute
from gc_grader.plugins.validate_notebook import ValidateNotebook
from gc_grader.plugins.warnings_are_not_failures import WarningsAreNotFailures

__all__ = ["AssignmentFilesOnly", "CachedOverwriteCells", "ClearOldHiddenTests", "FastCheckCellMetadata",
           "InertOutputs", "JudgeOutsideKernel", "RepairCells", "ResilientExecute", "StartJudging",
           "ValidateNotebook", "WarningsAreNotFailures"]
