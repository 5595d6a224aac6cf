"""Instructor-side grading machinery of the gradient-checking course.

Nothing here reaches students: nbgrader copies only ``source/<assignment>/`` into the
release. The package is installed into the project's virtual environment (editable),
so nbgrader (through ``nbgrader_config.py``) and the grading kernel import it.

- ``assignment``: the assignment's facts (exercises, signatures, points, file names),
  once; everything else imports them.
- ``checks/``: what a right answer is: hidden cases, the grader's reference, the known
  mistakes, verdicts (CheckFailed, AnswerCrashed), and what the hidden test cells call.
- ``judge/``: every answer judged again outside the kernel: the secret seeds, the
  answer's own process, its report and the verdict on it.
- ``plugins/``: nbgrader preprocessors, one per module, placed by ``nbgrader_config.py``.
- ``class_grading/``: ``./grade-class``: a whole class graded in parallel on Dask, one
  writer for the gradebook, the report; and the check of submissions before grading.
"""
