"""What ``golive admin`` does, as functions: projects, people, tokens, compaction.

Each function opens nothing itself; it takes a migrated :class:`Database` (see
:func:`open_database`) so tests and ``golive demo`` can call them on their own database.
Refusals raise :class:`AdminError` with one line for the person at the terminal.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from golive_tui import resources
from golive_tui.domain.clock import utcnow
from golive_tui.domain.enums import EntityKind, Role
from golive_tui.domain.phone import is_region
from golive_tui.domain.project_doc import DemoDayError, ProjectDocument
from golive_tui.domain.wire import OpResult
from golive_tui.seed import load_demo
from golive_tui.server import accounts, projects, webhooks
from golive_tui.server.accounts import AccountError, IssuedToken
from golive_tui.server.db import Database, DatabaseUrlError
from golive_tui.server.migrate import upgrade
from golive_tui.server.projects import ProjectError, ProjectSummary
from golive_tui.server.settings import ServerSettings
from golive_tui.server.tables import api_token, user_account
from golive_tui.server.webhooks import Delivery, NewWebhook, Webhook, WebhookError

ROLES = ", ".join(r.value for r in Role)


class AdminError(Exception):
    """A refusal worded for people: the CLI prints it on one line and exits with 2."""


def _safe_url(db: Database) -> str:
    return db.url.render_as_string(hide_password=True)


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """The server database at ``url`` (default: the settings'), migrated to the newest schema."""
    target = url or ServerSettings().db_url
    try:
        db = Database(target)
    except DatabaseUrlError as exc:
        raise AdminError(str(exc)) from None
    if migrate:
        try:
            upgrade(db)
        except OperationalError as exc:
            db.dispose()
            raise AdminError(
                f"Cannot open the database {_safe_url(db)}: {str(exc.orig).strip().splitlines()[0]}"
            ) from None
    return db


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise AdminError(f"Unknown role '{value}'; use one of: {ROLES}.") from None


def _load_document(
    *,
    demo: bool,
    fixture: Path | None,
    name: str | None,
    customer: str | None,
    project_id: str | None,
    demo_day: date | None,
    template: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
) -> ProjectDocument | list[tuple[EntityKind, dict[str, object]]]:
    if demo:
        try:
            return load_demo(demo_day=demo_day, project_id=project_id)
        except DemoDayError as exc:
            raise AdminError(str(exc)) from None
        except ValueError as exc:
            raise AdminError(f"The demo fixture could not be loaded: {exc}") from None
    if fixture is not None:
        try:
            data = json.loads(fixture.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AdminError(f"Cannot read {fixture}: {exc.strerror}.") from None
        except json.JSONDecodeError as exc:
            raise AdminError(
                f"{fixture} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from None
        if not isinstance(data, dict):
            raise AdminError(f"{fixture}: a fixture is a JSON object with a 'project' section.")
        try:
            return load_demo(data, demo_day=demo_day, project_id=project_id)
        except ValueError as exc:
            raise AdminError(f"{fixture}: {exc}") from None
    if not name or not customer:
        raise AdminError("Say what to create: --demo, --fixture PATH, or --name N --customer C.")
    if template is not None:
        return _from_template(template, name=name, customer=customer, project_id=project_id,
                              go_live=demo_day, time_zone=time_zone, country=country)
    try:
        record = projects.new_project_record(name, customer, project_id)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    return [(EntityKind.PROJECT, record)]


def _from_template(
    template: str, *, name: str, customer: str, project_id: str | None, go_live: date | None,
    time_zone: str | None, country: str | None,
) -> ProjectDocument:
    """The project template ``template`` made this customer's project."""
    known = resources.project_templates()
    if template not in known:
        raise AdminError(f"There is no project template {template!r}; the templates are: "
                         f"{', '.join(known) or 'none'}.")
    path = resources.project_template_path(template)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AdminError(f"The project template {path} cannot be read: {exc}.") from None
    zone = time_zone or str(data["project"].get("time_zone", "America/New_York"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"--time-zone {zone!r} is not a time zone; give an IANA name such "
                         "as America/Chicago or Europe/London.") from None
    region = (country or str(data["project"].get("country", "US"))).strip().upper()
    if not is_region(region):
        raise AdminError(f"--country {country!r} is not a country code; give the two "
                         "letters of ISO 3166, such as US, CA or GB.")
    data["project"] = {**data["project"], "name": name, "customer": customer,
                       "time_zone": zone, "country": region}
    try:
        return load_demo(data, demo_day=go_live, project_id=project_id or str(uuid.uuid4()))
    except ValueError as exc:
        raise AdminError(f"The project template {template!r} could not be used: {exc}") from None


def create_project(
    db: Database,
    *,
    demo: bool = False,
    fixture: Path | None = None,
    name: str | None = None,
    customer: str | None = None,
    project_id: str | None = None,
    demo_day: date | None = None,
    template: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
) -> tuple[str, int]:
    """Create a project (the demo, a fixture file, a template or an empty one); (id, records).

    With ``template`` the project gets the template's checklist and milestones, due
    relative to ``demo_day`` (its go-live day), and ``name``, ``customer``, ``time_zone``
    and ``country`` of its own.
    """
    doc = _load_document(
        demo=demo, fixture=fixture, name=name, customer=customer, project_id=project_id,
        demo_day=demo_day, template=template, time_zone=time_zone, country=country,
    )
    try:
        return projects.import_project(db, doc)
    except ProjectError as exc:
        raise AdminError(str(exc)) from None


def import_document(
    db: Database, doc: ProjectDocument, *, history: bool = True
) -> tuple[str, int]:
    """Create a project from an already built document (e.g. a generated benchmark project).

    ``history=False`` skips writing every record into the change feed (see
    :func:`golive_tui.server.projects.import_project`): much faster for big projects.
    """
    try:
        return projects.import_project(db, doc, history=history)
    except ProjectError as exc:
        raise AdminError(str(exc)) from None


def add_user(db: Database, name: str, display_name: str = "") -> None:
    try:
        with db.write() as conn:
            accounts.add_user(conn, name, display_name)
    except AccountError as exc:
        raise AdminError(str(exc)) from None


def ensure_user(db: Database, name: str, display_name: str = "") -> None:
    """Add the user unless they exist already."""
    with db.write() as conn:
        if not accounts.user_exists(conn, name):
            accounts.add_user(conn, name, display_name)


def grant(db: Database, user: str, project_id: str, role: str | Role) -> OpResult:
    chosen = role if isinstance(role, Role) else parse_role(role)
    try:
        return projects.grant(db, user, project_id, chosen)
    except (AccountError, ProjectError) as exc:
        raise AdminError(str(exc)) from None


def reopen_project(db: Database, project_id: str, reason: str) -> OpResult:
    """Reopen a closed project with the reason recorded on it."""
    try:
        return projects.reopen(db, project_id, reason)
    except ProjectError as exc:
        raise AdminError(str(exc)) from None


def issue_token(db: Database, user: str) -> IssuedToken:
    try:
        with db.write() as conn:
            return accounts.issue_token(conn, user)
    except AccountError as exc:
        raise AdminError(str(exc)) from None


def revoke_token(db: Database, token_id: str | None = None, *, user: str | None = None) -> int:
    """Revoke one token by id, or every token of ``user``; returns how many were live."""
    if (token_id is None) == (user is None):
        raise AdminError("Give a token id, or --user NAME to revoke all of a user's tokens.")
    try:
        with db.write() as conn:
            if user is not None:
                return accounts.revoke_user_tokens(conn, user)
            assert token_id is not None
            # a whole token pasted by mistake still names its id before the dot
            accounts.revoke_token(conn, token_id.partition(".")[0])
            return 1
    except AccountError as exc:
        raise AdminError(str(exc)) from None


def list_projects(db: Database) -> list[ProjectSummary]:
    return projects.list_projects(db)


def list_users(db: Database) -> list[tuple[str, str, int]]:
    """(name, display name, live tokens) of every user."""
    with db.read() as conn:
        users = conn.execute(
            select(user_account.c.name, user_account.c.display_name).order_by(user_account.c.name)
        ).all()
        live = conn.execute(
            select(api_token.c.user).where(api_token.c.revoked_at.is_(None))
        ).scalars().all()
    return [(str(u.name), str(u.display_name), live.count(u.name)) for u in users]


def compact(
    db: Database, keep: int | None, project_id: str | None = None, *, days: float | None = None
) -> dict[str, int]:
    """Delete old changes: all but the newest ``keep`` and those of the last ``days`` days."""
    if days is not None and days < 0:
        raise AdminError("--days must be 0 or more.")
    before = utcnow() - timedelta(days=days) if days is not None else None
    try:
        return projects.compact(db, keep, project_id, before=before)
    except ProjectError as exc:
        raise AdminError(str(exc)) from None


def add_webhook(
    db: Database, project_id: str, url: str, *, events: str | None = None,
    format: str | None = None, secret: str | None = None,
) -> NewWebhook:
    try:
        return webhooks.add_webhook(db, project_id, url, events=events, format=format,
                                    secret=secret)
    except WebhookError as exc:
        raise AdminError(str(exc)) from None


def list_webhooks(db: Database, project_id: str | None = None) -> list[Webhook]:
    return webhooks.list_webhooks(db, project_id)


def remove_webhook(db: Database, webhook_id: str) -> Webhook:
    try:
        return webhooks.remove_webhook(db, webhook_id)
    except WebhookError as exc:
        raise AdminError(str(exc)) from None


def webhook_deliveries(
    db: Database, webhook_id: str, *, limit: int = 20, status: str | None = None
) -> list[Delivery]:
    try:
        webhooks.get_webhook(db, webhook_id)
    except WebhookError as exc:
        raise AdminError(str(exc)) from None
    return webhooks.list_deliveries(db, webhook_id, limit=limit, status=status)
