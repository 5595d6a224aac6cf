"""nbgrader's gradebook in a real PostgreSQL server (tests/postgres.py), not SQLite."""

import socket

import pytest
from nbgrader.api import Gradebook

from postgres import postgres_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_gradebook_round_trips_through_a_real_postgres_server(tmp_path):
    with postgres_server(tmp_path) as pg:
        url = pg.create_database("gradebook")
        assert url == f"postgresql://postgres@127.0.0.1:{pg.port}/gradebook"
        with Gradebook(url) as gb:                  # an empty database: nbgrader makes its tables
            gb.add_student("ada", first_name="Ada", last_name="Lovelace", email="ada@example.org")
            gb.add_assignment("gradient_checking")
        with Gradebook(url) as gb:                  # a fresh engine and session: read back
            ada = gb.find_student("ada")
            assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.org")
            assert [a.name for a in gb.assignments] == ["gradient_checking"]
        # The rows are in PostgreSQL itself, next to the alembic stamp nbgrader wrote.
        with pg.connect("gradebook") as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM student")
            assert cur.fetchall() == [("ada",)]
            cur.execute("SELECT count(*) FROM alembic_version")
            assert cur.fetchone() == (1,)
        conn.close()
        port, data_dir = pg.port, pg.data_dir
    # The server is really gone, and so is its data.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not data_dir.exists()
