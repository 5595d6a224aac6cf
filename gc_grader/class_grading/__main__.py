"""``python -m gc_grader.class_grading``: what ./grade-class runs.

The cluster starts first, from the command line alone: its workers start and import
while this process imports nbgrader (``cli``) and checks the course.
"""

import sys

from gc_grader.class_grading.arguments import parse_args
from gc_grader.class_grading.cluster import ClusterInBackground

args = parse_args(sys.argv[1:])
with ClusterInBackground(args.scheduler, args.workers) as cluster:
    from gc_grader.class_grading.cli import run

    status = run(args, cluster)
sys.exit(status)
