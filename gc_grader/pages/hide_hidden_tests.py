"""HideHiddenTests: feedback shows each failed check's message, never the hidden tests' code.

One of ``GenerateFeedback.preprocessors``: the hidden blocks of a test cell are cut from
its source, and an error keeps only its one-line "Name: message", without the traceback
through the grading code.
"""

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


class HideHiddenTests(NbGraderPreprocessor):
    """In feedback, show a test cell's visible code and its failure message, nothing hidden."""

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and cell.cell_type == "code":
            cell.source = _HIDDEN.sub("", cell.source).strip("\n")
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
