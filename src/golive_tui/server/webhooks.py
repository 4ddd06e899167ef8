"""Outbound webhooks of a project: their configuration, and the outbox they are sent from.

An event (:mod:`golive_tui.domain.notifications`) becomes one ``webhook_delivery`` row per
webhook of the project that subscribes to it, inserted in the write transaction of the
change that raised it (:class:`Notices`): if the change commits, so does its delivery, and
a server that dies afterwards leaves it in the outbox for the next one to send
(:mod:`golive_tui.server.delivery`). A project without webhooks costs one indexed read
per write transaction that touches an entity an event or the gate looks at, nothing per op.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select

from golive_tui.domain.clock import utcnow
from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import OPEN_ISSUE_STATES, EntityKind
from golive_tui.domain.notifications import (
    EVENT_KINDS,
    GATE_KINDS,
    Event,
    EventKind,
    events_of_change,
    gate_event,
    gate_scopes,
    sla_warnings,
)
from golive_tui.server import rows
from golive_tui.server.db import Database
from golive_tui.server.facts import ServerFacts
from golive_tui.server.tables import (
    entity_columns,
    notification_state,
    project,
    project_counter,
    table_of,
    webhook,
    webhook_attempt,
    webhook_delivery,
)

WebhookFormat = Literal["json", "slack", "teams"]
FORMATS: tuple[WebhookFormat, ...] = ("json", "slack", "teams")
#: a generated secret is this many random bytes (as URL-safe text)
_SECRET_BYTES = 32
MIN_SECRET_LENGTH = 16
_EVENT_NAMES = ", ".join(k.value for k in EventKind)

Add = Callable[[rows.TableCodec, str, Sequence[Any]], None]


class WebhookError(ValueError):
    """A refusal about a webhook, worded for the person who configures it."""


@dataclass(frozen=True)
class Webhook:
    id: str
    project_id: str
    url: str
    events: tuple[EventKind, ...]
    format: WebhookFormat
    created_at: datetime
    created_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "url": self.url,
            "events": [e.value for e in self.events],
            "format": self.format,
            "created_at": encode_time(self.created_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    #: the signing secret, shown to the person who added the webhook (and only then)
    secret: str


# --------------------------------------------------------------------------- configuration


def check_url(url: str) -> str:
    """An http(s) URL with a host; the reason in plain words otherwise."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(
            f"'{url}' is not a webhook URL; give one like https://hooks.example.com/golive."
        )
    if len(text) > 2000:
        raise WebhookError("The webhook URL is longer than 2,000 characters.")
    return text


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_events(names: Sequence[str] | str | None) -> tuple[EventKind, ...]:
    """Event names (a list, or one comma-separated text); none or ``all``: every event."""
    if names is None:
        return tuple(EventKind)
    items = names.split(",") if isinstance(names, str) else list(names)
    wanted = [str(n).strip().lower() for n in items if str(n).strip()]
    if not wanted or wanted == ["all"]:
        return tuple(EventKind)
    unknown = [n for n in wanted if n not in EventKind.__members__.values()]
    if unknown:
        raise WebhookError(f"Unknown event {', '.join(unknown)}; use all or any of: {_EVENT_NAMES}.")
    return tuple(k for k in EventKind if k.value in wanted)


def parse_format(value: str | None) -> WebhookFormat:
    chosen = (value or "json").strip().lower()
    for known in FORMATS:
        if chosen == known:
            return known
    raise WebhookError(f"Unknown format '{value}'; use json, slack or teams.")


def _check_secret(secret: str | None) -> str:
    if secret is None or not secret.strip():
        return secrets.token_urlsafe(_SECRET_BYTES)
    text = secret.strip()
    if len(text) < MIN_SECRET_LENGTH or len(text) > 200:
        raise WebhookError(
            f"A webhook secret is {MIN_SECRET_LENGTH} to 200 characters; leave it out to have "
            "one generated."
        )
    return text


def _row_to_webhook(row: Mapping[str, Any]) -> Webhook:
    return Webhook(
        id=str(row["id"]),
        project_id=str(row["project_id"]),
        url=str(row["url"]),
        events=tuple(k for k in EventKind if k.value in (row["events"] or [])),
        format=parse_format(str(row["format"])),
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
    )


def add_webhook(
    db: Database,
    project_id: str,
    url: str,
    *,
    events: Sequence[str] | str | None = None,
    format: str | None = None,
    secret: str | None = None,
    by: str = "admin",
) -> NewWebhook:
    """Configure a webhook for a project; its secret is generated unless given."""
    checked = check_url(url)
    kinds = parse_events(events)
    shape = parse_format(format)
    key = _check_secret(secret)
    now = utcnow()
    hook = Webhook(
        id=secrets.token_hex(6), project_id=project_id, url=checked, events=kinds,
        format=shape, created_at=now, created_by=by,
    )
    with db.write() as conn:
        found = conn.execute(select(project.c.id).where(project.c.id == project_id)).first()
        if found is None:
            raise WebhookError(f"There is no project {project_id} on this server.")
        notices = Notices(conn)
        if EventKind.GATE_CHANGED in kinds:
            # the gate as it is now is the baseline its first change is told against; one
            # kept since an earlier webhook was removed is out of date
            watched = any(EventKind.GATE_CHANGED.value in sub.events
                          for sub in notices.subscribers(project_id))
            if not watched:
                conn.execute(delete(notification_state).where(
                    notification_state.c.project_id == project_id,
                    notification_state.c.key.like("gate:%"),
                ))
            notices.check_gates(project_id, baseline_only=True)
        conn.execute(insert(webhook).values(
            id=hook.id, project_id=project_id, url=checked, secret=key,
            events=[k.value for k in kinds], format=shape, created_at=now, created_by=by,
        ))
    return NewWebhook(hook, key)


def list_webhooks(db: Database, project_id: str | None = None) -> list[Webhook]:
    stmt = select(webhook).order_by(webhook.c.project_id, webhook.c.created_at)
    if project_id is not None:
        stmt = stmt.where(webhook.c.project_id == project_id)
    with db.read() as conn:
        return [_row_to_webhook(dict(r)) for r in conn.execute(stmt).mappings()]


def get_webhook(db: Database, webhook_id: str, project_id: str | None = None) -> Webhook:
    stmt = select(webhook).where(webhook.c.id == webhook_id)
    if project_id is not None:
        stmt = stmt.where(webhook.c.project_id == project_id)
    with db.read() as conn:
        row = conn.execute(stmt).mappings().first()
    if row is None:
        raise WebhookError(f"There is no webhook {webhook_id}; list them with: golive admin "
                           "webhook list.")
    return _row_to_webhook(dict(row))


def remove_webhook(db: Database, webhook_id: str, project_id: str | None = None) -> Webhook:
    """Remove a webhook with its deliveries (sent or not) and their attempts."""
    hook = get_webhook(db, webhook_id, project_id)
    with db.write() as conn:
        ids = select(webhook_delivery.c.id).where(webhook_delivery.c.webhook_id == hook.id)
        conn.execute(delete(webhook_attempt).where(webhook_attempt.c.delivery_id.in_(ids)))
        conn.execute(delete(webhook_delivery).where(webhook_delivery.c.webhook_id == hook.id))
        conn.execute(delete(webhook).where(webhook.c.id == hook.id))
    return hook


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int

    def as_json(self) -> dict[str, Any]:
        return {"attempt": self.attempt, "at": encode_time(self.at),
                "status_code": self.status_code, "error": self.error,
                "duration_ms": self.duration_ms}


@dataclass(frozen=True)
class Delivery:
    id: str
    webhook_id: str
    event: str
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    finished_at: datetime | None
    summary: str
    log: tuple[Attempt, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event": self.event,
            "summary": self.summary,
            "created_at": encode_time(self.created_at),
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": None if self.next_attempt_at is None
            else encode_time(self.next_attempt_at),
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
            "finished_at": None if self.finished_at is None else encode_time(self.finished_at),
            "log": [a.as_json() for a in self.log],
        }


def list_deliveries(
    db: Database, webhook_id: str, *, limit: int = 50, status: str | None = None
) -> list[Delivery]:
    """The newest deliveries of a webhook, each with every attempt to send it."""
    stmt = (
        select(webhook_delivery)
        .where(webhook_delivery.c.webhook_id == webhook_id)
        .order_by(webhook_delivery.c.created_at.desc(), webhook_delivery.c.id)
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(webhook_delivery.c.status == status)
    with db.read() as conn:
        found = list(conn.execute(stmt).mappings())
        ids = [r["id"] for r in found]
        attempts: dict[str, list[Attempt]] = {}
        if ids:
            for a in conn.execute(
                select(webhook_attempt)
                .where(webhook_attempt.c.delivery_id.in_(ids))
                .order_by(webhook_attempt.c.delivery_id, webhook_attempt.c.attempt)
            ).mappings():
                attempts.setdefault(a["delivery_id"], []).append(
                    Attempt(a["attempt"], a["at"], a["status_code"], a["error"], a["duration_ms"])
                )
    return [
        Delivery(
            id=r["id"], webhook_id=r["webhook_id"], event=r["event"], created_at=r["created_at"],
            status=r["status"], attempts=r["attempts"],
            next_attempt_at=r["next_attempt_at"] if r["status"] == "pending" else None,
            last_status_code=r["last_status_code"], last_error=r["last_error"],
            finished_at=r["finished_at"], summary=str((r["payload"] or {}).get("summary", "")),
            log=tuple(attempts.get(r["id"], ())),
        )
        for r in found
    ]


# --------------------------------------------------------------------------- the outbox


def _json(value: Any) -> Any:
    """A JSON column as the driver gives it: text from sqlite3, parsed from psycopg."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class _Subscriber:
    id: str
    events: frozenset[str]


class Notices:
    """The events of one write transaction, queued into the outbox beside its changes.

    ``add`` queues a row with the transaction's other held writes (the push path,
    :class:`golive_tui.server.writes.Writes`); without it rows are written at once.
    """

    def __init__(self, conn: Connection, add: Add | None = None) -> None:
        self._conn = conn
        self._cur: Any = None
        self._add = add
        #: the webhooks of each project looked at in this transaction
        self._subscribers: dict[str, list[_Subscriber]] = {}
        self._projects: dict[str, dict[str, Any]] = {}
        #: projects whose gate a change of this transaction may have opened or closed
        self._gates: set[str] = set()

    @property
    def cur(self) -> Any:
        if self._cur is None:
            self._cur = rows.cursor(self._conn)
        return self._cur

    def subscribers(self, project_id: str) -> list[_Subscriber]:
        found = self._subscribers.get(project_id)
        if found is None:
            self.subscribers_sent([project_id])()
            found = self._subscribers[project_id]
        return found

    def subscribers_sent(self, project_ids: Collection[str]) -> Callable[[], None]:
        """The webhooks of these projects, sent now on a cursor of its own and read when
        the answer is called (on PostgreSQL it can ride one round trip with other reads)."""
        m = rows.marker(self._conn)
        sent = []
        for project_id in project_ids:
            if project_id not in self._subscribers:
                cur = rows.cursor(self._conn)
                cur.execute(f"SELECT id, events FROM webhook WHERE project_id = {m}",
                            (project_id,))
                sent.append((project_id, cur))

        def read() -> None:
            for project_id, cur in sent:
                self._subscribers[project_id] = [
                    _Subscriber(str(i), frozenset(_json(e) or ())) for i, e in cur.fetchall()
                ]
                cur.close()

        return read

    def change(
        self,
        project_id: str,
        kind: EntityKind,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        by: str,
        at: datetime,
    ) -> None:
        """A record changed: queue the events it raises, note a gate it may move."""
        if kind not in EVENT_KINDS and kind not in GATE_KINDS:
            return
        subscribers = self.subscribers(project_id)
        if not subscribers:
            return
        if kind in GATE_KINDS and any(EventKind.GATE_CHANGED in s.events for s in subscribers):
            self._gates.add(project_id)
        for event in events_of_change(kind, before, after):
            self.queue(project_id, event, by, at)

    def finish(self, flush: Callable[[], None]) -> None:
        """Before commit: tell of every gate this transaction opened or closed."""
        if not self._gates:
            return
        flush()  # the gate is read from the tables: the held writes go first
        gates, self._gates = self._gates, set()
        for project_id in sorted(gates):
            self.check_gates(project_id)

    def check_gates(self, project_id: str, *, baseline_only: bool = False) -> None:
        facts = ServerFacts(self._conn, project_id, None)
        now = utcnow()
        for scope in gate_scopes(facts):
            gate = scope.gate
            key = f"gate:{scope.key}"
            stored = self._conn.execute(
                select(notification_state.c.value).where(
                    notification_state.c.project_id == project_id,
                    notification_state.c.key == key,
                )
            ).scalar_one_or_none()
            value = {"ready": gate.ready, "unmet": len(gate.unmet)}
            if stored is None:
                self._conn.execute(insert(notification_state).values(
                    project_id=project_id, key=key, value=value, at=now))
                continue
            if baseline_only:
                continue
            event = gate_event(scope, bool(stored.get("ready")))
            if stored != value:
                self._conn.execute(
                    notification_state.update()
                    .where(notification_state.c.project_id == project_id,
                           notification_state.c.key == key)
                    .values(value=value, at=now)
                )
            if event is not None:
                self.queue(project_id, event, "", now)

    def _project(self, project_id: str) -> dict[str, Any]:
        found = self._projects.get(project_id)
        if found is None:
            m = rows.marker(self._conn)
            self.cur.execute(f"SELECT name, customer FROM project WHERE id = {m}", (project_id,))
            row = self.cur.fetchone()
            found = self._projects[project_id] = {
                "id": project_id,
                "name": "" if row is None else row[0],
                "customer": "" if row is None else row[1],
            }
        return found

    def queue(self, project_id: str, event: Event, by: str, at: datetime) -> int:
        """One outbox row per webhook of the project that subscribes to ``event``."""
        wanted = [s for s in self.subscribers(project_id) if event.kind.value in s.events]
        if not wanted:
            return 0
        codec = rows.codec(self._conn, webhook_delivery)
        for subscriber in wanted:
            delivery_id = str(uuid.uuid4())
            payload = {
                "id": delivery_id,
                "event": event.kind.value,
                "label": event.kind.label,
                "occurred_at": encode_time(at),
                "project": self._project(project_id),
                "entity": None if event.entity is None else event.entity.value,
                "entity_id": event.entity_id,
                "by": by,
                "summary": event.summary,
                "data": event.data,
            }
            params = codec.encode_row({
                "id": delivery_id, "webhook_id": subscriber.id, "project_id": project_id,
                "event": event.kind.value, "payload": payload, "created_at": at,
                "status": "pending", "attempts": 0, "next_attempt_at": at,
                "last_error": "",
            })
            if self._add is not None:
                self._add(codec, codec.insert_sql, params)
            else:
                self.cur.execute(codec.insert_sql, params)
        return len(wanted)


# --------------------------------------------------------------------------- SLA warnings


def _subscribed(db: Database, kind: EventKind) -> list[str]:
    """The projects with a webhook that subscribes to ``kind``."""
    with db.read() as conn:
        found = conn.execute(select(webhook.c.project_id, webhook.c.events)).all()
    return sorted({str(p) for p, events in found if kind.value in (events or [])})


def check_gates(db: Database) -> None:
    """Look at the gates of projects with ``gate_changed`` webhooks, changes or none.

    A gate can move with time alone (a change freeze that begins), or through a change made
    outside the push path; this tells of that too. The project's counter row is locked as a
    push locks it, so a push and this never both tell of one move.
    """
    for project_id in _subscribed(db, EventKind.GATE_CHANGED):
        with db.write() as conn:
            if db.is_postgresql:
                conn.execute(
                    select(project_counter.c.seq)
                    .where(project_counter.c.project_id == project_id)
                    .with_for_update()
                )
            Notices(conn).check_gates(project_id)


def check_sla(db: Database, lead_seconds: float, now: datetime | None = None) -> int:
    """Warn once per issue and target of every clock due within ``lead_seconds``.

    Several replicas may run this at once: the warning's key is inserted first, and only
    the replica whose insert wins queues the deliveries, in the same transaction.
    """
    from golive_tui.server.writes import project_policy  # the push path imports this module

    queued = 0
    issue = table_of(EntityKind.ISSUE)
    names = entity_columns(EntityKind.ISSUE)
    for project_id in _subscribed(db, EventKind.SLA_AT_RISK):
        at = now or utcnow()
        with db.write() as conn:
            policy = project_policy(conn, project_id)
            issues = conn.execute(
                select(*(issue.c[n] for n in names)).where(
                    issue.c.project_id == project_id,
                    issue.c.state.in_([s.value for s in OPEN_ISSUE_STATES]),
                )
            ).mappings().all()
            notices = Notices(conn)
            m = rows.marker(conn)
            state = rows.codec(conn, notification_state)
            for record in issues:
                for key, event in sla_warnings(dict(record), policy, at, lead_seconds):
                    notices.cur.execute(
                        f"INSERT INTO notification_state (project_id, key, value, at) "
                        f"VALUES ({m}, {m}, {m}, {m}) ON CONFLICT DO NOTHING",
                        (project_id, key, state.encode("value", {"event": event.kind.value}),
                         state.encode("at", at)),
                    )
                    if notices.cur.rowcount == 1:
                        queued += notices.queue(project_id, event, "", at)
    return queued
