"""``golive status``: the project at a glance, as stable JSON for scripts and as text.

The JSON's keys are documented in docs/scripting.md. ``STATUS_SCHEMA_VERSION`` changes
when a key is removed or changes meaning; a new key does not change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from golive_tui.domain.codec import encode_time
from golive_tui.domain.enums import (
    CLOSED_CUTOVER_STATES,
    OPEN_ISSUE_STATES,
    EntityKind,
    GateRule,
    PortState,
    Priority,
)
from golive_tui.domain.gate import ORDER_STATES_OK, GateResult, gate_for_cutover
from golive_tui.domain.sla import issue_clocks, sla_urgency

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

__all__ = ["STATUS_SCHEMA_VERSION", "build_status", "gate_json", "status_text"]

STATUS_SCHEMA_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return None if value is None else encode_time(value)


def gate_json(gate: GateResult) -> dict[str, Any]:
    """The gate: its verdict, every unmet condition, how many records each rule checked."""
    return {
        "ready": gate.ready,
        "verdict": "GO" if gate.ready else "NO-GO",
        "unmet": [
            {"rule": c.rule.value, "record_id": c.ref_id, "name": c.name, "detail": c.detail}
            for c in gate.unmet
        ],
        "checked": {rule.value: gate.checked.get(rule, 0) for rule in GateRule},
    }


#: the states an order can be in (the enum of the states the gate accepts)
_ORDER_STATES: type[StrEnum] = type(next(iter(ORDER_STATES_OK)))


def _by_state(counts: Mapping[Any, int], states: type[StrEnum]) -> dict[str, Any]:
    """Counts per state: every state of ``states`` listed, 0 included."""
    by_value = {str(state): n for state, n in counts.items()}
    return {
        "total": sum(counts.values()),
        "by_state": {state.value: by_value.get(state.value, 0) for state in states},
    }


def build_status(
    store: LocalStore,
    *,
    now: datetime,
    source: str,
    server: str,
    last_sync: datetime | None,
    offline_reason: str | None = None,
) -> dict[str, Any]:
    """The status of the cache's project as JSON values (see docs/scripting.md)."""
    project = store.project()
    orders = store.orders()
    sites = store.sites()
    issues = store.issues()
    # every wave's gate from one read of the evidence; the project's gate is its current
    # wave's (or, in a project without waves, the one gate over everything)
    evidence = store.gate_evidence()
    current = store.current_cutover(now)
    gate = gate_json(gate_for_cutover(current, evidence))
    wave_rows = {wave.id: wave for wave in store.cutovers()}
    policy = store.policy()

    open_lines: list[tuple[int, float, dict[str, Any]]] = []
    per_priority = {p.value: {"open": 0, "breached": 0} for p in Priority}
    for issue in issues:
        if issue.state not in OPEN_ISSUE_STATES:
            continue
        respond, resolve = issue_clocks(issue, policy, now)
        breached = respond.breached or resolve.breached
        counts = per_priority[issue.priority.value]
        counts["open"] += 1
        counts["breached"] += int(breached)
        line = {
            "id": issue.id,
            "ref": issue.ref,
            "priority": issue.priority.value,
            "state": issue.state.value,
            "title": issue.title,
            "assignee": issue.assignee,
            "opened_at": _time(issue.opened_at),
            "breached": breached,
            "respond_due_at": None if respond.stopped else _time(respond.due_at),
            "resolve_due_at": _time(resolve.due_at),
        }
        rank = list(Priority).index(issue.priority)
        open_lines.append((rank, sla_urgency((respond, resolve), now), line))
    open_lines.sort(key=lambda item: (item[0], item[1]))

    order_counts: dict[Any, int] = {}
    for order in orders:
        order_counts[order.status] = order_counts.get(order.status, 0) + 1

    cutover_at = project.cutover_at if project is not None else None
    codes = {site.id: site.code for site in sites}
    waves = sorted(
        store.iter_records(EntityKind.CUTOVER),
        key=lambda w: (w["starts_at"] is None, w["starts_at"] or now, w["name"]),
    )
    cutovers = [
        {
            "id": wave["id"],
            "name": wave["name"],
            "state": wave["state"].value,
            "starts_at": _time(wave["starts_at"]),
            "ends_at": _time(wave["ends_at"]),
            "sites": [codes.get(site_id, site_id) for site_id in wave["site_ids"]],
            "gate_scope": "cutover",
            "gate": gate_json(gate_for_cutover(wave_rows[wave["id"]], evidence)),
        }
        for wave in waves
    ]
    upcoming = [wave for wave in waves if wave["state"] not in CLOSED_CUTOVER_STATES]
    return {
        "schema_version": STATUS_SCHEMA_VERSION,
        "source": source,
        "server": server,
        "project_id": store.project_id,
        "generated_at": encode_time(now),
        "last_sync": _time(last_sync),
        "offline_reason": offline_reason,
        "queued_changes": store.outbox_count(),
        "project": None if project is None else {
            "id": project.id,
            "name": project.name,
            "customer": project.customer,
            "phase": project.phase.value,
            "time_zone": project.time_zone,
            "cutover_at": _time(cutover_at),
        },
        "gate": gate,
        "cutovers": cutovers,
        "next_cutover_id": upcoming[0]["id"] if upcoming else None,
        "current_cutover_id": current.id if current is not None else None,
        "ports": {
            "numbers": _by_state(store.number_state_counts(), PortState),
            "orders": _by_state(order_counts, _ORDER_STATES),
        },
        "issues": {
            "open": sum(c["open"] for c in per_priority.values()),
            "breached": sum(c["breached"] for c in per_priority.values()),
            "by_priority": per_priority,
            "open_issues": [line for _rank, _urgency, line in open_lines],
        },
    }


def _counts(by_state: dict[str, int]) -> str:
    shown = [f"{n} {state.replace('_', ' ')}" for state, n in by_state.items() if n]
    return ", ".join(shown) or "none"


def status_text(status: dict[str, Any]) -> Iterable[str]:
    """The status for a person: a few lines, the same facts as the JSON."""
    project = status["project"] or {}
    if status["source"] == "cache":
        synced = status["last_sync"] or "never"
        yield (f"OFFLINE: from the local cache, last synced {synced}"
               + (f" ({status['offline_reason']})" if status["offline_reason"] else ""))
    yield (f"{project.get('name', '?')} for {project.get('customer', '?')} "
           f"({status['project_id']}), phase {project.get('phase', '?')}")
    for cutover in status["cutovers"]:
        mark = "→ " if cutover["id"] == status.get("current_cutover_id") else "  "
        sites = ", ".join(cutover["sites"]) or "no sites"
        line = (f"{mark}{cutover['name']}: {cutover['state'].replace('_', ' ')}, "
                f"{cutover['starts_at'] or 'not scheduled'} ({sites})")
        if cutover["gate_scope"] == "cutover":
            line += f", gate {cutover['gate']['verdict']}"
        yield line
    gate = status["gate"]
    current = next((c["name"] for c in status["cutovers"]
                    if c["id"] == status.get("current_cutover_id")), None)
    yield ("Gate" + (f" of {current} (the current wave)" if current else "")
           + f": {gate['verdict']}" + (f", {len(gate['unmet'])} unmet" if gate["unmet"] else ""))
    for unmet in gate["unmet"]:
        yield f"  - {unmet['name']}: {unmet['detail']}"
    ports = status["ports"]
    yield (f"Numbers ({ports['numbers']['total']}): "
           f"{_counts(ports['numbers']['by_state'])}")
    yield f"Orders ({ports['orders']['total']}): {_counts(ports['orders']['by_state'])}"
    issues = status["issues"]
    per = ", ".join(
        f"{p} {c['open']}" + (f" ({c['breached']} breached)" if c["breached"] else "")
        for p, c in issues["by_priority"].items()
    )
    yield f"Open issues ({issues['open']}, {issues['breached']} breaching SLA): {per}"
    if status["queued_changes"]:
        yield f"{status['queued_changes']} change(s) queued in the cache, not yet sent"
