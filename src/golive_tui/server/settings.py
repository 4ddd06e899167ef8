"""Settings of ``golive server``: environment variables ``GOLIVE_SERVER_*`` or CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from golive_tui.domain.wire import MAX_BODY_BYTES, SSE_PING_SECONDS


def default_db_path() -> Path:
    """``<user data dir>/golive/server.db``: one machine, nothing to install."""
    return Path(user_data_dir("golive", appauthor=False)) / "server.db"


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


class ServerSettings(BaseSettings):
    """How one replica of the shared backend runs.

    Every field can be set from the environment, e.g. ``GOLIVE_SERVER_DB_URL``.
    """

    model_config = SettingsConfigDict(env_prefix="GOLIVE_SERVER_", extra="ignore")

    #: SQLAlchemy URL; ``postgresql://`` URLs are served by psycopg 3
    db_url: str = Field(default_factory=default_db_url)
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    #: changes kept per project by the periodic compaction; 0 keeps every change.
    #: A client whose cursor is older than what is kept re-bootstraps from a snapshot.
    change_retention: int = Field(default=0, ge=0)
    #: days of changes kept per project by the periodic compaction; 0 keeps every change.
    #: With both bounds set, a change is kept while either keeps it
    change_retention_days: float = Field(default=0.0, ge=0)
    #: how often the periodic compaction runs when a retention is set
    compact_every_seconds: float = Field(default=3600.0, gt=0)
    #: the largest request body accepted (413 above it)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0)
    #: requests a second each token may make on average (a token bucket per token, per
    #: replica); past it the answer is 429 with Retry-After. 0 turns the limit off
    rate_limit: float = Field(default=0.0, ge=0)
    #: requests a token may make in a row before the average rate applies
    rate_limit_burst: int = Field(default=60, ge=1)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    #: ``json``: every log line is one JSON object (requests with their id, route, status,
    #: duration, project and user), for a log collector
    log_format: Literal["text", "json"] = "text"
    #: a secret that ``/metrics`` requires as ``Authorization: Bearer …``; without one,
    #: ``/metrics`` answers only requests from this machine (loopback)
    metrics_token: str = Field(default="", repr=False)
    #: run the Alembic migrations when the server starts
    migrate_on_start: bool = True
    #: the fallback poll of the per-project counters, for live events that LISTEN missed
    poll_seconds: float = Field(default=2.0, gt=0)
    #: a comment line on every live event stream this often, so proxies keep it open
    sse_ping_seconds: float = Field(default=SSE_PING_SECONDS, gt=0)
    #: SQLite only. In WAL mode NORMAL survives a crash or kill of the server process
    #: with every committed op; only an OS crash or power cut can lose the last few
    #: commits. FULL survives those too, at the cost of an fsync per op (~1 ms here).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "NORMAL"
    #: user names (comma-separated) who may manage webhooks through the API; the
    #: ``golive admin webhook`` commands need only the database
    admins: str = ""
    #: how often each replica looks for webhook deliveries that are due
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    #: a receiver that does not answer within this is tried again later
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    #: attempts before a delivery is given up on (``failed``)
    webhook_max_attempts: int = Field(default=12, ge=1)
    #: the wait after the first failed attempt; it doubles after each further one ...
    webhook_backoff_seconds: float = Field(default=10.0, gt=0)
    #: ... up to this (each wait is then a random half to all of it)
    webhook_backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    #: delivered and failed deliveries are forgotten, with their log, after this many days
    webhook_log_days: float = Field(default=30.0, gt=0)
    #: warn of an SLA clock this many minutes before it breaches (``sla_at_risk``)
    sla_warning_minutes: float = Field(default=30.0, gt=0)
    #: how often the SLA clocks of projects with such webhooks are looked at
    sla_check_seconds: float = Field(default=60.0, gt=0)

    def admin_users(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.admins.split(",") if u.strip())
