"""The grader's known-good forward pass of the notebook's network, under its old name.

The one copy lives in the shipped helper ``gc_utils`` (``reference_forward_propagation_n``),
where the public test of gradient_check_n uses it too; this module re-exports it so that
``from gc_grader.checks.network import forward_propagation_n`` keeps working.
tests/checks/test_reference.py proves it computes exactly what the notebook's cell computes.
"""

from gc_utils import reference_forward_propagation_n as forward_propagation_n  # noqa: F401
