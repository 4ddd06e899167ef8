"""``golive server``: run the shared backend, or migrate its database and exit."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from golive_tui.server import admin
from golive_tui.server.admin import AdminError
from golive_tui.server.cli.common import db_option, db_url, guarded
from golive_tui.server.settings import ServerSettings


def _read_secret(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AdminError(f"Cannot read the metrics token file {path}: {exc.strerror}.") from None
    if not text:
        raise AdminError(f"The metrics token file {path} is empty.")
    return text


#: the flags of ``golive server`` named other than their setting
_FLAGS = {"change_retention": "--keep-changes", "change_retention_days": "--keep-days"}


def _settings(args: argparse.Namespace) -> ServerSettings:
    overrides: dict[str, object] = {}
    if db_url(args):
        overrides["db_url"] = db_url(args)
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None) is not None:
        overrides["port"] = args.port
    for name in ("rate_limit", "rate_limit_burst", "change_retention", "change_retention_days"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    if getattr(args, "log_level", None):
        overrides["log_level"] = args.log_level
    if getattr(args, "log_format", None):
        overrides["log_format"] = args.log_format
    if getattr(args, "metrics_token_file", None):
        overrides["metrics_token"] = _read_secret(Path(args.metrics_token_file))
    try:
        return ServerSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise AdminError(
            f"{_FLAGS.get(where, '--' + where.replace('_', '-'))} "
            f"(or GOLIVE_SERVER_{where.upper()}): "
            f"{first.get('msg', 'not a valid value')}."
        ) from None


@guarded
def run_server(args: argparse.Namespace) -> int:
    """Serve the API until interrupted (migrating the database first)."""
    import uvicorn

    from golive_tui.server.app import create_app
    from golive_tui.server.observe import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level, settings.log_format)
    db = admin.open_database(settings.db_url)
    started = (f"golive server: {db.kind} database {db.url.render_as_string(hide_password=True)}, "
               f"on http://{settings.host}:{settings.port}")
    if settings.log_format == "json":
        # every line on stderr is then one JSON object
        logging.getLogger("golive.server").warning("%s", started)
    else:
        print(started, file=sys.stderr)
    app = create_app(settings.model_copy(update={"migrate_on_start": False}), db=db)
    _collect_less_often()
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            # golive logs each request itself (golive.access), in the chosen format
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=3,
        )
    finally:
        db.dispose()
    return 0


#: young objects between two young collections of the server process (CPython's 700),
#: young collections between two of the middle generation (10), and those between two
#: full ones (10)
SERVER_GC_THRESHOLDS = (10_000, 20, 20)


def _collect_less_often() -> None:
    """A server process collects its young objects every 10,000 allocations, not 700.

    A push of 500 ops allocates tens of thousands of objects that live until its answer
    is sent: at CPython's thresholds each is walked by a dozen young collections and then
    by middle-generation ones, about 3 % of the instructions of ingest (docs/decisions.md,
    "Server ingest: fewer garbage collections"). What the server holds for life is frozen
    at start-up anyway; cycles still go, later. Only here, in the server's own process:
    an embedded server shares the app's process, whose collections the app schedules
    (:mod:`golive_tui.tui.collector`)."""
    gc.set_threshold(*SERVER_GC_THRESHOLDS)


@guarded
def run_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema."""
    from golive_tui.server.migrate import upgrade

    db = admin.open_database(db_url(args), migrate=False)
    try:
        before, after = upgrade(db)
    except Exception as exc:
        raise AdminError(f"Migration failed: {exc}") from None
    finally:
        db.dispose()
    if before == after:
        print(f"The database is up to date (revision {after}).")
    else:
        print(f"Migrated the database from {before or 'empty'} to revision {after}.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``server`` (and ``server migrate``) to the ``golive`` CLI."""
    server = subparsers.add_parser(
        "server",
        help="run the shared backend",
        description="Run the shared backend (FastAPI on uvicorn) over SQLite or PostgreSQL. "
        "The database is migrated first. Settings also come from GOLIVE_SERVER_* variables.",
    )
    db_option(server)
    server.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, help="port to listen on (default 8765)")
    server.add_argument(
        "--log-level", choices=["critical", "error", "warning", "info", "debug"],
        help="how much to log (default info)",
    )
    server.add_argument(
        "--log-format", choices=["text", "json"],
        help="text lines (default), or one JSON object a line with each request's id, "
        "method, path, status, duration, project and user",
    )
    server.add_argument(
        "--metrics-token-file", metavar="PATH",
        help="a file holding the secret that /metrics requires as a bearer token "
        "(or $GOLIVE_SERVER_METRICS_TOKEN); without one, /metrics answers only this machine",
    )
    server.add_argument(
        "--rate-limit", type=float, metavar="PER_SECOND",
        help="requests a second each token may make, on average; past it 429 with "
        "Retry-After (default 0: no limit; per replica)",
    )
    server.add_argument(
        "--rate-limit-burst", type=int, metavar="N",
        help="requests a token may make in a row before the rate applies (default 60)",
    )
    server.add_argument(
        "--keep-changes", dest="change_retention", type=int, metavar="N",
        help="compact the change feed every hour, keeping the newest N changes per project "
        "(default 0: keep all); clients further behind re-bootstrap",
    )
    server.add_argument(
        "--keep-days", dest="change_retention_days", type=float, metavar="D",
        help="compact the change feed every hour, keeping the last D days of changes "
        "(default 0: keep all); with --keep-changes, a change is kept while either keeps it",
    )
    server.set_defaults(handler=run_server)
    server_sub = server.add_subparsers(dest="server_command", metavar="COMMAND")
    migrate = server_sub.add_parser(
        "migrate", help="migrate the database and exit",
        description="Bring the server database to the newest schema and exit.",
    )
    db_option(migrate)
    migrate.set_defaults(handler=run_migrate)
