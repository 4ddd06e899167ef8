"""Site, emergency location and on-site evidence rules, through ``apply_op``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from golive_tui.domain.enums import E911Status, EntityKind, Role
from golive_tui.domain.enums import OpAction as A
from golive_tui.domain.errors import PermissionDenied, ValidationFailed
from golive_tui.domain.rules import RecordFacts
from golive_tui.domain.sites import dispatchable_problem, time_zone_problem
from tests.unit.test_rules import NOW, apply, op, stored

K = EntityKind
ADDRESS = "412 W 23rd St, Floor 2, New York, NY 10011"


def floor(facts: RecordFacts, **fields: Any) -> dict[str, Any]:
    stored(facts, K.SITE, "site-nyc", code="NYC", name="New York")
    return stored(facts, K.EMERGENCY_LOCATION, "el-2", site_id="site-nyc", name="Floor 2",
                  address=ADDRESS, **fields)


@pytest.mark.parametrize(("address", "why"), [
    ("", "empty"), ("Floor 2", "house number"), ("412 W 23rd St Floor 2", "no city"),
])
def test_an_address_that_is_not_dispatchable_says_why(address: str, why: str) -> None:
    problem = dispatchable_problem(address)
    assert problem is not None and why in problem
    assert dispatchable_problem(ADDRESS) is None


def test_a_time_zone_is_an_iana_name() -> None:
    assert time_zone_problem("America/Denver") is None
    for bad in ("America/Bostn", "EST5EDT ", "-05:00", "", "../etc/passwd"):
        assert time_zone_problem(bad) is not None, bad


def test_validating_stamps_the_time_and_a_new_address_undoes_it() -> None:
    facts = RecordFacts()
    location = floor(facts)
    assert location["status"] is E911Status.PENDING
    assert location["address_changed_at"] == NOW
    later = NOW + timedelta(hours=1)
    validated = apply(location, op(K.EMERGENCY_LOCATION, A.UPDATE, "el-2", status="verified"),
                      facts, now=later)
    assert (validated["status"], validated["validated_at"]) == (E911Status.VERIFIED, later)
    # the same address again is no change of address
    same = apply(validated, op(K.EMERGENCY_LOCATION, A.UPDATE, "el-2", address=ADDRESS), facts)
    assert same["status"] is E911Status.VERIFIED
    moved = apply(validated, op(K.EMERGENCY_LOCATION, A.UPDATE, "el-2",
                                address=ADDRESS.replace("Floor 2", "Floor 2, Suite 2F")),
                  facts, now=later + timedelta(hours=1))
    assert moved["status"] is E911Status.PENDING and moved["validated_at"] is None
    assert moved["address_changed_at"] == later + timedelta(hours=1)


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SUPPORT, Role.VIEWER])
def test_only_the_ipm_or_an_engineer_validates_a_location(role: Role) -> None:
    facts = RecordFacts()
    location = floor(facts)
    facts_as = RecordFacts(role, facts.by_kind)
    with pytest.raises(PermissionDenied, match="Only the IPM or an engineer"):
        apply(location, op(K.EMERGENCY_LOCATION, A.UPDATE, "el-2", status="verified"), facts_as)
    engineer = RecordFacts(Role.ENGINEER, facts.by_kind)
    assert apply(location, op(K.EMERGENCY_LOCATION, A.UPDATE, "el-2", status="verified"),
                 engineer)["status"] is E911Status.VERIFIED


def test_a_net_02_pass_uses_the_project_s_own_thresholds() -> None:
    facts = RecordFacts()
    stored(facts, K.SITE, "site-nyc", code="NYC", name="New York")
    facts.add(K.PROJECT, {"id": "p", "network_thresholds": {"min_mos": 3.5}})
    values = {"test_case": "NET-02", "target": "NYC", "site_id": "site-nyc", "result": "pass",
              "jitter_ms": 10, "loss_pct": 0.2}
    stored(facts, K.VERIFICATION, "v-1", mos=3.6, **values)  # within this project's
    with pytest.raises(ValidationFailed, match=r"MOS 3\.4 below 3\.5"):
        stored(facts, K.VERIFICATION, "v-2", mos=3.4, **values)
    # a fail is recorded as measured, or without numbers
    stored(facts, K.VERIFICATION, "v-3", **{**values, "result": "fail"})
