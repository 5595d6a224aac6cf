"""ValidateNotebook: the notebook checked against nbformat's schema at the steps where it matters.

Why: nbconvert checks the whole notebook against nbformat's schema after *every* preprocessor,
nineteen times per graded notebook with today's lists (about 0.019 CPU-s per student; five
checks now take 0.007), for an answer that matters at a few moments only. Its own setting
``optimistic_validation`` (nbgrader_config.py) keeps the check after the last preprocessor
of each pass; this step puts one back at each
moment where nothing may pass unchecked, where nbconvert's own check refused the notebook:

- right after AssignmentFilesOnly, the first sanitize step: a submission that is not a valid
  notebook is refused before any other step works on it (nbformat's reader only logs);
- right after execution: a notebook that execution left invalid is refused before any later
  step works on it (InertOutputs, for one, would clear a cell's execution count that is not a
  number). No kernel is known to get there: nbclient checks each output as it arrives and
  writes each cell's count itself. The check stands where nbconvert's did all the same;
- right before SaveAutoGrades: no grade is recorded from a notebook that any step left invalid.

What it raises is what nbconvert's check raises, nbformat's ValidationError, after logging an
error as it does. The refusals stay those of nbconvert's checks as long as no step between two
checkpoints turns a valid notebook into an invalid one that a later step repairs (none of
today's does; one that broke a notebook is caught at the next checkpoint or at the end).
"""

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor


class ValidateNotebook(NbGraderPreprocessor):
    """Refuses a notebook that nbformat's schema does not accept (extra properties allowed, as
    nbconvert allows them between preprocessors)."""

    def preprocess(self, nb, resources):
        try:
            nbformat.validate(nb, relax_add_props=True)
        except nbformat.ValidationError:
            self.log.error("Notebook is invalid (ValidateNotebook, see nbgrader_config.py)")
            raise
        return nb, resources


__all__ = ["ValidateNotebook"]
