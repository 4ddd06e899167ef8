"""``golive import {numbers,sites,orders} FILE``: a CSV into the project, from a script.

The file is read and previewed against the project as the server has it (the cache is
brought up to date first), line by line as in the app. Nothing is written while any line
has an error or a site value has no site code: the command says which lines and exits
:attr:`ExitCode.REFUSED`. ``--dry-run`` stops after the preview. Otherwise the rows are
written to the cache and sent to the server at once; when the server cannot be reached
they stay queued in the cache (the app sends them when it next syncs), the command says so
and exits :attr:`ExitCode.OFFLINE`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from golive_tui.app.exit_codes import ExitCode
from golive_tui.app.remote import (
    CommandError,
    Connection,
    add_server_arguments,
    exit_code_for,
    resolve_connection,
)
from golive_tui.app.scripting import Fresh, open_project
from golive_tui.domain.enums import Role
from golive_tui.domain.errors import DomainError
from golive_tui.domain.number_import import (
    ImportPreview,
    NumberImportError,
    check_import_size,
    site_key,
    sniff,
)
from golive_tui.store.imports import IMPORT_KINDS, NumbersPlan, plan_numbers, preview_records

if TYPE_CHECKING:
    from golive_tui.domain.record_import import RecordPreview

__all__ = ["IMPORT_SCHEMA_VERSION", "import_command", "register_import"]

IMPORT_SCHEMA_VERSION = 1
#: error lines printed in the text output (the JSON has them all)
SHOWN_LINES = 50


def register_import(sub: Any, helps: Mapping[str, str]) -> None:
    """Add ``import`` to the ``golive`` command's subparsers."""
    parser = sub.add_parser("import", help=helps["import"], description=helps["import"])
    parser.add_argument("kind", choices=IMPORT_KINDS, help="what the file holds")
    parser.add_argument("file", type=Path, metavar="FILE", help="the CSV file")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be imported and write nothing")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--site-map", type=Path, metavar="FILE",
                        help="numbers: a CSV of two columns, the site as the file writes it "
                             "and the site code it means (exact and unique matches need none)")
    add_server_arguments(parser)
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                        help="use this profile's connection, token and cache")
    parser.set_defaults(handler=import_command, offline=False)


def _read_file(path: Path, what: str) -> bytes:
    try:
        check_import_size(path.stat().st_size)
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{what} {path} is not there.", ExitCode.USAGE) from None
    except IsADirectoryError:
        raise CommandError(f"{what} {path} is a folder, not a file.", ExitCode.USAGE) from None
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}",
                           ExitCode.USAGE) from None
    except NumberImportError as exc:
        raise CommandError(f"{path}: {exc}", ExitCode.REFUSED) from None


def _site_map(path: Path | None) -> dict[str, str]:
    """The ``--site-map`` file: site as written → site code."""
    if path is None:
        return {}
    try:
        table = sniff(_read_file(path, "the site map"))
    except NumberImportError as exc:
        raise CommandError(f"{path}: {exc}", ExitCode.REFUSED) from None
    chosen: dict[str, str] = {}
    for line, cells in table.rows:
        values = [c.strip() for c in cells]
        if not any(values):
            continue
        if len(values) < 2 or not values[0] or not values[1]:
            raise CommandError(f"{path}, line {line}: give the site as written and its "
                               "code, such as: Denver HQ,DEN", ExitCode.REFUSED)
        chosen[values[0]] = values[1]
    return chosen


def _writer_role(fresh: Fresh) -> None:
    """An offline cache was opened read-only: the user's role is the one the project's
    member list in the cache gives them."""
    store = fresh.store
    if fresh.source != "cache":
        return
    for member in store.members():
        if member.user == store.actor:
            store.role = Role(member.role)
            return


def import_command(args: argparse.Namespace, *, out: TextIO | None = None,
                   err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        data = _read_file(args.file, "the file")
        table = sniff(data)
        chosen = _site_map(args.site_map)
        if chosen and args.kind != "numbers":
            raise CommandError("--site-map goes with golive import numbers.", ExitCode.USAGE)
        conn = resolve_connection(args)
        fresh = open_project(conn, offline=False)
    except NumberImportError as exc:
        print(f"golive import: {args.file}: {exc}. Nothing was imported.", file=err)
        return ExitCode.REFUSED
    except CommandError as exc:
        print(f"golive import: {exc.message}", file=err)
        return exc.code
    try:
        return _import(args, conn, fresh, table, chosen, out, err)
    except CommandError as exc:
        print(f"golive import: {exc.message}", file=err)
        return exc.code
    finally:
        fresh.store.close()


def _import(args: argparse.Namespace, conn: Connection, fresh: Fresh, table: Any,
            chosen: dict[str, str], out: TextIO, err: TextIO) -> int:
    report: dict[str, Any] = {
        "schema_version": IMPORT_SCHEMA_VERSION, "kind": args.kind, "file": str(args.file),
        "project_id": conn.project_id, "source": fresh.source, "dry_run": bool(args.dry_run),
        "warnings": list(table.warnings), "written": 0, "queued": False,
    }
    if fresh.source == "cache":
        report["warnings"].append(f"the server could not be reached ({fresh.offline_reason}); "
                                  "checked against the local cache")
    plan: NumbersPlan | None = None
    preview: ImportPreview | RecordPreview | None
    if args.kind == "numbers":
        plan = plan_numbers(fresh.store, table, chosen=chosen)
        preview = plan.preview
        if preview is None:
            raise CommandError(f"{args.file}: no column holds phone numbers (the columns "
                               f"are: {', '.join(table.headers)}). Nothing was imported.",
                               ExitCode.REFUSED)
        _describe_numbers(plan, preview, report)
    else:
        try:
            preview = preview_records(fresh.store, args.kind, table, datetime.now(UTC))
        except NumberImportError as exc:
            raise CommandError(f"{args.file}: {exc}. Nothing was imported.",
                               ExitCode.REFUSED) from None
        _describe_records(preview, report)
    report["summary"] = preview.summary()
    blocked = bool(report["errors"]) or bool(report.get("unmapped_sites"))
    code: int = ExitCode.OK
    if blocked:
        report["outcome"] = "refused: nothing was imported"
        code = ExitCode.REFUSED
    elif args.dry_run:
        report["outcome"] = "dry run: nothing was imported"
    elif not preview.rows:
        report["outcome"] = "nothing to import"
        if fresh.source == "server" and fresh.store.outbox_count():
            code = _send_queued(fresh, conn, report, "nothing new to import")
    else:
        code = _write(fresh, conn, preview, report)
    _print(report, args.json, out, err)
    return code


def _describe_numbers(plan: NumbersPlan, preview: ImportPreview, report: dict[str, Any]) -> None:
    report["ready"] = preview.valid_count
    report["errors"] = [{"line": e.line, "raw": e.raw, "reason": e.reason}
                        for e in preview.errors]
    report["duplicates"] = [{"line": d.line, "number": d.e164, "first_line": d.first_line}
                            for d in preview.duplicates]
    report["already_present"] = [{"line": p.line, "number": p.e164}
                                 for p in preview.already_present]
    report["blank_lines"] = list(preview.blank_lines)
    report["review"] = [{"line": r.line, "number": r.raw, "reason": r.reason}
                        for r in preview.review]
    report["site_map"] = [{"value": m.value, "code": plan.site_map.get(site_key(m.value)),
                           "how": m.how if site_key(m.value) not in plan.site_map
                           or m.code == plan.site_map[site_key(m.value)] else "chosen",
                           "candidates": list(m.candidates)} for m in plan.matches]
    report["unmapped_sites"] = [
        {"value": m.value, "candidates": list(m.candidates)} for m in plan.unmapped]
    toll_free = preview.toll_free
    report["toll_free"] = [row.e164 for row in toll_free]
    if any(row.order is None for row in toll_free):
        report["proposed_orders"] = [{
            "toll_free": True,
            "numbers": [row.e164 for row in toll_free if row.order is None],
            "why": "toll-free numbers port on an order of their own, with a separate LOA "
                   "and the RespOrg that controls them; import it with golive import "
                   "orders (toll free: yes, RespOrg) and name it in the order column",
        }]


def _describe_records(preview: RecordPreview, report: dict[str, Any]) -> None:
    report["ready"] = preview.valid_count
    report["errors"] = [{"line": line, "raw": raw, "reason": reason}
                        for line, raw, reason in preview.errors]
    report["duplicates"] = [{"line": line, "key": key, "first_line": first}
                            for line, key, first in preview.duplicates]
    report["already_present"] = [{"line": line, "key": key}
                                 for line, key in preview.already_present]
    report["blank_lines"] = list(preview.blank_lines)


def _write(fresh: Fresh, conn: Connection, preview: ImportPreview | RecordPreview,
           report: dict[str, Any]) -> int:
    from golive_tui.store.imports import write_import

    _writer_role(fresh)
    try:
        outcome = write_import(fresh.store, preview)
    except DomainError as exc:
        report["outcome"] = f"refused: {exc.message}; nothing was imported"
        return ExitCode.REFUSED
    report["written"] = len(outcome.applied)
    if fresh.source == "cache":
        report["queued"] = True
        report["outcome"] = (f"queued in the local cache: {len(outcome.applied):,} records wait "
                             "for the server and are sent at the next sync (golive, or this "
                             "command again)")
        return ExitCode.OFFLINE
    return _send_queued(fresh, conn, report, f"imported {len(outcome.applied):,}")


def _send_queued(fresh: Fresh, conn: Connection, report: dict[str, Any], done: str) -> int:
    """Send what the cache has queued (this import's rows, and any left by an earlier run
    that could not reach the server) and say how it went."""
    from golive_tui.sync.client import SyncError, Transient

    queued = fresh.store.outbox_count()
    try:
        problems = asyncio.run(_push(conn, fresh))
    except Transient as exc:
        report["queued"] = True
        report["outcome"] = (f"queued in the local cache: the server could not be reached "
                             f"({exc.message}); sent at the next sync")
        return ExitCode.OFFLINE
    except SyncError as exc:
        report["queued"] = True
        report["outcome"] = f"queued in the local cache: the server said {exc.message}"
        return exit_code_for(exc)
    if problems:
        report["outcome"] = (f"the server refused {len(problems):,} of them: "
                             f"{problems[0]}; open golive to review them")
        return ExitCode.REFUSED
    report["sent"] = queued
    report["outcome"] = f"{done}; sent {queued:,} queued changes to {conn.server}"
    return ExitCode.OK


async def _push(conn: Connection, fresh: Fresh) -> list[str]:
    """Send the cache's queue; the server's refusals, as sentences."""
    from golive_tui.sync.client import SyncClient
    from golive_tui.sync.engine import SyncEngine

    before = {p.op_id for p in fresh.store.problems()}
    async with SyncClient(conn.server, conn.token) as client:
        await SyncEngine(fresh.store, client, conn.project_id, live=False).sync_once()
    return [p.message or p.code for p in fresh.store.problems() if p.op_id not in before]


def _print(report: dict[str, Any], as_json: bool, out: TextIO, err: TextIO) -> None:
    if as_json:
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=err)
    print(report["summary"], file=out)
    for match in report.get("site_map", []):
        if match["code"] is not None and match["how"] != "exact":
            print(f"site '{match['value']}' → {match['code']} ({match['how']} match)", file=out)
    for error in report["errors"][:SHOWN_LINES]:
        raw = f" {error['raw']}:" if error["raw"] else ""
        print(f"line {error['line']}:{raw} {error['reason']}", file=out)
    if len(report["errors"]) > SHOWN_LINES:
        print(f"… and {len(report['errors']) - SHOWN_LINES:,} more lines with errors "
              "(--json lists them all)", file=out)
    for entry in report.get("unmapped_sites", []):
        some = (f"; it could be {' or '.join(entry['candidates'])}" if entry["candidates"]
                else "; no site has that name or code")
        print(f"site '{entry['value']}' is not one of the project's sites{some}. Say which "
              "in a --site-map file (site as written,site code)", file=out)
    for review in report.get("review", [])[:SHOWN_LINES]:
        print(f"line {review['line']}: {review['number']} held for review: {review['reason']}",
              file=out)
    for proposal in report.get("proposed_orders", []):
        print(f"{len(proposal['numbers']):,} toll-free numbers have no order: {proposal['why']}",
              file=out)
    print(report["outcome"][0].upper() + report["outcome"][1:] + ".", file=err)
