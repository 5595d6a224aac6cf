"""Judging every answer a second time, outside the student's kernel.

- ``secret``: the course's secret and the seed drawn from it per student and exercise.
- ``report``: what the answer's process sends back, as named plain data, read strictly.
- ``runner``: that process (``python -m gc_grader.judge.runner``): the answer cell's
  definitions only, run on hidden inputs drawn from the seed.
- ``verdict``: a report judged with ``checks.verdicts``, in nbgrader's own process.

nbgrader starts all this from the preprocessor ``plugins.judge_outside_kernel``.
"""
