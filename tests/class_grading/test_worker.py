"""What a grade-class worker changes around nbgrader while it grades a batch
(gc_grader/class_grading/worker.py)."""

import nbgrader.api
import sqlalchemy
from nbgrader.api import Gradebook

from gc_grader.class_grading.worker import _one_engine_per_database


def test_while_a_batch_is_graded_nbgraders_gradebooks_share_one_engine_per_database(tmp_path):
    url, other = (f"sqlite:///{tmp_path / name}" for name in ("gradebook.db", "other.db"))
    with _one_engine_per_database():
        with Gradebook(url, "course") as first:
            first.add_student("ada")
            with Gradebook(url, "course") as second:       # open at once, as nbgrader's steps are
                assert second.engine is first.engine
                assert [student.id for student in second.students] == ["ada"]
        with Gradebook(url, "course") as third:            # a closed Gradebook left the engine usable
            assert third.engine is first.engine
            third.add_student("grace")
            assert sorted(student.id for student in third.students) == ["ada", "grace"]
        with Gradebook(other, "course") as elsewhere:
            assert elsewhere.engine is not first.engine
            assert elsewhere.students == []
    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    with Gradebook(url, "course") as after:
        assert after.engine is not first.engine
        assert sorted(student.id for student in after.students) == ["ada", "grace"]


def test_the_shared_engines_go_when_the_batch_fails(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    try:
        with _one_engine_per_database():
            gradebook = Gradebook(url, "course")
            gradebook.close()
            raise RuntimeError("the batch failed")
    except RuntimeError:
        pass
    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    assert gradebook.engine.pool.checkedout() == 0
