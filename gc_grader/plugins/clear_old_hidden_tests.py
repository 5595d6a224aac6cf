"""ClearOldHiddenTests: no hidden-test block of an older gradebook ever runs in a kernel.

Hidden checks run outside the kernel now (``judge_outside_kernel``), and the source has no
hidden block. A gradebook generated before that still stores test cells that import the
grading package in the kernel, and nbgrader's OverwriteCells restores them at autograde;
nbgrader's own ClearHiddenTests removes those blocks. But it looks at every cell, and
raises on the student's: the marker text in any comment of an answer or added cell would
fail that whole submission. Placed right after OverwriteCells, this one does the same
work on test cells only (what OverwriteCells has just restored from the gradebook).
"""

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests


class ClearOldHiddenTests(ClearHiddenTests):
    """nbgrader's ClearHiddenTests, on read-only test cells only; a student's cell is left as it is."""

    def preprocess_cell(self, cell, resources, cell_index):
        if utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code":
            return super().preprocess_cell(cell, resources, cell_index)
        return cell, resources
