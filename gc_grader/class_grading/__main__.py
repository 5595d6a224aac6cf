"""``python -m gc_grader.class_grading``: what ./grade-class runs."""

import sys

from gc_grader.class_grading.cli import main

sys.exit(main())
