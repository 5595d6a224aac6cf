"""RepairCells: make a broken submission's cells match the assignment before nbgrader checks them.

Runs first among ``Autograde.sanitize_preprocessors``: a duplicated cell or a deleted
instructor cell would otherwise crash nbgrader 0.9 and zero the whole submission.
"""

import re

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from gc_grader.assignment import grade_id
from gc_grader.plugins.gradebook_cells import gradebook_cells
from gc_grader.plugins.source_notebook import source_cells


class RepairCells(NbGraderPreprocessor):
    """Make a submission's cells match the assignment's before nbgrader checks them.

    Duplicates: a student who copied a cell has two cells with one grade_id. The last
    copy keeps the nbgrader role (for an answer, the last definition is the one that
    counts at run time anyway); earlier copies stay as plain cells, so nothing the
    student wrote is dropped.

    Deleted cells: every instructor cell (text, given code, test) missing from the
    submission is put back after the nearest cell before it that is still there.
    nbgrader's own ``add_missing_cells`` does this for grade cells only and raises
    KeyError when the cell before the missing one is not a graded cell, which is the
    case in this notebook. Deleted answer cells are not put back: that exercise then
    scores zero, as it should.
    """

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        self._demote_duplicates(nb)
        self._restore_deleted(nb, resources)
        return nb, resources

    def _demote_duplicates(self, nb):
        last_index = {}
        for index, cell in enumerate(nb.cells):
            if grade_id(cell):
                last_index[grade_id(cell)] = index
        for index, cell in enumerate(nb.cells):
            gid = grade_id(cell)
            if gid and last_index[gid] != index:
                self.log.warning("Cell %r appears more than once; grading its last copy, "
                                 "the earlier one runs as a plain cell", gid)
                del cell.metadata["nbgrader"]
                cell.metadata.pop("editable", None)
                cell.metadata.pop("deletable", None)
                cell["id"] = f"{cell.get('id', gid)}-copy-{index}"[:64]

    def _restore_deleted(self, nb, resources):
        info = resources["nbgrader"]
        source = gradebook_cells(self, info)   # read once per command (gradebook_cells)
        answers = source.solution_cells
        originals = list(source.source_cells)
        grade_cells = source.max_scores
        # The gradebook does not keep the cells' order: take it from the source notebook.
        order = self._source_order(info)
        originals.sort(key=lambda original: order.get(original[0], len(order)))
        present = {grade_id(cell) for cell in nb.cells}
        previous = None  # the last instructor cell seen that is in the notebook
        for name, cell_type, text, locked in originals:
            if name not in present and name not in answers:
                self.log.warning("Cell %r was deleted from the submission; putting it back", name)
                cell = self._instructor_cell(name, cell_type, text, locked, grade_cells.get(name))
                nb.cells.insert(self._position_after(nb, previous), cell)
                present.add(name)
            if name in present:
                previous = name

    def _source_order(self, info):
        """grade_id -> position in the instructor's source notebook."""
        return {grade_id(cell): index for index, cell in enumerate(source_cells(self, info)) if grade_id(cell)}

    @staticmethod
    def _position_after(nb, name):
        for index, cell in enumerate(nb.cells):
            if name is not None and grade_id(cell) == name:
                return index + 1
        return 0

    @staticmethod
    def _instructor_cell(name, cell_type, text, locked, points):
        meta = {"grade": points is not None, "grade_id": name, "locked": bool(locked),
                "schema_version": 3, "solution": False, "task": False}
        if points is not None:
            meta["points"] = points
        cell = {"cell_type": cell_type, "id": re.sub(r"[^A-Za-z0-9_-]", "-", name)[:64] + "-restored",
                "metadata": {"nbgrader": meta, "editable": False, "deletable": False}, "source": text}
        if cell_type == "code":
            cell.update(outputs=[], execution_count=None)
        return nbformat.from_dict(cell)
