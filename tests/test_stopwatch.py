"""gc_grader.stopwatch: phases summed per name, nested ones on their own, cleared by take()."""

import time

import pytest

from gc_grader import stopwatch


def test_phases_add_up_nest_and_count_a_block_that_raised():
    stopwatch.take()
    for _ in range(2):
        with stopwatch.phase("outer"):
            with stopwatch.phase("inner"):
                time.sleep(0.01)
    with pytest.raises(ValueError), stopwatch.phase("failing"):
        time.sleep(0.01)
        raise ValueError
    totals = stopwatch.take()
    assert set(totals) == {"outer", "inner", "failing"}
    assert 0.02 <= totals["inner"] <= totals["outer"] and totals["failing"] >= 0.01
    assert stopwatch.take() == {}
