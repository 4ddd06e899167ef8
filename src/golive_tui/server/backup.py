"""Back up and restore an SQLite server database, safely while a server runs on it.

A backup is SQLite's online backup API from a reader connection: one consistent state of
the database, however many pushes land meanwhile (WAL readers never block the writer). The
copy is written beside its destination, checked, switched out of WAL mode (one self-contained
file) and only then renamed into place, so a failed backup never leaves a half file.

A restore checks its file first (an SQLite database, intact, with golive's tables and a schema
revision this release knows), copies it into the server database through the same API, and
migrates it to the newest schema. It refuses while a server has the database open unless
forced: every server holds a shared lock on ``<database>.serving`` while it runs
(:func:`serving_lock`), and a restore needs that lock exclusively.

PostgreSQL is backed up with its own tools (``pg_dump`` / ``pg_restore``); see
:func:`postgres_guidance` and docs/operations.md.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from alembic.script import ScriptDirectory

from golive_tui.server.db import BUSY_TIMEOUT_MS, Database, DatabaseUrlError, normalise_url
from golive_tui.server.migrate import alembic_config, upgrade

try:  # POSIX; elsewhere a running server is not detected
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: the tables every golive server database has, whatever its revision
GOLIVE_TABLES = frozenset({"alembic_version", "project_counter", "change", "op_log", "project"})


class BackupError(Exception):
    """A backup or restore that cannot be done, worded for the person at the terminal."""


@dataclass(frozen=True)
class DatabaseFile:
    """What a checked golive database file holds."""

    path: Path
    revision: str
    projects: int
    changes: int
    size: int


def sqlite_path(url: str) -> Path | None:
    """The file of an ``sqlite:///`` URL; ``None`` for PostgreSQL."""
    try:
        parsed = normalise_url(url)
    except DatabaseUrlError as exc:
        raise BackupError(str(exc)) from None
    if parsed.get_backend_name() != "sqlite":
        return None
    assert parsed.database
    return Path(parsed.database).expanduser()


def postgres_guidance(url: str, target: Path, *, restore: bool) -> str:
    """What to run instead for a PostgreSQL database (the password is never printed)."""
    parsed = normalise_url(url).set(drivername="postgresql")
    # URL.set(password=None) keeps it; a tuple replace drops it
    shown = parsed._replace(password=None).render_as_string(hide_password=True)
    secret = (
        "\n(the password is left out: give it in ~/.pgpass or PGPASSWORD)"
        if parsed.password else ""
    )
    if not restore:
        return (
            "golive does not copy a PostgreSQL database itself; PostgreSQL's own tool makes a "
            "consistent dump while the servers run:\n"
            f"  pg_dump --format=custom --file {target} '{shown}'\n"
            f"(see docs/operations.md, 'Backup and restore').{secret}"
        )
    return (
        "golive does not restore a PostgreSQL database itself. Stop every replica, then:\n"
        f"  pg_restore --clean --if-exists --no-owner --dbname '{shown}' {target}\n"
        f"  golive server migrate --db '{shown}'\n"
        f"and start the replicas again (see docs/operations.md, 'Backup and restore').{secret}"
    )


# --------------------------------------------------------------------------- the running server


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".serving")


@contextlib.contextmanager
def serving_lock(db: Database) -> Iterator[None]:
    """Held by a server for as long as it serves an SQLite database (shared: replicas of one
    file in one process, or the tests', may hold it together). PostgreSQL needs none."""
    if db.is_postgresql or fcntl is None:
        yield
        return
    assert db.url.database
    path = _lock_path(Path(db.url.database).expanduser())
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _no_server(db_path: Path, force: bool) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(_lock_path(db_path), "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not force:
                raise BackupError(
                    f"A golive server is running on {db_path}; stop it first, or restore "
                    "with --force (its clients then re-bootstrap from the restored state)."
                ) from None
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- checking a file


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _known_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in script.walk_revisions()]


def inspect(path: Path) -> DatabaseFile:
    """Check that ``path`` is an intact golive database of a schema this release can serve."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"There is no file {path}.") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from None
    if magic != SQLITE_MAGIC:
        raise BackupError(f"{path} is not an SQLite database, so not a golive backup.")
    try:
        conn = _connect(path, read_only=True)
        try:
            tables = {
                str(name) for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            missing = GOLIVE_TABLES - tables
            if missing:
                raise BackupError(
                    f"{path} is an SQLite database but not a golive server database "
                    f"(it has no {', '.join(sorted(missing))} table)."
                )
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            check = conn.execute("PRAGMA quick_check").fetchone()
            projects = conn.execute("SELECT count(*) FROM project_counter").fetchone()[0]
            changes = conn.execute("SELECT count(*) FROM change").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}.") from None
    if check is None or check[0] != "ok":
        raise BackupError(f"{path} is damaged (SQLite's check says: {check[0] if check else '?'}).")
    if revision is None:
        raise BackupError(f"{path} has no schema revision; it is not a golive backup.")
    known = _known_revisions()
    if revision[0] not in known:
        raise BackupError(
            f"{path} has schema revision {revision[0]}, which this golive does not know "
            f"(it knows up to {known[0]}): it was made by a newer golive. Install that release "
            "to restore it."
        )
    return DatabaseFile(path=path, revision=str(revision[0]), projects=int(projects),
                        changes=int(changes), size=path.stat().st_size)


# --------------------------------------------------------------------------- backup and restore


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # in one step: the whole copy is read in one read transaction, one consistent state
    source.backup(target)


def _temporary_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def backup(db_url: str, target: Path, *, force: bool = False) -> DatabaseFile:
    """Copy the SQLite database at ``db_url`` to ``target`` (a new file unless ``force``)."""
    source_path = sqlite_path(db_url)
    if source_path is None:
        raise BackupError(postgres_guidance(db_url, target, restore=False))
    if not source_path.is_file():
        raise BackupError(f"There is no database {source_path} to back up.")
    if target.exists() and not force:
        raise BackupError(f"{target} exists already; choose another file or add --force.")
    if target.resolve() == source_path.resolve():
        raise BackupError("The backup cannot be written over the database it copies.")
    if not target.parent.is_dir():
        raise BackupError(f"There is no folder {target.parent} to write the backup in.")
    partial = _temporary_beside(target)
    try:
        source = _connect(source_path, read_only=True)
        try:
            out = sqlite3.connect(partial)
            try:
                _copy(source, out)
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
        finally:
            source.close()
        copied = inspect(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}.") from None
    except OSError as exc:
        raise BackupError(f"Cannot write {target}: {exc.strerror}.") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return DatabaseFile(path=target, revision=copied.revision, projects=copied.projects,
                        changes=copied.changes, size=target.stat().st_size)


def restore(source: Path, db_url: str, *, force: bool = False) -> tuple[DatabaseFile, str | None]:
    """Replace the SQLite database at ``db_url`` with the backup ``source``, then migrate it.

    Returns what was restored and the schema revision it was migrated to.
    """
    target_path = sqlite_path(db_url)
    if target_path is None:
        raise BackupError(postgres_guidance(db_url, source, restore=True))
    checked = inspect(source)
    if target_path.exists() and target_path.resolve() == source.resolve():
        raise BackupError("The backup and the database are the same file; nothing to restore.")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with _no_server(target_path, force):
        try:
            backup_conn = _connect(source, read_only=True)
            try:
                live = _connect(target_path, read_only=False)
                try:
                    _copy(backup_conn, live)
                finally:
                    live.close()
            finally:
                backup_conn.close()
        except sqlite3.Error as exc:
            raise BackupError(f"The restore failed, the database is as it was: {exc}.") from None
        db = Database(db_url)
        try:
            _, after = upgrade(db)
        finally:
            db.dispose()
    return checked, after


def describe(found: DatabaseFile, out: IO[str]) -> None:
    print(
        f"{found.path}: schema revision {found.revision}, {found.projects} "
        f"project{'s' if found.projects != 1 else ''}, {found.changes:,} change"
        f"{'s' if found.changes != 1 else ''} in the feed, {found.size:,} bytes.",
        file=out,
    )
