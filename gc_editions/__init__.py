"""Editions of the assignment built from its one source, outside grading.

- ``self_study``: ``notebooks/``, the edition for learners without nbgrader
  (``scripts/generate`` runs it after ``nbgrader generate_assignment``).
"""
