"""Instructor-side grading machinery of the gradient-checking course.

Nothing here reaches students: nbgrader copies only ``source/<assignment>/`` into
the release. The package is installed into the project's virtual environment
(editable), so both nbgrader (through ``nbgrader_config.py``) and the grading
kernel (through the hidden tests) import it.

- ``hidden_tests``: what the hidden test cells run: checks on other inputs, each
  exercise isolated from the others, with a plain sentence for every known mistake.
- ``mistakes``: the reference checks and the known mistakes, simulated, so that a
  wrong answer can be named.
- ``network``: the grader's known-good copy of the notebook's forward pass.
- ``preprocessors``: nbgrader preprocessors that repair broken submissions, keep a
  warning from failing a test, and keep hidden tests out of the feedback.
- ``resilient_execute``: execution that survives a kernel killed or hung by student code.
- ``check_submissions``: a command to run before ``nbgrader autograde``: renamed
  notebooks are graded under the right name, unreadable ones are reported.
- ``self_study``: generates the self-study edition, ``notebooks/``, from the release and
  the explorer template (``scripts/generate`` runs it after nbgrader).
"""
