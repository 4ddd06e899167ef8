"""A project with two cutover waves, as records: today's wave holds every piece of evidence
its gate asks for, next week's holds blockers of every kind. Tests change one record and
see which condition it opens or closes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from golive_tui.domain.enums import EntityKind as K
from golive_tui.domain.gate import GateResult, gate_from_records
from golive_tui.domain.network import NetworkThresholds
from golive_tui.domain.ops import validate_record

Record = dict[str, Any]

PROJECT = "project-1"
#: 16:30 UTC is 11:30 in New York on this Wednesday: Zoom's activation window opens
TODAY_START = datetime(2026, 12, 9, 16, 30, tzinfo=UTC)
NOW = TODAY_START - timedelta(hours=3)
NEXT_WEEK_START = TODAY_START + timedelta(days=7)
REASON = "Carrier confirmed the FOC by phone; written copy due within the hour"


def rec(kind: K, entity_id: str, **fields: Any) -> Record:
    """A valid record of the project, as the rules would store it."""
    return validate_record(kind, {"id": entity_id, "project_id": PROJECT, "version": 1,
                                  **fields})


def world() -> dict[K, list[Record]]:
    """Records by kind: wave 1 (DEN, today) ready to go, wave 2 (CHI, next week) blocked."""
    return {
        K.PROJECT: [rec(K.PROJECT, PROJECT, name="Ridgeline", customer="Ridgeline")],
        K.CUTOVER: [
            rec(K.CUTOVER, "wave-1", name="Wave 1 – Denver", starts_at=TODAY_START,
                ends_at=TODAY_START + timedelta(hours=3), site_ids=["site-den"],
                state="ready"),
            rec(K.CUTOVER, "wave-2", name="Wave 2 – Chicago", starts_at=NEXT_WEEK_START,
                ends_at=NEXT_WEEK_START + timedelta(hours=3), site_ids=["site-chi"]),
        ],
        K.SITE: [
            rec(K.SITE, "site-den", code="DEN", name="Denver HQ"),
            rec(K.SITE, "site-chi", code="CHI", name="Lincoln Park"),
        ],
        K.EMERGENCY_LOCATION: [
            rec(K.EMERGENCY_LOCATION, "loc-den-2", site_id="site-den", name="Floor 2",
                address="2150 Larimer St, Floor 2, Denver, CO 80205", status="verified",
                address_changed_at=NOW - timedelta(days=10)),
            rec(K.EMERGENCY_LOCATION, "loc-chi-2", site_id="site-chi", name="Floor 2",
                address="2215 N Clark St, Suite 210, Chicago, IL 60614", status="pending"),
        ],
        K.VERIFICATION: [
            rec(K.VERIFICATION, "v-933-den", test_case="E911-01", target="DEN",
                site_id="site-den", emergency_location_id="loc-den-2", result="pass",
                tested_at=NOW - timedelta(days=1)),
            rec(K.VERIFICATION, "v-net-den", test_case="NET-02", target="DEN",
                site_id="site-den", result="pass", tested_at=NOW - timedelta(days=1),
                mos=4.3, jitter_ms=9.0, loss_pct=0.2),
        ],
        K.PORT_ORDER: [
            rec(K.PORT_ORDER, "order-1", pon="PO-1", carrier="Lumen", cutover_id="wave-1",
                status="foc_confirmed", confirmed_foc=TODAY_START,
                loa_signed_at=NOW - timedelta(days=20)),
            rec(K.PORT_ORDER, "order-2", pon="PO-2", carrier="Comcast Business",
                cutover_id="wave-2", status="submitted",
                loa_signed_at=NOW - timedelta(days=20)),
        ],
        K.CHECKLIST_ITEM: [
            rec(K.CHECKLIST_ITEM, "item-gl", key="GL-01", title="Checklist reviewed",
                gate=True, status="done"),
            rec(K.CHECKLIST_ITEM, "item-chi", key="CHI-01", title="Chicago phones online",
                gate=True, cutover_id="wave-2"),
            rec(K.CHECKLIST_ITEM, "item-foc", key="POR-04", title="Every FOC in writing",
                gate=True, evidence="port_orders"),
        ],
        K.ISSUE: [
            rec(K.ISSUE, "issue-chi", ref="GL-CHI01", title="Chicago main number dead",
                priority="P1", state="in_progress", site_id="site-chi"),
        ],
        K.SIGNOFF: [
            rec(K.SIGNOFF, "cosign-1", signoff_kind="go_live_cosign", cutover_id="wave-1",
                by="dana.whitfield", role="customer", at=NOW - timedelta(hours=1)),
        ],
    }


def find(records: Mapping[K, list[Record]], kind: K, entity_id: str) -> Record:
    return next(r for r in records[kind] if r["id"] == entity_id)


def gate_of_wave(records: Mapping[K, list[Record]], wave_id: str | None = "wave-1",
                 thresholds: NetworkThresholds | None = None) -> GateResult:
    cutover = None if wave_id is None else find(records, K.CUTOVER, wave_id)
    return gate_from_records(cutover=cutover, records=records, thresholds=thresholds)
