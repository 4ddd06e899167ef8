"""``golive status`` and ``golive export``: the project for scripts and spreadsheets.

Both bring the local cache up to the server's head (without sending its queued changes),
then read the cache. When the server cannot be reached they answer from the cache,
say so (``"source": "cache"`` and the last sync time) and exit with
:attr:`ExitCode.OFFLINE`; ``--offline`` asks for the cache alone and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from golive_tui.app.exit_codes import ExitCode
from golive_tui.app.remote import (
    CommandError,
    Connection,
    add_server_arguments,
    exit_code_for,
    normalise_url,
    resolve_connection,
)
from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import Role

if TYPE_CHECKING:
    from golive_tui.domain.portfolio import Portfolio
    from golive_tui.store.local import LocalStore

__all__ = ["EXPORT_SCHEMA_VERSION", "register_scripting"]

EXPORT_SCHEMA_VERSION = 1


def register_scripting(sub: Any, helps: Mapping[str, str]) -> None:
    """Add ``status`` and ``export`` to the ``golive`` command's subparsers."""
    from golive_tui.reports.csv_export import EXPORT_KINDS

    status = sub.add_parser("status", help=helps["status"], description=helps["status"])
    status.add_argument("--json", action="store_true",
                        help="print JSON (its keys are listed in docs/scripting.md)")
    _common(status)
    status.set_defaults(handler=status_command)

    portfolio = sub.add_parser("portfolio", help=helps["portfolio"],
                               description=helps["portfolio"])
    portfolio.add_argument("--json", action="store_true",
                           help="print the server's JSON (its keys are listed in "
                                "docs/scripting.md)")
    portfolio.add_argument("--server", metavar="URL", default=None,
                           help="the golive server (default: the one `golive connect` saved)")
    portfolio.add_argument("--insecure", action="store_true",
                           help="allow sending the token over plain HTTP to another machine")
    portfolio.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                           help="use this profile's connection and token")
    portfolio.set_defaults(handler=portfolio_command)

    export = sub.add_parser("export", help=helps["export"], description=helps["export"])
    export.add_argument("kind", choices=EXPORT_KINDS, help="what to export")
    export.add_argument("--out", type=Path, metavar="FILE",
                        help="write to this file (default: standard output)")
    export.add_argument("--json", action="store_true", help="write JSON instead of CSV")
    export.add_argument("--force", action="store_true",
                        help="replace the --out file if it is there (otherwise refused, or "
                             "asked on a terminal)")
    _common(export)
    export.set_defaults(handler=export_command)

    from golive_tui.reports.documents import REPORT_KINDS

    report = sub.add_parser("report", help=helps["report"], description=helps["report"])
    report.add_argument("kind", choices=REPORT_KINDS, help="which report")
    report.add_argument("--format", choices=("html", "md"), default="html",
                        help="self-contained HTML that prints well (default), or Markdown")
    report.add_argument("--out", type=Path, metavar="FILE",
                        help="write to this file (default: standard output)")
    report.add_argument("--csv", type=Path, metavar="DIR",
                        help="also write each of its tables as DIR/KIND-TABLE.csv")
    report.add_argument("--day", metavar="YYYY-MM-DD",
                        help="the hypercare report's day in the project's zone (default today)")
    report.add_argument("--force", action="store_true",
                        help="replace files that are there (otherwise refused)")
    _common(report)
    report.set_defaults(handler=report_command)


def _common(parser: argparse.ArgumentParser) -> None:
    add_server_arguments(parser)
    parser.add_argument("--offline", action="store_true",
                        help="answer from the local cache without asking the server")
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                        help="use this profile's connection, token and cache")


# -- the cache, brought up to date -----------------------------------------------------------


@dataclass(slots=True)
class Fresh:
    """A cache holding the project, and how fresh it is."""

    store: LocalStore
    source: str
    last_sync: datetime | None
    offline_reason: str | None


def open_project(conn: Connection, *, offline: bool) -> Fresh:
    """The project's cache, synced from the server unless ``offline`` or unreachable."""
    from golive_tui.sync.client import SyncError, Transient

    reason = "--offline: the server was not asked"
    if not offline:
        try:
            return asyncio.run(_pull(conn))
        except Transient as exc:
            reason = exc.message
        except SyncError as exc:
            raise CommandError(exc.message, exit_code_for(exc)) from exc
    return _from_cache(conn, reason)


def _cache_of(conn: Connection, user: str) -> Path:
    """The app's cache when this is the app's server, user and project; else the
    project's own, so a command on another project never disturbs the app's."""
    settings = conn.settings
    apps = (normalise_url(settings.server_url or ""), settings.user, settings.project_id)
    if (conn.server, user, conn.project_id) == apps:
        return settings.cache_path(conn.server, user)
    return settings.cache_path(conn.server, user, project_id=conn.project_id)


async def _pull(conn: Connection) -> Fresh:
    from golive_tui.store.local import LocalStore
    from golive_tui.sync.client import NotFoundError, SyncClient
    from golive_tui.sync.engine import SyncEngine

    async with SyncClient(conn.server, conn.token) as client:
        me = await client.me()
        membership = next((p for p in me.projects if p.project_id == conn.project_id), None)
        if membership is None:
            known = ", ".join(p.project_id for p in me.projects) or "none"
            raise NotFoundError(
                f"{me.user} is not a member of project {conn.project_id} on {conn.server} "
                f"(your projects: {known}).",
                status=404,
            )
        path = _cache_of(conn, me.user)
        store = await asyncio.to_thread(
            LocalStore, path, actor=me.user, role=membership.role, project_id=conn.project_id
        )
        try:
            if store.project_id != conn.project_id:
                raise CommandError(
                    f"the cache {path} holds project {store.project_id}, not "
                    f"{conn.project_id}; open the app on {conn.project_id} once, or move "
                    "that file away.",
                    ExitCode.REFUSED,
                )
            engine = SyncEngine(store, client, conn.project_id, live=False)
            await engine.pull_once()
            return Fresh(store, "server", engine.status.last_sync, None)
        except BaseException:
            store.close()
            raise


def _from_cache(conn: Connection, reason: str) -> Fresh:
    from golive_tui.store.local import LocalStore
    from golive_tui.sync.core import last_sync_of

    if conn.user is not None:
        candidates = [(_cache_of(conn, conn.user), conn.user)]
        candidates = [(p, u) for p, u in candidates if p.exists()]
    else:
        candidates = conn.settings.known_caches(conn.server, conn.project_id)
    for path, user in candidates:
        store = LocalStore(path, actor=user, role=Role.VIEWER)
        if store.project_id == conn.project_id and store.project() is not None:
            return Fresh(store, "cache", last_sync_of(store, conn.project_id), reason)
        store.close()
    raise CommandError(
        f"{reason}\nThere is no cache of project {conn.project_id} from {conn.server} on "
        "this machine yet: it is made the first time this command reaches the server.",
        ExitCode.OFFLINE,
    )


def _run(
    args: argparse.Namespace, body: Callable[[Connection, Fresh], int], err: TextIO
) -> int:
    try:
        conn = resolve_connection(args)
        fresh = open_project(conn, offline=args.offline)
    except CommandError as exc:
        print(f"golive {args.command}: {exc.message}", file=err)
        return exc.code
    try:
        if fresh.source == "cache":
            synced = encode_time(fresh.last_sync) if fresh.last_sync else "never"
            print(f"golive {args.command}: answering from the local cache, last synced "
                  f"{synced} ({fresh.offline_reason})", file=err)
        code = body(conn, fresh)
    except BrokenPipeError:
        # the reader stopped reading (`| head`): it had what it wanted. Standard output is
        # pointed at nothing so that the interpreter's last flush does not fail again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except CommandError as exc:
        print(f"golive {args.command}: {exc.message}", file=err)
        return exc.code
    finally:
        fresh.store.close()
    if code == ExitCode.OK and fresh.source == "cache" and not args.offline:
        return ExitCode.OFFLINE
    return code


# -- golive status ---------------------------------------------------------------------------


def status_command(
    args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    from golive_tui.reports.status import build_status, status_text

    out = out or sys.stdout
    err = err or sys.stderr

    def body(conn: Connection, fresh: Fresh) -> int:
        status = build_status(
            fresh.store, now=datetime.now(UTC), source=fresh.source,
            server=conn.server, last_sync=fresh.last_sync,
            offline_reason=fresh.offline_reason,
        )
        if args.json:
            json.dump(status, out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            for line in status_text(status):
                print(line, file=out)
        return ExitCode.OK

    return _run(args, body, err)


# -- golive portfolio ------------------------------------------------------------------------


def portfolio_command(
    args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Every project of the user from the server (there is no cache of them all)."""
    from golive_tui.reports.portfolio import portfolio_text
    from golive_tui.sync.client import SyncClient, SyncError

    out = out or sys.stdout
    err = err or sys.stderr

    async def fetch(conn: Connection) -> Portfolio:
        async with SyncClient(conn.server, conn.token) as client:
            return await client.portfolio()

    try:
        conn = resolve_connection(args, needs_project=False)
        portfolio = asyncio.run(fetch(conn))
    except CommandError as exc:
        print(f"golive portfolio: {exc.message}", file=err)
        return exc.code
    except SyncError as exc:
        print(f"golive portfolio: {exc.message}", file=err)
        return exit_code_for(exc)
    try:
        if args.json:
            out.write(portfolio.model_dump_json(indent=2))
            out.write("\n")
        else:
            for line in portfolio_text(portfolio):
                print(line, file=out)
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return ExitCode.OK


# -- golive export ---------------------------------------------------------------------------


def export_command(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    from golive_tui.reports.csv_export import export_table, write_csv_to, write_new_file

    out = out or sys.stdout
    err = err or sys.stderr
    stdin = stdin or sys.stdin

    def body(conn: Connection, fresh: Fresh) -> int:
        table = export_table(fresh.store, args.kind)

        def fill(fh: TextIO) -> int:
            if not args.json:
                return write_csv_to(fh, table.columns, table.rows)
            rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
            document = {
                "schema_version": EXPORT_SCHEMA_VERSION,
                "kind": args.kind,
                "project_id": fresh.store.project_id,
                "source": fresh.source,
                "last_sync": encode_time(fresh.last_sync) if fresh.last_sync else None,
                "columns": list(table.columns),
                "rows": rows,
            }
            json.dump(document, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            return len(rows)

        if args.out is None:
            fill(out)
            return ExitCode.OK
        overwrite = bool(args.force) or _may_replace(args.out, stdin, err)
        try:
            count = write_new_file(args.out, fill, overwrite=overwrite)
        except FileExistsError as exc:
            raise CommandError(f"{exc} (or say --force to replace it).",
                               ExitCode.REFUSED) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}",
                               ExitCode.REFUSED) from exc
        print(f"Wrote {count:,} {args.kind} to {args.out} (from the {fresh.source}).",
              file=err)
        return ExitCode.OK

    return _run(args, body, err)


def report_command(
    args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None,
) -> int:
    """Write one report from the project's cache, brought up to date first."""
    from datetime import date

    from golive_tui.reports.csv_export import write_new_file
    from golive_tui.reports.documents import build_report, to_csv, to_html, to_markdown

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        day = date.fromisoformat(args.day) if args.day else None
    except ValueError:
        print(f"golive report: --day {args.day!r} is not a date such as 2026-12-08",
              file=err)
        return ExitCode.USAGE

    def body(conn: Connection, fresh: Fresh) -> int:
        report = build_report(args.kind, fresh.store, now=datetime.now(UTC), day=day)
        text = to_html(report) if args.format == "html" else to_markdown(report)
        files: list[tuple[Path, str]] = []
        if args.out is not None:
            files.append((args.out, text))
        else:
            out.write(text)
        if args.csv is not None:
            args.csv.mkdir(parents=True, exist_ok=True)
            files += [(args.csv / f"{args.kind}-{t.name}.csv", to_csv(t)) for t in report.tables]
        for path, content in files:
            try:
                write_new_file(path, partial(_write_text, content), overwrite=bool(args.force))
            except FileExistsError as exc:
                raise CommandError(f"{exc} (or say --force to replace it).",
                                   ExitCode.REFUSED) from exc
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror or exc}",
                                   ExitCode.REFUSED) from exc
            print(f"Wrote {path}", file=err)
        return ExitCode.OK

    return _run(args, body, err)


def _write_text(content: str, fh: TextIO) -> int:
    return fh.write(content)


def _may_replace(path: Path, stdin: TextIO, err: TextIO) -> bool:
    """Whether the person at the terminal says the file at ``path`` may be replaced."""
    if not path.exists() or not stdin.isatty():
        return False
    print(f"{path} already exists. Replace it? [y/N] ", end="", file=err, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")
