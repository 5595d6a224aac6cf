"""Instructor-side grading machinery of the gradient-checking course.

Nothing here reaches students: nbgrader copies only ``source/<assignment>/`` into
the release. The package is installed into the project's virtual environment
(editable), so both nbgrader (through ``nbgrader_config.py``) and the grading
kernel (through the hidden tests) import it.

- ``hidden_tests``: what the hidden test cells run: checks on other inputs, each
  exercise isolated from the others, with a plain sentence for every known mistake.
- ``mistakes``: the known mistakes, simulated, so a wrong answer can be named.
- ``repair``: nbgrader preprocessors that make broken submissions gradable.
- ``feedback``: a preprocessor that keeps hidden tests out of the feedback.
- ``resilient_execute``: execution that survives a kernel killed by student code.
"""
