"""OverwriteCells: nbgrader's own, reading the instructor's cells once per command.

Why: nbgrader's OverwriteCells asks the gradebook about every cell with a grade id, for every
student: ``find_source_cell`` for each, ``find_graded_cell`` for each grade cell, then
``find_notebook`` to put back missing cells, about 30 queries through the ORM per student. That
was 66 ms of a grade-class worker's 783 ms of CPU per student (py-spy, 40 submissions). Within
one command those cells are the same for every student (``gradebook_cells`` says why), so this
subclass reads them once per command and answers nbgrader's questions from that reading.

nbgrader's logic runs unchanged (its ``preprocess_cell`` and ``add_missing_*``): only
``self.gradebook`` differs, a read-only stand-in that answers the three lookups it makes, with
the same values and the same MissingEntry, message included (an answer cell a student marked
as a grade cell fails the notebook naming that cell, as in nbgrader). Where the gradebook has
no such notebook, nbgrader's own code runs as it is.
"""

from types import SimpleNamespace

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from gc_grader.plugins.gradebook_cells import gradebook_cells


class _ReadCells:
    """The lookups OverwriteCells makes on a Gradebook, answered from one GradebookCells reading."""

    def __init__(self, cells, assignment, notebook):
        self._where = f"{assignment}/{notebook}"
        self._source = {name: SimpleNamespace(name=name, cell_type=cell_type, source=source, locked=locked,
                                              checksum=cells.checksums[name])
                        for name, cell_type, source, locked in cells.source_cells}
        self._graded = {name: SimpleNamespace(name=name, max_score=points)
                        for name, points in (*cells.max_scores.items(), *cells.task_scores.items())}
        self._notebook = SimpleNamespace(
            source_cells=list(self._source.values()),
            grade_cells=[self._graded[name] for name in cells.max_scores],
            solution_cells=[self._source[name] for name in self._source if name in cells.solution_cells],
            task_cells=[self._graded[name] for name in cells.task_scores])

    def find_source_cell(self, name, notebook, assignment):
        return self._found(self._source, name, "source cell")

    def find_graded_cell(self, name, notebook, assignment):
        # A grade cell first, then a task cell, as nbgrader's Gradebook looks (grade ids are
        # unique); when neither, its message is the grade cell's.
        return self._found(self._graded, name, "grade cell")

    def find_notebook(self, notebook, assignment):
        return self._notebook

    def _found(self, cells, name, kind):
        if name not in cells:
            raise MissingEntry(f"No such {kind}: {self._where}/{name}")
        return cells[name]


class CachedOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, its gradebook lookups answered from one reading per command."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        try:
            cells = gradebook_cells(self, info)
        except MissingEntry:              # no such notebook in the gradebook: nbgrader's own way
            return super().preprocess(nb, resources)
        self.notebook_id, self.assignment_id, self.db_url = info["notebook"], info["assignment"], info["db_url"]
        self.gradebook = _ReadCells(cells, self.assignment_id, self.notebook_id)
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)   # each cell: nbgrader's preprocess_cell
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources
