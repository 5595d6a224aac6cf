"""The corpus of submissions itself (tests/submissions.py), before anything grades it."""

from submissions import corpus

SUBMISSIONS = corpus()


def test_corpus_names_are_unique():
    names = [s.student for s in SUBMISSIONS]
    assert len(names) == len(set(names))


def test_corpus_covers_the_issue():
    assert len(SUBMISSIONS) >= 35
    assert sum(1 for s in SUBMISSIONS if not s.lost and s.student.startswith("style_")) >= 6


def test_the_submissions_that_hang_by_design_say_so():
    """They are graded apart, with short timeouts (test_autograde.py): one left unmarked would
    make the corpus's grading wait for every 30-second timeout of its cells."""
    assert {s.student for s in SUBMISSIONS if s.hangs} == {"endless_loop", "sleeps"}
