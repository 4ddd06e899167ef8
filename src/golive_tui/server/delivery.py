"""Sending the webhook outbox: signed bodies, retries with backoff, every attempt logged.

The worker (:class:`DeliveryWorker`, one per replica) takes the deliveries that are due
(:func:`claim`), sends them, and records each answer (:func:`record`). Taking a delivery
moves its next attempt past the send timeout in a short transaction of its own; on
PostgreSQL the rows are chosen with ``SELECT … FOR UPDATE SKIP LOCKED``, so replicas never
take the same delivery, and SQLite has one writer. A delivery answered 2xx is done and is
never sent again; any other answer, or none, is tried again after an exponential backoff
with jitter, up to a cap, until the last attempt, after which it is ``failed``.

Every body is signed: ``X-Golive-Signature: sha256=HEX``, the HMAC-SHA256 under the
webhook's secret of ``TIMESTAMP.BODY`` (the timestamp is ``X-Golive-Timestamp``, Unix
seconds, the body the exact bytes sent). ``X-Golive-Delivery`` is the delivery's id, the
same on every attempt, for receivers to de-duplicate on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
import httpx
from sqlalchemy import delete, insert, select, update

import golive_tui
from golive_tui.domain.clock import utcnow
from golive_tui.server.db import Database
from golive_tui.server.settings import ServerSettings
from golive_tui.server.tables import webhook, webhook_attempt, webhook_delivery
from golive_tui.server.webhooks import check_gates, check_sla

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Golive-Signature"
TIMESTAMP_HEADER = "X-Golive-Timestamp"
DELIVERY_HEADER = "X-Golive-Delivery"
EVENT_HEADER = "X-Golive-Event"
#: a receiver refuses a signature whose timestamp is further than this from its clock
SIGNATURE_TOLERANCE_SECONDS = 300
#: deliveries one worker takes at a time
BATCH = 20
#: how often a worker forgets deliveries older than ``webhook_log_days``
PRUNE_EVERY_SECONDS = 3600.0
_ERROR_CHARS = 500


# --------------------------------------------------------------------------- signing


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Golive-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
    tolerance: float = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


# --------------------------------------------------------------------------- bodies


def render(format: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The body a webhook of ``format`` is sent: the event itself, or a chat message."""
    if format == "slack":
        return slack_message(payload)
    if format == "teams":
        return teams_message(payload)
    return dict(payload)


def _title(payload: Mapping[str, Any]) -> str:
    project = payload.get("project") or {}
    name = project.get("name") or project.get("id") or ""
    customer = project.get("customer") or ""
    where = f"{name} ({customer})" if customer else str(name)
    return f"{payload.get('label', payload.get('event', ''))} · {where}"


def _facts(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    data = payload.get("data") or {}
    shown: list[tuple[str, str]] = []
    for name, value in data.items():
        if value in (None, "", []):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        shown.append((name.replace("_", " ").capitalize(), text[:300]))
    return shown[:10]


def _slack_text(text: str) -> str:
    """Text as Slack shows it literally: a title never becomes a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (what notifications show) and blocks."""
    summary = _slack_text(str(payload.get("summary", "")))
    fields = [{"type": "mrkdwn", "text": f"*{name}*\n{_slack_text(value)}"}
              for name, value in _facts(payload)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _title(payload)[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    return {"text": f"{_slack_text(_title(payload))}: {summary}", "blocks": blocks}


def teams_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Microsoft Teams message carrying an Adaptive Card (what a Teams workflow's
    "when a webhook request is received" posts to a channel)."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": _title(payload), "weight": "Bolder", "size": "Medium",
             "wrap": True},
            {"type": "TextBlock", "text": str(payload.get("summary", "")), "wrap": True},
            {"type": "FactSet",
             "facts": [{"title": name, "value": value} for name, value in _facts(payload)]},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
             "content": card}
        ],
    }


def encode_body(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- the outbox


def backoff_seconds(
    attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Wait before the attempt after ``attempt``: doubling from ``base``, at most ``cap``,
    then a random half to all of it, so receivers that come back are not hit at once."""
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 32))
    return ceiling * (0.5 + rand() / 2)


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for sending: what to send, where, and which attempt this is."""

    id: str
    webhook_id: str
    url: str
    secret: str
    format: str
    event: str
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class Answer:
    claimed: Claimed
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


#: how long a taken delivery is held past its send timeout, for its answer to be recorded;
#: a worker that dies holding one delays that delivery's next attempt by this much
LEASE_MARGIN_SECONDS = 5.0


def claim(db: Database, *, limit: int = BATCH, lease_seconds: float = 15.0) -> list[Claimed]:
    """Take the deliveries that are due (none that another worker holds)."""
    now = utcnow()
    due = (
        select(webhook_delivery.c.id)
        .where(webhook_delivery.c.status == "pending", webhook_delivery.c.next_attempt_at <= now)
        .order_by(webhook_delivery.c.next_attempt_at, webhook_delivery.c.created_at)
        .limit(limit)
    )
    with db.read() as conn:  # most polls find nothing: no write transaction for them
        if conn.execute(due.limit(1)).first() is None:
            return []
    if db.is_postgresql:
        due = due.with_for_update(skip_locked=True)
    with db.write() as conn:
        ids = list(conn.execute(due).scalars())
        if not ids:
            return []
        conn.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id.in_(ids))
            .values(attempts=webhook_delivery.c.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=lease_seconds))
        )
        found = conn.execute(
            select(webhook_delivery.c.id, webhook_delivery.c.webhook_id,
                   webhook_delivery.c.event, webhook_delivery.c.payload,
                   webhook_delivery.c.attempts, webhook.c.url, webhook.c.secret,
                   webhook.c.format)
            .join(webhook, webhook.c.id == webhook_delivery.c.webhook_id)
            .where(webhook_delivery.c.id.in_(ids))
        ).all()
    return [
        Claimed(id=r.id, webhook_id=r.webhook_id, url=r.url, secret=r.secret, format=r.format,
                event=r.event, payload=dict(r.payload), attempt=int(r.attempts))
        for r in found
    ]


def record(
    db: Database, answers: Sequence[Answer], *, max_attempts: int, base: float, cap: float
) -> None:
    """Log every attempt; settle each delivery (delivered, failed) or schedule its retry."""
    if not answers:
        return
    with db.write() as conn:
        for a in answers:
            conn.execute(insert(webhook_attempt).values(
                delivery_id=a.claimed.id, attempt=a.claimed.attempt, at=a.at,
                status_code=a.status_code, error=a.error[:_ERROR_CHARS],
                duration_ms=a.duration_ms,
            ))
            values: dict[str, Any] = {"last_status_code": a.status_code,
                                      "last_error": a.error[:_ERROR_CHARS]}
            if a.ok:
                values.update(status="delivered", finished_at=a.at)
            elif a.claimed.attempt >= max_attempts:
                values.update(status="failed", finished_at=a.at)
            else:
                wait = backoff_seconds(a.claimed.attempt, base, cap)
                values.update(next_attempt_at=a.at + timedelta(seconds=wait))
            conn.execute(
                update(webhook_delivery)
                .where(webhook_delivery.c.id == a.claimed.id,
                       webhook_delivery.c.status == "pending")
                .values(**values)
            )


def prune(db: Database, before: datetime) -> int:
    """Forget deliveries that ended (delivered or failed) before ``before``, with their log."""
    ended = select(webhook_delivery.c.id).where(
        webhook_delivery.c.status != "pending", webhook_delivery.c.finished_at < before
    )
    with db.write() as conn:
        conn.execute(delete(webhook_attempt).where(webhook_attempt.c.delivery_id.in_(ended)))
        gone = conn.execute(delete(webhook_delivery).where(webhook_delivery.c.id.in_(ended)))
    return int(gone.rowcount or 0)


async def send(client: httpx.AsyncClient, claimed: Claimed, timeout: float) -> Answer:
    """One attempt: POST the signed body; the receiver's status, or why there was none.

    ``timeout`` bounds the whole attempt (a receiver that answers a byte at a time too), so
    it always ends inside the delivery's lease.
    """
    body = encode_body(render(claimed.format, claimed.payload))
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"golive-webhooks/{golive_tui.__version__}",
        SIGNATURE_HEADER: sign(claimed.secret, timestamp, body),
        TIMESTAMP_HEADER: timestamp,
        DELIVERY_HEADER: claimed.id,
        EVENT_HEADER: claimed.event,
    }
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        response = await asyncio.wait_for(
            client.post(claimed.url, content=body, headers=headers), timeout
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {response.text[:200]}".strip()
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    except TimeoutError:
        error = f"No answer within {timeout:g} s"
    return Answer(claimed, utcnow(), status, error,
                  int((time.monotonic() - started) * 1000))


class DeliveryWorker:
    """Sends the outbox, and warns of SLA clocks about to breach, until cancelled."""

    def __init__(
        self, db: Database, settings: ServerSettings,
        on_answers: Callable[[Sequence[Answer]], None] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        #: told of every batch of attempts once it is recorded (the metrics)
        self.on_answers = on_answers
        self._wake = asyncio.Event()
        self._pruned_at = -math.inf

    def wake(self) -> None:
        """Look at the outbox now (a push queued something); safe from the event loop."""
        self._wake.set()

    async def run(self) -> None:
        s = self.settings
        timeout = httpx.Timeout(s.webhook_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                try:
                    sent = await self.deliver_once(client)
                except Exception:
                    log.warning("sending webhooks failed; trying again", exc_info=True)
                    sent = 0
                if sent:
                    continue  # more may be due
                await self.prune_now_and_then()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), s.webhook_poll_seconds)

    async def prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        before = utcnow() - timedelta(days=self.settings.webhook_log_days)
        try:
            gone = await anyio.to_thread.run_sync(prune, self.db, before)
        except Exception:
            log.warning("forgetting old webhook deliveries failed", exc_info=True)
            return
        if gone:
            log.info("forgot %d webhook deliveries that ended before %s", gone, before)

    async def deliver_once(self, client: httpx.AsyncClient) -> int:
        s = self.settings
        taken = await anyio.to_thread.run_sync(
            lambda: claim(self.db,
                          lease_seconds=s.webhook_timeout_seconds + LEASE_MARGIN_SECONDS)
        )
        if not taken:
            return 0
        answers = await asyncio.gather(
            *(send(client, c, s.webhook_timeout_seconds) for c in taken)
        )
        for a in answers:
            if not a.ok:
                log.info("webhook %s delivery %s attempt %d: %s", a.claimed.webhook_id,
                         a.claimed.id, a.claimed.attempt, a.error)
        await anyio.to_thread.run_sync(
            lambda: record(self.db, answers, max_attempts=s.webhook_max_attempts,
                           base=s.webhook_backoff_seconds, cap=s.webhook_backoff_cap_seconds)
        )
        if self.on_answers is not None:
            self.on_answers(answers)
        return len(taken)


async def check_clocks_forever(db: Database, settings: ServerSettings) -> None:
    """Every ``sla_check_seconds``: warn of SLA clocks due within ``sla_warning_minutes``,
    and tell of gates that moved with time rather than with a change."""
    while True:
        try:
            queued = await anyio.to_thread.run_sync(
                check_sla, db, settings.sla_warning_minutes * 60
            )
            if queued:
                log.info("queued %d SLA warnings", queued)
            await anyio.to_thread.run_sync(check_gates, db)
        except Exception:
            log.warning("the periodic webhook checks failed; trying again", exc_info=True)
        await asyncio.sleep(settings.sla_check_seconds)
