"""WarningsAreNotFailures: only an error fails a test cell, not a warning.

nbgrader fails any test cell that wrote to stderr, so a harmless warning from student
code (a RuntimeWarning from numpy, say) would cost a test that passed. Placed after
execution and before nbgrader saves the grades, this turns stderr output of test cells
into ordinary output.
"""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class WarningsAreNotFailures(NbGraderPreprocessor):
    """Turn stderr output of test cells into ordinary output: only an error fails a test."""

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources
