"""What the dashboard shows, read from the cache in one pass (in a worker thread).

Kept apart from the screen so that start-up, which paints the dashboard before the cache
is open, does not import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive_tui.domain.enums import (
    OPEN_ISSUE_STATES,
    ChecklistStatus,
    CutoverState,
    DecisionKind,
    E911Status,
    OrderState,
    PortState,
    Priority,
    SignoffKind,
    VerificationResult,
)
from golive_tui.domain.gate import (
    GateEvidence,
    GateResult,
    current_cutover,
    gate_for_cutover,
    gates_by_cutover,
)
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.port_orders import project_holidays
from golive_tui.domain.test_plan import PLAN, latest_results

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

#: how far back the activity feed looks, and how many lines it keeps
FEED_WINDOW = timedelta(days=14)
FEED_LIMIT = 60


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: str
    code: str
    name: str
    time_zone: str
    e911_address: str
    e911_status: E911Status


@dataclass(frozen=True, slots=True)
class IssueLine:
    id: str
    ref: str
    priority: Priority
    title: str
    clock: str
    breached: bool
    urgency: float


@dataclass(frozen=True, slots=True)
class SiteVerification:
    code: str
    passed: int
    failed: int
    planned: int


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: str
    pon: str
    carrier: str
    status: OrderState
    rejection_code: str | None
    foc: datetime | None
    foc_confirmed: bool
    numbers: int


@dataclass(frozen=True, slots=True)
class FeedEvent:
    at: datetime
    who: str
    text: str
    style: str = ""


@dataclass(frozen=True, slots=True)
class LatestDecision:
    decision: DecisionKind
    by: str
    at: datetime | None
    reason: str
    override: bool
    unmet: int


@dataclass(frozen=True, slots=True)
class WaveInfo:
    """One cutover wave as the dashboard and its picker show it, with its own gate."""

    id: str
    name: str
    starts_at: datetime | None
    ends_at: datetime | None
    state: CutoverState
    site_codes: tuple[str, ...]
    orders: int
    ready: bool
    unmet: int
    #: the wave the team is on now (what the dashboard opens on)
    current: bool


@dataclass(frozen=True, slots=True)
class DerivedItem:
    """A gate checklist item the gate derives from records: shown, never ticked."""

    key: str
    title: str
    evidence: str


@dataclass(slots=True)
class DashboardData:
    zone: str
    cutover_at: datetime | None
    sites: tuple[SiteInfo, ...]
    gate: GateResult
    checklist_done: int
    checklist_total: int
    numbers: dict[PortState, int]
    verification: tuple[SiteVerification, ...]
    issues: tuple[IssueLine, ...]
    #: open issues per priority, and how many of them breach an SLA target
    issue_counts: dict[Priority, tuple[int, int]]
    decision: LatestDecision | None
    feed: tuple[FeedEvent, ...]
    orders: tuple[OrderLine, ...] = ()
    #: the wave shown (None: a project without waves), and every wave with its gate
    wave: WaveInfo | None = None
    waves: tuple[WaveInfo, ...] = ()
    derived: tuple[DerivedItem, ...] = ()


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def load_dashboard(
    store: LocalStore, now: datetime, cutover_id: str | None = None
) -> DashboardData:
    """Everything the dashboard shows, read from the cache (runs in a worker thread): for
    the wave ``cutover_id`` when it names one, else the current or next wave."""
    from golive_tui.domain.sla import issue_clocks, sla_urgency

    project = store.project()
    zone = project.time_zone if project is not None else "America/New_York"
    members = store.members()
    names = {m.user: m.display_name or m.user for m in members}
    site_rows = store.sites()
    sites = tuple(
        SiteInfo(s.id, s.code, s.name, s.time_zone, s.e911_address, s.e911_status)
        for s in site_rows
    )
    code_of = {s.id: s.code for s in sites}
    checklist = store.checklist()
    orders = store.orders()
    issues = store.issues()
    verifications = store.verifications()
    # every wave's gate, from the records already read (store.gate() would read them all
    # again); the one shown is the wave asked for, else the current one
    cutovers = store.cutovers()
    current = current_cutover(cutovers, now, _zone(zone))
    wave = next((c for c in cutovers if c.id == cutover_id), current)
    signoffs = store.signoffs()
    evidence = GateEvidence(
        sites=site_rows, orders=orders, checklist=[item for item in checklist if item.gate],
        locations=store.emergency_locations(), verifications=verifications, issues=issues,
        signoffs=signoffs,
        thresholds=NetworkThresholds.from_stored(
            project.network_thresholds if project is not None else None),
        holidays=project_holidays(
            None if project is None else project.model_dump(include={"holidays"})),
    )
    gates = gates_by_cutover(cutovers, evidence)
    gate = gates[wave.id] if wave is not None else gate_for_cutover(None, evidence)
    order_count: dict[str | None, int] = {}
    for order in orders:
        order_count[order.cutover_id] = order_count.get(order.cutover_id, 0) + 1
    waves = tuple(
        WaveInfo(c.id, c.name, c.starts_at, c.ends_at, CutoverState(c.state),
                 tuple(code_of[s] for s in c.site_ids or () if s in code_of),
                 order_count.get(c.id, 0), gates[c.id].ready, len(gates[c.id].unmet),
                 current is not None and c.id == current.id)
        for c in cutovers
    )
    shown = next((w for w in waves if wave is not None and w.id == wave.id), None)
    mine = None if wave is None else wave.id
    derived = tuple(
        DerivedItem(item.key, item.title, item.evidence)
        for item in checklist
        if item.gate and item.evidence and item.cutover_id in (None, mine)
    )

    # verification: the latest result per (test, target), per site, against the plan
    site_cases = [case.code for case in PLAN if case.scope == "site"]
    per_site: dict[str, dict[tuple[str, str], VerificationResult]] = {
        s.id: {(code, s.code): VerificationResult.NOT_TESTED for code in site_cases}
        for s in sites
    }
    for (case, target), entry in latest_results(verifications).items():
        if entry.site_id in per_site:
            per_site[entry.site_id][(case, target)] = entry.result
    verification = tuple(
        SiteVerification(
            s.code,
            sum(r is VerificationResult.PASS for r in per_site[s.id].values()),
            sum(r is VerificationResult.FAIL for r in per_site[s.id].values()),
            len(per_site[s.id]),
        )
        for s in sites
    )

    # open issues with their SLA clocks, most urgent first
    policy = store.policy()
    lines: list[IssueLine] = []
    counts: dict[Priority, tuple[int, int]] = {p: (0, 0) for p in Priority}
    for issue in issues:
        if issue.state not in OPEN_ISSUE_STATES or issue.opened_at is None:
            continue
        respond, resolve = issue_clocks(issue, policy, now)
        breached = respond.breached or resolve.breached
        if not respond.stopped:
            clock = f"respond {respond.label().removesuffix(' left')}"
        else:
            clock = resolve.label()
        lines.append(IssueLine(issue.id, issue.ref, issue.priority, issue.title, clock,
                               breached, sla_urgency((respond, resolve), now)))
        n_open, n_breached = counts[issue.priority]
        counts[issue.priority] = (n_open + 1, n_breached + int(breached))
    lines.sort(key=lambda line: (list(Priority).index(line.priority), line.urgency))

    by_order = store.counts_by_order()
    decisions = store.decisions()
    # the last call made for this wave (a project without waves: the last call)
    calls = [d for d in decisions if wave is None or d.cutover_id == wave.id]
    latest = None
    if calls:
        d = calls[-1]
        latest = LatestDecision(d.decision, names.get(d.by, d.by), d.at, d.reason, d.override,
                                len(d.unmet))

    feed = _feed(store, now, names, checklist, orders, issues, verifications, decisions,
                 code_of, _signoff_events(signoffs, {c.id: c.name for c in cutovers}))
    return DashboardData(
        zone=zone,
        cutover_at=(wave.starts_at if wave is not None
                    else project.cutover_at if project is not None else None),
        sites=sites,
        gate=gate,
        checklist_done=sum(
            i.status in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED) for i in checklist
        ),
        checklist_total=len(checklist),
        numbers=store.number_state_counts(),
        verification=verification,
        issues=tuple(lines),
        issue_counts=counts,
        decision=latest,
        feed=feed,
        orders=tuple(
            OrderLine(o.id, o.pon, o.carrier, o.status, o.rejection_code,
                      o.confirmed_foc or o.requested_foc, o.confirmed_foc is not None,
                      sum(by_order.get(o.id, {}).values()))
            for o in orders
            if wave is None or o.cutover_id == wave.id
        ),
        wave=shown,
        waves=waves,
        derived=derived,
    )


def _signoff_events(
    signoffs: Iterable[Any], waves: dict[str, str]
) -> list[tuple[datetime | None, str, str]]:
    """Each sign-off as the feed tells it: when, who, and what was signed."""
    events = []
    for signoff in signoffs:
        what = str(signoff.signoff_kind).replace("_", " ")
        if signoff.signoff_kind == SignoffKind.GO_LIVE_COSIGN:
            what = f"co-signed {waves.get(signoff.cutover_id or '', 'the go-live')}"
        note = f": {signoff.note}" if signoff.note else ""
        events.append((signoff.at, signoff.by, f"{what}{note}"))
    return events


def _feed(
    store: LocalStore,
    now: datetime,
    names: dict[str, str],
    checklist: Iterable[Any],
    orders: Iterable[Any],
    issues: Iterable[Any],
    verifications: Iterable[Any],
    decisions: Iterable[Any],
    code_of: dict[str, str],
    signed: Iterable[tuple[datetime | None, str, str]] = (),
) -> tuple[FeedEvent, ...]:
    """Recent changes, newest first: who did what, when.

    Demo records all carry the load time as ``updated_at``, so for them the feed uses the
    times the records themselves hold (done, tested, opened, resolved); a real change
    made here or by a teammate shows with its own ``updated_at`` and ``updated_by``.
    """
    from golive_tui.domain.project_doc import FIXTURE_ACTOR
    from golive_tui.store.queries import number_changes
    from golive_tui.tui.screens.dashboard_panels import DECISION_LABELS

    since = now - FEED_WINDOW
    events: list[FeedEvent] = []

    def add(at: datetime | None, who: str, text: str, style: str = "") -> None:
        if at is not None and at >= since:
            events.append(FeedEvent(at, names.get(who, who) or "?", text, style))

    for item in checklist:
        status = item.status.value.replace("_", " ")
        text = f"{item.key} {status}: {item.title}"
        style = {"done": "$success", "blocked": "$error", "skipped": "$text-muted"}.get(
            item.status.value, "")
        if item.updated_by and item.updated_by != FIXTURE_ACTOR:
            add(item.updated_at, item.updated_by, text, style)
        elif item.status is ChecklistStatus.DONE:
            add(item.done_at, item.done_by, text, style)
    for order in orders:
        if order.updated_by and order.updated_by != FIXTURE_ACTOR:
            add(order.updated_at, order.updated_by,
                f"order {order.pon} {order.status.value.replace('_', ' ')}",
                "$error" if order.status is OrderState.REJECTED else "")
    for entry in verifications:
        target = code_of.get(entry.site_id or "", "")
        where = entry.target if entry.target == target else f"{target} {entry.target}".strip()
        ok = entry.result is VerificationResult.PASS
        add(entry.tested_at, entry.tester,
            f"{entry.test_case} {where} {entry.result.value.replace('_', ' ').upper()}",
            "$success" if ok else "$error" if entry.result is VerificationResult.FAIL else "")
    for issue in issues:
        add(issue.opened_at, issue.reporter,
            f"opened {issue.priority.value} {issue.ref}: {issue.title}",
            "$error" if issue.priority is Priority.P1 else "")
        if issue.updated_by and issue.updated_by != FIXTURE_ACTOR:
            add(issue.updated_at, issue.updated_by,
                f"{issue.ref} {issue.state.value.replace('_', ' ')}: {issue.title}")
        elif issue.resolved_at is not None:
            add(issue.resolved_at, issue.assignee, f"resolved {issue.ref}: {issue.title}",
                "$success")
    for decision in decisions:
        label, style = DECISION_LABELS[decision.decision]
        extra = " (override)" if decision.override else ""
        add(decision.at, decision.by, f"called {label}{extra}: {decision.reason}",
            f"bold {style}")
    for at, who, text in signed:
        add(at, who, text, "$success")
    for who, state, count, at in number_changes(
        store.read_engine, store.project_id, since, FIXTURE_ACTOR
    ):
        add(at, who, f"{count:,} number{'s' if count != 1 else ''} → "
            f"{state.value.replace('_', ' ')}",
            "$error" if state is PortState.REJECTED else "")
    events.sort(key=lambda e: e.at, reverse=True)
    return tuple(events[:FEED_LIMIT])

