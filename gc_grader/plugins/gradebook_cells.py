"""The instructor's cells of a notebook as the gradebook holds them, read once per nbgrader command.

Why: RepairCells and OverwriteCells (sanitize) and InertOutputs (after judging, and again in
feedback) read them for every student, each through a Gradebook of its own: about 2 ms of CPU
to open one (create_engine, reflecting the tables, ``create_all``) and 3 to 4 ms to read the
cells, some 16 ms per student for those three readings; OverwriteCells (``overwrite_cells``)
made about 30 single-cell queries more. Within one command they are the same for every
student: nbgrader's autograde and generate_feedback never write a source cell (only
generate_assignment and generate_solution do, in commands of their own).

So the first student's reading serves the others, kept by the plugin's parent: the exporter of
the command. nbgrader makes one exporter per command (``BaseConverter.start``) and registers each
step's preprocessors with it (``parent=`` the exporter), so the reading lives exactly as long as
the command, whatever the process: the next command, on another gradebook (grade-class's scratch
one per batch) or on the same one after the instructor generated the assignment again, reads
afresh. Kept by (gradebook URL, assignment, notebook), the names the plugins ask about; a reading
that fails (MissingEntry: no such notebook) is not kept, and fails again the next time. A plugin
without a parent (made on its own, as in the tests) reads every time. (Only another command that
regenerates the assignment *while* this one grades could change the cells mid-command; nbgrader's
own steps, which read the gradebook again for each student, would then disagree already.)
"""

import types
import weakref
from dataclasses import dataclass

from nbgrader.api import Gradebook

#: exporter (one nbgrader command) -> {(db_url, assignment, notebook): GradebookCells}
_READ_BY_COMMAND = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class GradebookCells:
    """What the gradebook holds of one notebook's instructor cells (read-only: students share it)."""
    #: (name, cell_type, source, locked) of each source cell, in the gradebook's order
    source_cells: tuple
    #: names of the answer (solution) cells
    solution_cells: frozenset
    #: grade cell name -> its points
    max_scores: types.MappingProxyType
    #: source cell name -> its checksum
    checksums: types.MappingProxyType
    #: task cell name -> its points
    task_scores: types.MappingProxyType


def gradebook_cells(plugin, info):
    """The instructor's cells of the notebook ``info`` (resources["nbgrader"]) names, from its gradebook.

    Raises nbgrader's MissingEntry when the gradebook has no such notebook. ``plugin`` is the
    preprocessor asking: its parent, the command's exporter, keeps the reading (see the module).
    """
    key = (info["db_url"], info["assignment"], info["notebook"])
    kept = {} if plugin.parent is None else _READ_BY_COMMAND.setdefault(plugin.parent, {})
    if key not in kept:
        kept[key] = _read(*key)
    return kept[key]


def _read(db_url, assignment, notebook):
    with Gradebook(db_url) as gb:
        source = gb.find_notebook(notebook, assignment)
        return GradebookCells(
            source_cells=tuple((cell.name, cell.cell_type, cell.source, cell.locked) for cell in source.source_cells),
            solution_cells=frozenset(cell.name for cell in source.solution_cells),
            max_scores=types.MappingProxyType({cell.name: cell.max_score for cell in source.grade_cells}),
            checksums=types.MappingProxyType({cell.name: cell.checksum for cell in source.source_cells}),
            task_scores=types.MappingProxyType({cell.name: cell.max_score for cell in source.task_cells}))
