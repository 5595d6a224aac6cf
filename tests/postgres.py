"""A real, throwaway PostgreSQL server for tests that grade into PostgreSQL.

SQLite hides what a real database server does differently (types, transactions, several
connections at once), so tests that pass a ``db_url`` to nbgrader can grade into a real
server instead. Typical use::

    with postgres_server(tmp_path) as pg:
        url = pg.create_database("gradebook")
        with Gradebook(url) as gb:
            ...

Design choices, each for robustness:

- The server is Debian's PostgreSQL (``scripts/setup-postgres`` installs it), started by
  hand from its binaries with a scratch data directory, on 127.0.0.1 and a free port,
  with its unix socket inside the scratch directory. It never touches, or relies on, a
  cluster the package may have started itself. Binaries: ``$GC_PG_BIN``, else the newest
  ``/usr/lib/postgresql/*/bin``, else PATH (the same order as the setup script).
- ``initdb`` refuses to run as root, so as root every server program runs as the
  ``postgres`` user (created by Debian's package) through ``runuser``.
- A missing or broken PostgreSQL makes the test *fail* with what to do and the server
  log's tail, never skip: a skipped database test looks like a passing one.
- Speed over durability (the data is thrown away): ``initdb --no-sync`` and
  ``fsync``/``synchronous_commit``/``full_page_writes`` off.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

#: The account that runs the server when the tests run as root.
SERVER_USER = "postgres"
SETUP_HINT = "run scripts/setup-postgres (it installs Debian's postgresql package)"
PROGRAMS = ("initdb", "pg_ctl", "postgres")


class PostgresError(RuntimeError):
    """PostgreSQL is missing, or the scratch server did not start or stop."""


def find_pg_bin():
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Debian keeps the server programs out of PATH (in ``/usr/lib/postgresql/VERSION/bin``),
    so PATH is only the last resort.
    """
    def complete(d):
        return all(os.access(Path(d, p), os.X_OK) for p in PROGRAMS)

    chosen = os.environ.get("GC_PG_BIN")
    if chosen:
        if complete(chosen):
            return Path(chosen)
        raise PostgresError(f"GC_PG_BIN={chosen} does not hold {', '.join(PROGRAMS)}; "
                            "point it at a PostgreSQL server's bin directory, or unset it.")

    def version(d):
        return tuple(int(part) for part in d.parent.name.split(".") if part.isdigit())

    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if complete(d):
            return d
    found = [shutil.which(p) for p in PROGRAMS]
    if all(found):
        return Path(found[-1]).parent
    raise PostgresError(f"The PostgreSQL server ({', '.join(PROGRAMS)}) was not found: {SETUP_HINT}.")


def _free_port():
    """A TCP port that is free on 127.0.0.1 right now (the server may still lose a race for it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


class PostgresServer:
    """A running scratch server: its ``port``, its ``data_dir``, and databases on it as
    SQLAlchemy URLs."""

    def __init__(self, port, data_dir):
        self.port = port
        self.data_dir = data_dir

    def url(self, name):
        """The SQLAlchemy URL of database ``name`` (trust auth: no password), as an
        instructor would write it: SQLAlchemy 2.1 reads ``postgresql://`` as psycopg 3."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name="postgres"):
        """A plain psycopg connection to database ``name``."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name)

    def create_database(self, name):
        """Create an empty database ``name`` and return its URL (see ``url``)."""
        conn = self.connect()
        try:
            conn.autocommit = True          # CREATE DATABASE cannot run in a transaction
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        return self.url(name)


@contextlib.contextmanager
def postgres_server(tmp_dir):
    """Start a scratch PostgreSQL server, yield a ``PostgresServer``, then stop and delete it.

    Everything (data directory, log, unix socket) goes in a scratch directory
    ``tmp_dir/postgres``, mode 0700 and owned by the server's user. As root that user is
    ``postgres``, who must be able to pass through ``tmp_dir`` and its parents. pytest's
    ``tmp_path`` does not allow that (``/tmp/pytest-of-root`` is mode 0700), and loosening
    pytest's directories would expose every test's files, so then the scratch directory is
    a private ``mkdtemp`` one in the system's temporary directory instead.
    """
    bin_dir = find_pg_bin()
    as_user = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresError(f"Running as root, the server must run as the '{SERVER_USER}' user, "
                                f"which does not exist: {SETUP_HINT}.") from None
        as_user = ["runuser", "-u", SERVER_USER, "--"]

    def reachable(d):
        # Search permission on d and every parent: all the server needs (it owns scratch).
        return subprocess.run([*as_user, "test", "-x", str(d)], cwd="/").returncode == 0

    tmp_dir = Path(tmp_dir)
    if reachable(tmp_dir):
        scratch = tmp_dir / "postgres"
        scratch.mkdir()
    else:
        scratch = Path(tempfile.mkdtemp(prefix="gc-postgres-"))
    if as_user:
        os.chown(scratch, account.pw_uid, account.pw_gid)
    scratch.chmod(0o700)
    data, log = scratch / "data", scratch / "server.log"

    def run(*args, check=True):
        # cwd: the server user may not be allowed into the caller's working directory.
        proc = subprocess.run([*as_user, *map(str, args)], cwd=scratch,
                              capture_output=True, text=True, timeout=120)
        if check and proc.returncode:
            raise PostgresError(f"{' '.join(map(str, args))} failed ({proc.returncode}); "
                                f"if PostgreSQL is missing or broken, {SETUP_HINT}.\n"
                                f"{proc.stdout}{proc.stderr}\nserver log, last lines:\n{_tail(log)}")
        return proc

    started = False
    try:
        run(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C", "--no-sync", "--no-instructions")
        # A unix socket path longer than ~107 bytes is refused: then listen on TCP only.
        sockets = str(scratch) if len(str(scratch)) < 90 else ""
        with open(data / "postgresql.conf", "a") as conf:  # keeps its owner: it exists
            conf.write(f"listen_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{sockets}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        for attempt in range(3):
            port = _free_port()
            with open(data / "postgresql.conf", "a") as conf:  # the last setting wins
                conf.write(f"port = {port}\n")
            proc = run(bin_dir / "pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", "60",
                       check=False)
            if proc.returncode == 0:
                started = True
                break
            if "could not bind" not in _tail(log, 10) or attempt == 2:
                raise PostgresError(f"The scratch PostgreSQL server did not start: "
                                    f"{proc.stdout}{proc.stderr}\nserver log, last lines:\n{_tail(log)}\n"
                                    f"If PostgreSQL is missing or broken, {SETUP_HINT}.")
        server = PostgresServer(port, data)
        try:                               # pg_ctl -w saw "ready"; prove it over TCP
            server.connect().close()
        except psycopg.Error as exc:
            raise PostgresError(f"The scratch PostgreSQL server started but refuses connections: "
                                f"{exc}\nserver log, last lines:\n{_tail(log)}") from exc
        yield server
    finally:
        if started:
            # A failed stop raises, leaving the scratch directory (and its log) behind.
            if run(bin_dir / "pg_ctl", "stop", "-D", data, "-m", "fast", "-w", "-t", "30",
                   check=False).returncode:
                run(bin_dir / "pg_ctl", "stop", "-D", data, "-m", "immediate", "-w", "-t", "30")
        shutil.rmtree(scratch)
