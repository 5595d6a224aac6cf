"""What a grade-class worker changes around nbgrader while it grades a batch
(gc_grader/class_grading/worker.py)."""

import nbgrader.api
import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from gc_grader.class_grading.worker import _one_engine_per_database


def test_while_a_batch_is_graded_nbgraders_gradebooks_share_one_engine_per_database(tmp_path):
    url, other = (f"sqlite:///{tmp_path / name}" for name in ("gradebook.db", "other.db"))
    with _one_engine_per_database():
        with Gradebook(url, "course") as first:
            first.add_student("ada")
            first.db.add(nbgrader.api.Student(id="grace"))
            first.db.flush()                               # written, not yet committed, when ...
            with Gradebook(url, "course") as second:       # ... another opens and closes the engine's pool
                assert second.engine is first.engine
                assert [student.id for student in second.students] == ["ada"]
            first.db.commit()
        with Gradebook(url, "course") as third:            # a closed Gradebook left the engine usable
            assert third.engine is first.engine
            assert sorted(student.id for student in third.students) == ["ada", "grace"]
        with Gradebook(other, "course") as elsewhere:
            assert elsewhere.engine is not first.engine
            assert elsewhere.students == []
    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    with Gradebook(url, "course") as after:
        assert after.engine is not first.engine
        assert sorted(student.id for student in after.students) == ["ada", "grace"]


def test_the_shared_engines_are_disposed_of_when_the_batch_fails(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with pytest.raises(RuntimeError, match="the batch failed"):
        with _one_engine_per_database():
            gradebook = Gradebook(url, "course")       # left open, as a failing step would leave it
            gradebook.db.remove()                     # its session ends; its connection goes back to the pool
            pool = gradebook.engine.pool
            assert pool.checkedin() == 1
            raise RuntimeError("the batch failed")
    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    assert nbgrader.api.inspect is sqlalchemy.inspect and "create_all" not in vars(nbgrader.api.Base.metadata)
    assert pool.checkedin() == 0 and gradebook.engine.pool is not pool


def test_within_a_batch_only_the_first_gradebook_opened_checks_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    statements = []
    with _one_engine_per_database():
        with Gradebook(url, "course") as first:               # a new database: nbgrader's set-up, in full
            assert "alembic_version" in sqlalchemy.inspect(first.engine).get_table_names()
            first.add_student("ada")
            sqlalchemy.event.listen(first.engine, "before_cursor_execute",
                                    lambda conn, cursor, statement, *rest: statements.append(statement))
        for _ in range(3):
            with Gradebook(url, "course") as later:
                assert [student.id for student in later.students] == ["ada"]
    schema_checks = [s for s in statements if "PRAGMA" in s or "sqlite_master" in s or "CREATE" in s]
    assert schema_checks == [] and statements       # the later opens asked only for the course and the students
    assert nbgrader.api.inspect is sqlalchemy.inspect
    assert "create_all" not in vars(nbgrader.api.Base.metadata)
    with Gradebook(f"sqlite:///{tmp_path / 'new.db'}", "course") as elsewhere:   # after the batch: nbgrader's own
        assert "alembic_version" in sqlalchemy.inspect(elsewhere.engine).get_table_names()


def _sqlite_settings(gradebook):
    with gradebook.engine.connect() as connection:
        return tuple(connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("synchronous", "journal_mode"))


def test_a_scratch_gradebook_does_not_wait_for_the_disk_and_still_rolls_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as before:         # SQLite's own settings (a journal file on disk)
        sqlites_own = _sqlite_settings(before)
    assert sqlites_own != (0, "memory")
    with _one_engine_per_database():
        with Gradebook(url, "course") as scratch:
            assert _sqlite_settings(scratch) == (0, "memory")
            scratch.add_student("ada")
            scratch.db.add(nbgrader.api.Student(id="grace"))
            scratch.db.flush()
            scratch.db.rollback()                     # the journal in memory undoes what was not committed
            assert [student.id for student in scratch.students] == ["ada"]
        with Gradebook(url, "course") as reopened:    # the engine's pool was emptied as the first closed
            assert _sqlite_settings(reopened) == (0, "memory")
    with Gradebook(url, "course") as after:          # the instructor's gradebooks keep SQLite's settings
        assert _sqlite_settings(after) == sqlites_own
        assert [student.id for student in after.students] == ["ada"]
