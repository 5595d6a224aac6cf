"""``python -m gc_grader.class_grading``: what ./grade-class runs.

The local workers start before the command imports nbgrader (``cluster.LocalWorkers``): their
start, mostly imports, then goes on beside the command's own imports and checks. (Dask starts
them as new Python processes, which do not run this module again: multiprocessing leaves out
a package's ``__main__``.)
"""

import gc
import sys

from gc_grader.class_grading.arguments import parse_args, prepare

args = parse_args(sys.argv[1:])
prepare(args)
starting = None
try:
    if not args.scheduler:
        from gc_grader.class_grading.cluster import LocalWorkers
        starting = LocalWorkers(args.workers)
    from gc_grader.class_grading.cli import main       # imported while the workers start
    status = main(args=args, starting=starting)
finally:
    if starting is not None:      # on every way out (main closes them sooner when it can)
        starting.close()
# Python's exit runs the garbage collector over everything nbgrader, Dask and matplotlib left
# (about 160 000 objects): 0.4 s of the command's time. Frozen, they are left to the end of the
# process; what Python's exit must do (exit functions, flushed streams) it still does.
gc.freeze()
sys.exit(status)
