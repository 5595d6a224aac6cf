"""Judging every answer outside the student's kernel: the only hidden checks.

- ``secret``: the course's secret and the seed drawn from it per student and exercise.
- ``requests``: what is sent to the answer's process: the answer's sources and the
  hidden cases as plain data (drawn here, from the seed, with ``checks.cases``).
- ``runner``: that process, in the sandbox (``python runner.py``),
  standalone: the student's cells' definitions only, run on the cases with known-good callees.
- ``report``: what it sends back, as named plain data, read strictly and bounded.
- ``verdict``: a report judged with ``checks.verdicts``, in nbgrader's own process.

nbgrader starts all this from the preprocessor ``plugins.judge_outside_kernel``.
"""
