"""The assignment's definitions, copied from the instructor's gradebook into a worker's.

A worker grades in a throwaway SQLite gradebook of its own. It must hold exactly the
instructor's definition rows: nbgrader restores the test cells of a submission from the
source cells stored there.
"""

import hashlib

from nbgrader.api import Base
from sqlalchemy import create_engine, select, text

#: The gradebook tables that describe the assignments, not anyone's work.
DEFINITION_TABLES = ("course", "assignment", "notebook", "base_cell", "source_cell",
                     "grade_cells", "solution_cells", "task_cells")


def definitions_gradebook(db_url, path):
    """Write at ``path`` a new SQLite gradebook with the assignment definitions of ``db_url``;
    return a digest of those definitions.

    Workers grade against these rows exactly: nbgrader restores the instructor's
    test cells from the stored source cells, so they must be the instructor's own.
    """
    source, target = create_engine(db_url), create_engine(f"sqlite:///{path}")
    digest = hashlib.sha256()
    try:
        # nbgrader's schema, stamped with the instructor's schema version: what nbgrader
        # itself would make, without its `alembic heads` subprocess.
        Base.metadata.create_all(target)
        with source.connect() as reading, target.begin() as writing:
            version = reading.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            writing.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            writing.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
            for name in DEFINITION_TABLES:
                table = Base.metadata.tables[name]
                rows = [dict(row._mapping) for row in reading.execute(select(table))]
                digest.update(repr(sorted(sorted(row.items(), key=str) for row in rows)).encode())
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    return digest.hexdigest()
