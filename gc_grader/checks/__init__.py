"""What a right answer is: the hidden cases, the grader's own reference computations,
the known mistakes, and the verdicts with their sentences.

- ``errors``: CheckFailed (a wrong result) and AnswerCrashed (code that raised).
- ``network``: the grader's known-good copy of the notebook's forward pass.
- ``mistakes``: the reference gradient checks, and each known mistake simulated.
- ``cases``: the hidden inputs, fixed (in the kernel) or drawn from a seed (outside it).
- ``verdicts``: compare what an answer returned with the reference; name the mistake.
- ``in_kernel``: what the notebook's hidden test cells call, with the student's
  callees swapped for known-good ones.

These modules import the course's helper modules (gc_utils, public_tests, testCases),
so they run where the assignment's files are: in the grading kernel and the judge.
"""
