"""``golive admin``: projects, users, tokens, compaction, backup and restore, straight on
the server's database (no server needed); ``golive admin webhook`` is in :mod:`.webhook`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from golive_tui.server import admin
from golive_tui.server.admin import AdminError
from golive_tui.server.cli import webhook
from golive_tui.server.cli.common import (
    Handler,
    add_command,
    db_option,
    db_url,
    guarded,
    print_help,
    with_db,
)
from golive_tui.server.settings import ServerSettings


@guarded
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
    with with_db(args) as db:
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
    print(project_id)
    print(f"Created project {project_id} with {count:,} records. Give people access with: "
          f"golive admin grant USER {project_id} ROLE", file=sys.stderr)
    return 0


@guarded
def cmd_add_user(args: argparse.Namespace) -> int:
    """Add a person who can sign in."""
    with with_db(args) as db:
        admin.add_user(db, args.name, args.display_name or "")
    print(f"Added user {args.name}. Next: golive admin issue-token {args.name}", file=sys.stderr)
    return 0


@guarded
def cmd_grant(args: argparse.Namespace) -> int:
    """Give a user a role in a project (through the change feed, like any edit)."""
    role = admin.parse_role(args.role)
    with with_db(args) as db:
        result = admin.grant(db, args.user, args.project, role)
    print(f"{args.user} is now {role.value} in project {args.project} (change {result.seq}).",
          file=sys.stderr)
    return 0


@guarded
def cmd_reopen_project(args: argparse.Namespace) -> int:
    """Reopen a closed project (read-only until then), recording why."""
    with with_db(args) as db:
        result = admin.reopen_project(db, args.project, args.reason)
    print(f"Project {args.project} is open again (change {result.seq}).", file=sys.stderr)
    return 0


@guarded
def cmd_issue_token(args: argparse.Namespace) -> int:
    """Issue a token for a user and print it, once."""
    with with_db(args) as db:
        issued = admin.issue_token(db, args.user)
    print(issued.token)
    print(f"Token {issued.id} for {issued.user}: shown once, only its hash is kept. "
          f"Revoke it with: golive admin revoke-token {issued.id}", file=sys.stderr)
    return 0


@guarded
def cmd_revoke_token(args: argparse.Namespace) -> int:
    """Revoke one token by id, or every token of a user."""
    with with_db(args) as db:
        count = admin.revoke_token(db, args.token_id, user=args.user)
    if args.user:
        print(f"Revoked {count} token{'s' if count != 1 else ''} of {args.user}.", file=sys.stderr)
    else:
        print(f"Revoked token {args.token_id.partition('.')[0]}.", file=sys.stderr)
    return 0


@guarded
def cmd_list_projects(args: argparse.Namespace) -> int:
    """List the projects on this server."""
    with with_db(args) as db:
        rows = admin.list_projects(db)
    if not rows:
        print("No projects yet. Create one with: golive admin create-project --demo",
              file=sys.stderr)
        return 0
    print(f"{'ID':36}  {'SEQ':>8}  {'KEPT FROM':>9}  {'MEMBERS':>7}  NAME (CUSTOMER)")
    for p in rows:
        print(f"{p.id:36}  {p.server_seq:>8}  {p.compacted_through + 1:>9}  {p.members:>7}  "
              f"{p.name} ({p.customer})")
    return 0


@guarded
def cmd_list_users(args: argparse.Namespace) -> int:
    """List the people who can sign in."""
    with with_db(args) as db:
        rows = admin.list_users(db)
    for name, display, live in rows:
        print(f"{name:30}  {live:>2} token{'s' if live != 1 else ' '}  {display}")
    return 0


@guarded
def cmd_compact(args: argparse.Namespace) -> int:
    """Delete old changes, keeping the newest N per project and those of the last D days."""
    keep, days = args.keep, args.days
    if keep is None and days is None:
        settings = ServerSettings()
        keep = settings.change_retention or None
        days = settings.change_retention_days or None
    if keep is None and days is None:
        raise AdminError("Say what to keep per project: --keep N changes, --days D, or both.")
    with with_db(args) as db:
        done = admin.compact(db, keep, args.project, days=days)
    total = sum(done.values())
    print(f"Deleted {total:,} old change{'s' if total != 1 else ''} from {len(done)} "
          f"project{'s' if len(done) != 1 else ''}; clients behind that re-bootstrap from a "
          "snapshot.", file=sys.stderr)
    return 0


@guarded
def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database to FILE, consistently, while the server runs."""
    from golive_tui.server.backup import BackupError, backup, describe

    try:
        made = backup(db_url(args) or ServerSettings().db_url, Path(args.file), force=args.force)
    except BackupError as exc:
        raise AdminError(str(exc)) from None
    describe(made, sys.stdout)
    print(f"Restore it with: golive admin restore {made.path}", file=sys.stderr)
    return 0


@guarded
def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a backup, then migrate it to this release's schema."""
    from golive_tui.server.backup import BackupError, describe, restore

    try:
        restored, revision = restore(
            Path(args.file), db_url(args) or ServerSettings().db_url, force=args.force
        )
    except BackupError as exc:
        raise AdminError(str(exc)) from None
    describe(restored, sys.stdout)
    print(f"Restored; the database is at schema revision {revision}. Clients that are ahead of "
          "it download a fresh snapshot and keep their unsent changes.", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``admin`` and its commands to the ``golive`` CLI."""
    adm = subparsers.add_parser(
        "admin",
        help="manage projects, users and tokens of the shared backend",
        description="Manage the shared backend's database directly (no server needed).",
    )
    db_option(adm)
    adm.set_defaults(handler=lambda _args: print_help(adm))
    sub = adm.add_subparsers(dest="admin_command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        return add_command(sub, name, handler, help_text)

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

    hook = command("webhook", lambda _args: print_help(hook),
                   "send a project's events to chat or another system (outbound webhooks)")
    webhook.register(hook)
