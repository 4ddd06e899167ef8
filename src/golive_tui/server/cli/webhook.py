"""``golive admin webhook``: add, list and remove a project's outbound webhooks, and show
their deliveries."""

from __future__ import annotations

import argparse
import json
import sys

from golive_tui.domain.notifications import EventKind
from golive_tui.server import admin
from golive_tui.server.admin import AdminError
from golive_tui.server.cli.common import Handler, add_command, guarded, with_db


@guarded
def cmd_webhook_add(args: argparse.Namespace) -> int:
    """Send a project's events to a URL, signed with a secret."""
    secret = None
    if args.secret_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise AdminError("--secret-stdin: nothing was read; pipe the secret in, or leave "
                             "the option out to have one generated.")
    with with_db(args) as db:
        new = admin.add_webhook(db, args.project, args.url, events=args.events,
                                format=args.format, secret=secret)
    hook = new.webhook
    print(hook.id)
    if secret is None:
        print(f"Signing secret (shown once): {new.secret}", file=sys.stderr)
    print(f"Webhook {hook.id} sends {', '.join(e.value for e in hook.events)} of project "
          f"{hook.project_id} to {hook.url} as {hook.format}. See its deliveries with: "
          f"golive admin webhook deliveries {hook.id}", file=sys.stderr)
    return 0


@guarded
def cmd_webhook_list(args: argparse.Namespace) -> int:
    """List the webhooks (of one project, or of all)."""
    with with_db(args) as db:
        hooks = admin.list_webhooks(db, args.project)
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


@guarded
def cmd_webhook_remove(args: argparse.Namespace) -> int:
    """Remove a webhook, its queued deliveries and their log."""
    with with_db(args) as db:
        hook = admin.remove_webhook(db, args.webhook_id)
    print(f"Removed webhook {hook.id} ({hook.url}) of project {hook.project_id}.",
          file=sys.stderr)
    return 0


@guarded
def cmd_webhook_deliveries(args: argparse.Namespace) -> int:
    """Show a webhook's newest deliveries and every attempt to send them."""
    with with_db(args) as db:
        found = admin.webhook_deliveries(db, args.webhook_id, limit=args.limit,
                                         status=args.status)
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


def register(hook: argparse.ArgumentParser) -> None:
    """Add the webhook commands under ``golive admin webhook``."""
    hook_sub = hook.add_subparsers(dest="webhook_command", metavar="COMMAND")

    def hook_command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        return add_command(hook_sub, name, handler, help_text)

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
