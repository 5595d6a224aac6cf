"""The hidden checks' old address, for test cells stored in gradebooks before the package took
its present shape.

nbgrader grades with the test cells stored in the gradebook at ``generate_assignment`` time,
so a course generated earlier still runs ``from gc_grader import hidden_tests``. Those
cells keep working through this name; the source notebook's cells import
``gc_grader.checks.in_kernel``, and ``nbgrader generate_assignment gradient_checking --force``
stores them.
"""

from gc_grader.checks.in_kernel import (check_backward_propagation, check_forward_propagation,  # noqa: F401
                                        check_gradient_check, check_gradient_check_n, isolate_gradient_check,
                                        isolate_gradient_check_n)
