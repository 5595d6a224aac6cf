"""Fixtures shared by the test modules: the scratch course, generated once per session and
copied for each test that grades, and the solved notebook's functions.

Markers (pytest.ini): ``slow`` for every test that grades end to end (nbgrader autograde
of the corpus, grade-class on Dask workers, the resilient executor, start-lab, the
browser, PostgreSQL); ``browser`` and ``postgres`` for those needing Chromium or Debian's
PostgreSQL. The fast tier is ``./run-tests -m "not slow"``.
"""

import pytest

from course import ASSIGNMENT, RELEASE_NB, copy_course, make_scratch_course, notebook_functions, run_nbgrader


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A scratch course after `nbgrader generate_assignment`, made once for the session.

    Never grade in it or change it: take a copy (the ``course`` fixture, or ``copy_course``
    for a fixture that lives longer than one test)."""
    course = make_scratch_course(tmp_path_factory.mktemp("generated") / "course")
    run_nbgrader(course, "generate_assignment", ASSIGNMENT)
    return course


@pytest.fixture
def course(generated_course, tmp_path):
    """This test's own scratch course, with its own gradebook, the assignment generated."""
    return copy_course(generated_course, tmp_path / "course")


@pytest.fixture(scope="module")
def solved():
    """Every function of the solved source notebook (its demos not run)."""
    return notebook_functions()


@pytest.fixture
def in_the_release(monkeypatch):
    """Run where the assignment's helpers import from (the release), as the judge's runner does."""
    monkeypatch.chdir(RELEASE_NB.parent)
