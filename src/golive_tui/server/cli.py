"""``golive server`` and ``golive admin``: argparse wiring for the shared backend.

:func:`register` adds both commands to the ``golive`` CLI's subparsers. Every parser it adds
sets ``handler`` (``args.handler(args) -> int``, the exit code), so the caller dispatches
with ``return args.handler(args)``. Refusals print one line on stderr and exit with 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from golive_tui.domain.notifications import EventKind
from golive_tui.server import admin
from golive_tui.server.admin import AdminError
from golive_tui.server.db import Database
from golive_tui.server.settings import ServerSettings

Handler = Callable[[argparse.Namespace], int]

_DB_HELP = (
    "the server database: sqlite:///PATH or postgresql://USER@HOST/DB "
    "(default: $GOLIVE_SERVER_DB_URL, else server.db in the user data folder)"
)


def _db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's --db must not reset one given before the subcommand
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=_DB_HELP)


def _db_url(args: argparse.Namespace) -> str | None:
    url: str | None = getattr(args, "db", None)
    return url


def _guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except AdminError as exc:
            print(f"golive: {exc}", file=sys.stderr)
            return 2

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


# --------------------------------------------------------------------------- server


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
    if _db_url(args):
        overrides["db_url"] = _db_url(args)
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


@_guarded
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


@_guarded
def run_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema."""
    from golive_tui.server.migrate import upgrade

    db = admin.open_database(_db_url(args), migrate=False)
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


# --------------------------------------------------------------------------- admin


def _with_db(args: argparse.Namespace) -> Database:
    return admin.open_database(_db_url(args))


@_guarded
def cmd_create_project(args: argparse.Namespace) -> int:
    """Create a project from the demo, a fixture file, or a name and a customer."""
    if not (args.demo or args.fixture or (args.name and args.customer)):
        raise AdminError("Say what to create: --demo, --fixture PATH, or --name N --customer C "
                         "(with --template standard for a rollout's checklist and milestones).")
    if (args.name is None) != (args.customer is None):
        raise AdminError("A new project needs both --name and --customer.")
    if args.template is None and (args.time_zone or args.country or args.go_live):
        raise AdminError("--time-zone, --country and --go-live go with --template.")
    demo_day = None
    for option, value in (("--demo-day", args.demo_day), ("--go-live", args.go_live)):
        if value:
            try:
                demo_day = date.fromisoformat(value)
            except ValueError:
                raise AdminError(f"{option} {value!r} is not a date like 2026-11-26.") from None
    db = _with_db(args)
    try:
        project_id, count = admin.create_project(
            db,
            demo=args.demo,
            fixture=Path(args.fixture) if args.fixture else None,
            name=args.name,
            customer=args.customer,
            project_id=args.id,
            demo_day=demo_day,
            template=args.template,
            time_zone=args.time_zone,
            country=args.country,
        )
    finally:
        db.dispose()
    print(project_id)
    print(f"Created project {project_id} with {count:,} records. Give people access with: "
          f"golive admin grant USER {project_id} ROLE", file=sys.stderr)
    return 0


@_guarded
def cmd_add_user(args: argparse.Namespace) -> int:
    """Add a person who can sign in."""
    db = _with_db(args)
    try:
        admin.add_user(db, args.name, args.display_name or "")
    finally:
        db.dispose()
    print(f"Added user {args.name}. Next: golive admin issue-token {args.name}", file=sys.stderr)
    return 0


@_guarded
def cmd_grant(args: argparse.Namespace) -> int:
    """Give a user a role in a project (through the change feed, like any edit)."""
    role = admin.parse_role(args.role)
    db = _with_db(args)
    try:
        result = admin.grant(db, args.user, args.project, role)
    finally:
        db.dispose()
    print(f"{args.user} is now {role.value} in project {args.project} (change {result.seq}).",
          file=sys.stderr)
    return 0


@_guarded
def cmd_reopen_project(args: argparse.Namespace) -> int:
    """Reopen a closed project (read-only until then), recording why."""
    db = _with_db(args)
    try:
        result = admin.reopen_project(db, args.project, args.reason)
    finally:
        db.dispose()
    print(f"Project {args.project} is open again (change {result.seq}).", file=sys.stderr)
    return 0


@_guarded
def cmd_issue_token(args: argparse.Namespace) -> int:
    """Issue a token for a user and print it, once."""
    db = _with_db(args)
    try:
        issued = admin.issue_token(db, args.user)
    finally:
        db.dispose()
    print(issued.token)
    print(f"Token {issued.id} for {issued.user}: shown once, only its hash is kept. "
          f"Revoke it with: golive admin revoke-token {issued.id}", file=sys.stderr)
    return 0


@_guarded
def cmd_revoke_token(args: argparse.Namespace) -> int:
    """Revoke one token by id, or every token of a user."""
    db = _with_db(args)
    try:
        count = admin.revoke_token(db, args.token_id, user=args.user)
    finally:
        db.dispose()
    if args.user:
        print(f"Revoked {count} token{'s' if count != 1 else ''} of {args.user}.", file=sys.stderr)
    else:
        print(f"Revoked token {args.token_id.partition('.')[0]}.", file=sys.stderr)
    return 0


@_guarded
def cmd_list_projects(args: argparse.Namespace) -> int:
    """List the projects on this server."""
    db = _with_db(args)
    try:
        rows = admin.list_projects(db)
    finally:
        db.dispose()
    if not rows:
        print("No projects yet. Create one with: golive admin create-project --demo",
              file=sys.stderr)
        return 0
    print(f"{'ID':36}  {'SEQ':>8}  {'KEPT FROM':>9}  {'MEMBERS':>7}  NAME (CUSTOMER)")
    for p in rows:
        print(f"{p.id:36}  {p.server_seq:>8}  {p.compacted_through + 1:>9}  {p.members:>7}  "
              f"{p.name} ({p.customer})")
    return 0


@_guarded
def cmd_list_users(args: argparse.Namespace) -> int:
    """List the people who can sign in."""
    db = _with_db(args)
    try:
        rows = admin.list_users(db)
    finally:
        db.dispose()
    for name, display, live in rows:
        print(f"{name:30}  {live:>2} token{'s' if live != 1 else ' '}  {display}")
    return 0


@_guarded
def cmd_compact(args: argparse.Namespace) -> int:
    """Delete old changes, keeping the newest N per project and those of the last D days."""
    keep, days = args.keep, args.days
    if keep is None and days is None:
        settings = ServerSettings()
        keep = settings.change_retention or None
        days = settings.change_retention_days or None
    if keep is None and days is None:
        raise AdminError("Say what to keep per project: --keep N changes, --days D, or both.")
    db = _with_db(args)
    try:
        done = admin.compact(db, keep, args.project, days=days)
    finally:
        db.dispose()
    total = sum(done.values())
    print(f"Deleted {total:,} old change{'s' if total != 1 else ''} from {len(done)} "
          f"project{'s' if len(done) != 1 else ''}; clients behind that re-bootstrap from a "
          "snapshot.", file=sys.stderr)
    return 0


@_guarded
def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database to FILE, consistently, while the server runs."""
    from golive_tui.server.backup import BackupError, backup, describe

    try:
        made = backup(_db_url(args) or ServerSettings().db_url, Path(args.file), force=args.force)
    except BackupError as exc:
        raise AdminError(str(exc)) from None
    describe(made, sys.stdout)
    print(f"Restore it with: golive admin restore {made.path}", file=sys.stderr)
    return 0


@_guarded
def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a backup, then migrate it to this release's schema."""
    from golive_tui.server.backup import BackupError, describe, restore

    try:
        restored, revision = restore(
            Path(args.file), _db_url(args) or ServerSettings().db_url, force=args.force
        )
    except BackupError as exc:
        raise AdminError(str(exc)) from None
    describe(restored, sys.stdout)
    print(f"Restored; the database is at schema revision {revision}. Clients that are ahead of "
          "it download a fresh snapshot and keep their unsent changes.", file=sys.stderr)
    return 0


@_guarded
def cmd_webhook_add(args: argparse.Namespace) -> int:
    """Send a project's events to a URL, signed with a secret."""
    secret = None
    if args.secret_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise AdminError("--secret-stdin: nothing was read; pipe the secret in, or leave "
                             "the option out to have one generated.")
    db = _with_db(args)
    try:
        new = admin.add_webhook(db, args.project, args.url, events=args.events,
                                format=args.format, secret=secret)
    finally:
        db.dispose()
    hook = new.webhook
    print(hook.id)
    if secret is None:
        print(f"Signing secret (shown once): {new.secret}", file=sys.stderr)
    print(f"Webhook {hook.id} sends {', '.join(e.value for e in hook.events)} of project "
          f"{hook.project_id} to {hook.url} as {hook.format}. See its deliveries with: "
          f"golive admin webhook deliveries {hook.id}", file=sys.stderr)
    return 0


@_guarded
def cmd_webhook_list(args: argparse.Namespace) -> int:
    """List the webhooks (of one project, or of all)."""
    db = _with_db(args)
    try:
        hooks = admin.list_webhooks(db, args.project)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([h.as_json() for h in hooks], indent=2))
        return 0
    if not hooks:
        print("No webhooks. Add one with: golive admin webhook add PROJECT URL", file=sys.stderr)
        return 0
    print(f"{'ID':12}  {'PROJECT':36}  {'FORMAT':6}  URL / EVENTS")
    for h in hooks:
        print(f"{h.id:12}  {h.project_id:36}  {h.format:6}  {h.url}")
        print(f"{'':12}  {'':36}  {'':6}  {', '.join(e.value for e in h.events)}")
    return 0


@_guarded
def cmd_webhook_remove(args: argparse.Namespace) -> int:
    """Remove a webhook, its queued deliveries and their log."""
    db = _with_db(args)
    try:
        hook = admin.remove_webhook(db, args.webhook_id)
    finally:
        db.dispose()
    print(f"Removed webhook {hook.id} ({hook.url}) of project {hook.project_id}.",
          file=sys.stderr)
    return 0


@_guarded
def cmd_webhook_deliveries(args: argparse.Namespace) -> int:
    """Show a webhook's newest deliveries and every attempt to send them."""
    db = _with_db(args)
    try:
        found = admin.webhook_deliveries(db, args.webhook_id, limit=args.limit,
                                         status=args.status)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([d.as_json() for d in found], indent=2))
        return 0
    if not found:
        print(f"Webhook {args.webhook_id} has no deliveries yet.", file=sys.stderr)
        return 0
    for d in found:
        print(f"{d.created_at:%Y-%m-%d %H:%M:%S}Z  {d.status:9}  {d.event:17}  {d.id}")
        print(f"    {d.summary}")
        for a in d.log:
            answer = f"HTTP {a.status_code}" if a.status_code is not None else "no answer"
            error = f"  {a.error}" if a.error else ""
            print(f"    attempt {a.attempt:>2}  {a.at:%H:%M:%S}Z  {answer}  "
                  f"{a.duration_ms} ms{error}")
        if d.next_attempt_at is not None and d.log:
            print(f"    next attempt at {d.next_attempt_at:%H:%M:%S}Z")
    return 0


# --------------------------------------------------------------------------- wiring


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``server`` and ``admin`` to the ``golive`` CLI (each parser sets ``handler``)."""
    server = subparsers.add_parser(
        "server",
        help="run the shared backend",
        description="Run the shared backend (FastAPI on uvicorn) over SQLite or PostgreSQL. "
        "The database is migrated first. Settings also come from GOLIVE_SERVER_* variables.",
    )
    _db_option(server)
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
    _db_option(migrate)
    migrate.set_defaults(handler=run_migrate)

    adm = subparsers.add_parser(
        "admin",
        help="manage projects, users and tokens of the shared backend",
        description="Manage the shared backend's database directly (no server needed).",
    )
    _db_option(adm)
    def admin_help(_args: argparse.Namespace) -> int:
        adm.print_help(sys.stderr)
        return 2

    adm.set_defaults(handler=admin_help)
    sub = adm.add_subparsers(dest="admin_command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        _db_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    create = command("create-project", cmd_create_project,
                     "create a project: the demo, a fixture file, a template or an empty one")
    what = create.add_mutually_exclusive_group()
    what.add_argument("--demo", action="store_true", help="the demo go-live")
    what.add_argument("--fixture", metavar="PATH", help="a fixture file shaped like the demo")
    what.add_argument("--template", metavar="NAME",
                      help="a project template's checklist and milestones (standard: a "
                           "typical Zoom Phone rollout); sites, orders and numbers then come "
                           "in with golive import")
    create.add_argument("--name", help="the new project's name")
    create.add_argument("--customer", help="the new project's customer")
    create.add_argument("--time-zone", metavar="ZONE",
                        help="with --template: the project's IANA time zone "
                             "(default America/New_York)")
    create.add_argument("--country", metavar="CC",
                        help="with --template: the country of its numbers (default US)")
    create.add_argument("--go-live", metavar="YYYY-MM-DD",
                        help="with --template: the go-live day its due dates count from "
                             "(default: today if a weekday, else the next Monday)")
    create.add_argument("--id", metavar="PROJECT_ID", help="the project's id (default: derived)")
    create.add_argument("--demo-day", metavar="YYYY-MM-DD",
                        help="the day the demo's relative times are anchored to")

    user = command("add-user", cmd_add_user, "add a person who can sign in")
    user.add_argument("name", metavar="NAME")
    user.add_argument("--display-name", help="the name shown to others")

    grant = command("grant", cmd_grant, "give a user a role in a project")
    grant.add_argument("user", metavar="USER")
    grant.add_argument("project", metavar="PROJECT")
    grant.add_argument("role", metavar="ROLE", help=f"one of: {admin.ROLES}")

    reopen = command("reopen-project", cmd_reopen_project,
                     "reopen a closed project (closed projects are read-only), with a reason")
    reopen.add_argument("project", metavar="PROJECT")
    reopen.add_argument("--reason", required=True, help="why it is reopened (recorded)")

    issue = command("issue-token", cmd_issue_token, "issue a token for a user (printed once)")
    issue.add_argument("user", metavar="USER")

    revoke = command("revoke-token", cmd_revoke_token, "revoke a token, or all of a user's")
    revoke.add_argument("token_id", metavar="TOKEN_ID", nargs="?")
    revoke.add_argument("--user", help="revoke every token of this user")

    command("list-projects", cmd_list_projects, "list the projects on this server")
    command("list-users", cmd_list_users, "list the people who can sign in")

    comp = command("compact", cmd_compact,
                   "delete old changes, keeping the newest N and the last D days per project")
    comp.add_argument("--keep", type=int, metavar="N",
                      help="changes to keep per project (default $GOLIVE_SERVER_CHANGE_RETENTION)")
    comp.add_argument("--days", type=float, metavar="D",
                      help="keep the changes of the last D days too "
                      "(default $GOLIVE_SERVER_CHANGE_RETENTION_DAYS)")
    comp.add_argument("--project", metavar="PROJECT", help="only this project")

    back = command("backup", cmd_backup,
                   "copy the SQLite database to FILE while the server runs "
                   "(PostgreSQL: prints the pg_dump to run)")
    back.add_argument("file", metavar="FILE")
    back.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    rest = command("restore", cmd_restore,
                   "replace the SQLite database with a backup FILE and migrate it "
                   "(PostgreSQL: prints the pg_restore to run)")
    rest.add_argument("file", metavar="FILE")
    rest.add_argument("--force", action="store_true",
                      help="restore even though a server is running on the database")

    hook = command("webhook", lambda _args: _webhook_help(hook),
                   "send a project's events to chat or another system (outbound webhooks)")
    hook_sub = hook.add_subparsers(dest="webhook_command", metavar="COMMAND")

    def hook_command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = hook_sub.add_parser(name, help=help_text, description=help_text)
        _db_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    add = hook_command("add", cmd_webhook_add, "send a project's events to a URL")
    add.add_argument("project", metavar="PROJECT")
    add.add_argument("url", metavar="URL")
    add.add_argument("--events", metavar="LIST",
                     help="comma-separated events, or all (default): "
                          + ", ".join(e.value for e in EventKind))
    add.add_argument("--format", choices=["json", "slack", "teams"], default="json",
                     help="the body: signed JSON (default), a Slack or a Teams message")
    add.add_argument("--secret-stdin", action="store_true",
                     help="read the signing secret from standard input (default: generate one)")
    hook_list = hook_command("list", cmd_webhook_list, "list webhooks")
    hook_list.add_argument("--project", metavar="PROJECT", help="only this project's")
    hook_list.add_argument("--json", action="store_true", help="as JSON")
    rm = hook_command("remove", cmd_webhook_remove,
                      "remove a webhook with its queued deliveries and their log")
    rm.add_argument("webhook_id", metavar="WEBHOOK_ID")
    log_cmd = hook_command("deliveries", cmd_webhook_deliveries,
                           "show a webhook's deliveries and every attempt to send them")
    log_cmd.add_argument("webhook_id", metavar="WEBHOOK_ID")
    log_cmd.add_argument("--limit", type=int, default=20, metavar="N",
                         help="the newest N deliveries (default 20)")
    log_cmd.add_argument("--status", choices=["pending", "delivered", "failed"],
                         help="only deliveries in this state")
    log_cmd.add_argument("--json", action="store_true", help="as JSON")


def _webhook_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2



def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive_tui.server``: the same commands without the rest of ``golive``."""
    parser = argparse.ArgumentParser(prog="golive", description="golive shared backend")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(subparsers)
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    return handler(args)
