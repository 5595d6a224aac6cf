"""Print how many milliseconds the epsilon explorer needs per update, kernel side.

Drives gc_explorer.Explorer in this process, as a notebook's kernel would: moves the
epsilon slider across its range and flips every toggle, for the 1-D explorer and the
network explorer, and prints the median and the slowest update of each kind. An update
is everything the kernel does for one change: the numbers (gc_epsilon), the plot (a
blitted PNG) and the readout and breakdown HTML. The browser's share (sending the PNG,
painting it) is not included; the browser test (tests/test_browser_explorer.py) reports
its own duration. It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/explorer_update_ms.py [--moves N]
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]      # the tests' plumbing and the helper modules
os.environ.pop("NBGRADER_EXECUTION", None)
import numpy as np  # noqa: E402

import gc_explorer  # noqa: E402
import gc_epsilon  # noqa: E402
from course import notebook_functions  # noqa: E402


def timed(explorer, changes):
    """Apply (control, value) changes one by one; return the milliseconds of each update."""
    explorer.update_ms.clear()
    for control, value in changes:
        control.value = value
    return list(explorer.update_ms)


def report(name, moves, toggles):
    print(f"{name:>8}: epsilon moves median {statistics.median(moves):6.1f} ms (max {max(moves):6.1f}, "
          f"n={len(moves)}); toggles median {statistics.median(toggles):6.1f} ms "
          f"(max {max(toggles):6.1f}, n={len(toggles)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60, help="slider positions per explorer")
    args = parser.parse_args()
    functions = notebook_functions()
    epsilons = np.logspace(-15, -2, args.moves)
    for name, model in (("1-D", "1-D: J = θ·x"), ("network", "network")):
        explorer = gc_explorer.Explorer(model, backprop=functions["backward_propagation_n"],
                                        gradient_check=functions["gradient_check"],
                                        gradient_check_n=functions["gradient_check_n"])
        moves = timed(explorer, [(explorer.epsilon, e) for e in epsilons])
        toggles = []
        # Every method x precision (x backprop) once: the first visit computes a sweep,
        # later visits of the same setting reuse it; both kinds are counted.
        for _ in range(2):
            for method in gc_epsilon.METHODS:
                for precision in gc_epsilon.PRECISIONS:
                    changes = [(explorer.method, method), (explorer.precision, precision)]
                    if name == "network":
                        changes += [(explorer.backprop, b) for b in (gc_explorer.REFERENCE, gc_explorer.YOURS)]
                    toggles += timed(explorer, changes)
        report(name, moves, toggles)


if __name__ == "__main__":
    main()
