"""What a right answer is: the hidden cases, the grader's own reference computations,
the known mistakes, and the verdicts with their sentences.

- ``errors``: CheckFailed (a wrong result) and AnswerCrashed (code that raised).
- ``network``: the known-good copy of the notebook's forward pass (re-exported from the
  shipped gc_utils, where the public test of gradient_check_n uses it too), and its costs
  for many parameter vectors in one stacked pass (``costs``, ``perturbed_costs``).
- ``mistakes``: the reference gradient checks, and each known mistake simulated.
- ``cases``: the hidden inputs, fixed (for in-process tests) or drawn from a seed (the judge).
- ``verdicts``: compare what an answer returned with the reference; name the mistake.

Nothing here runs in the student's kernel: the test cells run the public tests only, and
every hidden check runs in the outside judge (gc_grader.judge, plugins.judge_outside_kernel).
These modules import the course's helper modules (gc_utils, public_tests, testCases),
so they run where the assignment's files are.
"""
