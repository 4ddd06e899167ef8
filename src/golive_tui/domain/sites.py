"""Sites, their emergency locations and the on-site evidence recorded against them.

A site is known by a unique code and lives in an IANA time zone. Each of its emergency
locations (a floor, suite or room) carries a *dispatchable location* (DOMAIN.md §8): a
street address a 911 call can be sent to. Changing that address makes the location
pending again, so a 933 test placed before the change no longer proves it; validating a
location is the IPM's or an engineer's. The verification log (DOMAIN.md §5) takes a 933
test (E911-01) only with the emergency location it was dialled from, a call-quality test
(NET-02) only with its measured MOS, jitter and loss, and a test that does not apply at a
site only with the reason why.

:func:`golive_tui.domain.ops.apply_op` runs these rules for client and server alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from golive_tui.domain.enums import E911Status, EntityKind, Role, VerificationResult
from golive_tui.domain.errors import PermissionDenied, ValidationFailed
from golive_tui.domain.network import CALL_QUALITY_TEST, NetworkThresholds

if TYPE_CHECKING:
    from golive_tui.domain.rules.facts import Facts

Record = dict[str, Any]

#: the test case a 933 call is logged as
TEST_933 = "E911-01"
#: what people type for a 933 test that is not its code: refused with a pointer to E911-01
NOT_A_TEST_CODE = frozenset({"911", "933"})
#: the roles that validate an emergency location (or take the validation back)
VALIDATORS = frozenset({Role.IPM, Role.ENGINEER})
#: the measured values a call-quality test carries, and how each is named
MEASURES = {"mos": "MOS", "jitter_ms": "jitter (ms)", "loss_pct": "loss (%)"}

#: a street address: a house number, a street, and a place after a comma
_STREET = re.compile(r"^\s*\d+[A-Za-z]?(?:-\d+)?\s+\S")


def dispatchable_problem(address: str) -> str | None:
    """Why this text is not a dispatchable address, or None when it is one.

    A dispatchable location starts with a street address (house number and street) and
    names the place after a comma: "412 W 23rd St, Floor 2, New York, NY 10011".
    """
    text = " ".join(address.split())
    if not text:
        return "it is empty"
    if not _STREET.match(text):
        return "it does not start with a house number and street (412 W 23rd St, …)"
    if "," not in text:
        return "it names no city after the street (…, New York, NY 10011)"
    return None


def time_zone_problem(name: str) -> str | None:
    """Why this is not an IANA time zone name, or None when it is one."""
    if not name or name != name.strip():
        return "it is empty" if not name.strip() else "it has spaces around it"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "it is not an IANA time zone name"
    if name not in _zone_names():
        return "it is not an IANA time zone name"
    return None


_ZONES: set[str] = set()


def _zone_names() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


# ----------------------------------------------------------------------------- sites


def prepare_site(fields: Record, current: Mapping[str, Any] | None, facts: Facts | None) -> None:
    """A site's code (unique, upper case), name and time zone, as a create or update sets them."""
    if "code" in fields and isinstance(fields["code"], str):
        fields["code"] = fields["code"].strip().upper()
        code = fields["code"]
        if not code:
            raise ValidationFailed("A site needs a code (DEN, NYC …).", details={"field": "code"})
        if facts is not None and (current is None or code != current.get("code")):
            others = [s for s in facts.find(EntityKind.SITE, code=code)
                      if current is None or s.get("id") != current.get("id")]
            if others:
                raise ValidationFailed(
                    f"Site code {code} is already used by {others[0].get('name') or 'a site'}; "
                    "each site has its own code.",
                    details={"field": "code", "site_id": others[0].get("id")},
                )
    elif current is None:
        raise ValidationFailed("A site needs a code (DEN, NYC …).", details={"field": "code"})
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = " ".join(fields["name"].split())
        if not fields["name"]:
            raise ValidationFailed("A site needs a name.", details={"field": "name"})
    if "time_zone" in fields:
        zone = fields["time_zone"]
        problem = time_zone_problem(zone) if isinstance(zone, str) else "it is not text"
        if problem is not None:
            raise ValidationFailed(
                f"{zone!r} is not a time zone: {problem}. Use an IANA name such as "
                "America/Denver or Europe/London.",
                details={"field": "time_zone"},
            )


# ----------------------------------------------------------------------------- locations


def prepare_location(
    fields: Record, current: Mapping[str, Any] | None, facts: Facts | None, now: datetime
) -> None:
    """An emergency location's site, address and status, as a create or update sets them.

    A new or changed address stamps ``address_changed_at`` and, unless the same change
    validates it, sends the location back to pending; a validation stamps ``validated_at``
    and is the IPM's or an engineer's.
    """
    creating = current is None
    if creating or "site_id" in fields:
        site_id = fields.get("site_id")
        if not isinstance(site_id, str) or not site_id.strip():
            raise ValidationFailed(
                "An emergency location belongs to a site: name it (site_id).",
                details={"field": "site_id"},
            )
        if facts is not None and not facts.records(EntityKind.SITE, [site_id]):
            raise ValidationFailed(
                f"There is no site with id {site_id} in this project; add the site first, "
                "then its emergency locations.",
                details={"field": "site_id", "missing": [site_id]},
            )
    if "name" in fields and isinstance(fields["name"], str):
        fields["name"] = " ".join(fields["name"].split())
    changed = "address" in fields and (
        creating or fields["address"] != (current or {}).get("address")
    )
    if creating or changed:
        address = fields.get("address")
        problem = dispatchable_problem(address) if isinstance(address, str) else "it is missing"
        if problem is not None:
            raise ValidationFailed(
                f"The dispatchable address is not usable: {problem}. Give the street address "
                "with floor or suite and city, e.g. '412 W 23rd St, Floor 2, New York, NY 10011'.",
                details={"field": "address"},
            )
        fields["address"] = " ".join(str(address).split())
    status = fields.get("status")
    current_status = (current or {}).get("status")
    validating = status is not None and str(status) == E911Status.VERIFIED.value and (
        creating or changed or str(current_status) != E911Status.VERIFIED.value
    )
    if status is not None and str(status) != str(current_status or "") and facts is not None:
        role = facts.role
        if role is not None and role not in VALIDATORS and str(status) in (
            E911Status.VERIFIED.value, E911Status.INVALID.value,
        ):
            raise PermissionDenied(
                "Only the IPM or an engineer validates an emergency location.",
                details={"field": "status", "role": role.value},
            )
    if changed:
        fields["address_changed_at"] = now
        if not creating and not validating:
            fields["status"] = E911Status.PENDING.value
            fields["validated_at"] = None
        if creating and status is None:
            fields["status"] = E911Status.PENDING.value
    if validating:
        fields["validated_at"] = now
    elif status is not None and str(status) != E911Status.VERIFIED.value:
        fields["validated_at"] = None


# ----------------------------------------------------------------------------- verifications


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def prepare_verification(fields: Record, facts: Facts | None) -> None:
    """What a test result must carry to count as evidence; fills in the 933 test's site."""
    code = str(fields.get("test_case") or "").strip()
    if code.upper() in NOT_A_TEST_CODE:
        raise ValidationFailed(
            f"{code!r} is not a test of the plan: a 933 test is logged as {TEST_933}, "
            "from the emergency location it was dialled from.",
            details={"field": "test_case"},
        )
    try:
        result = VerificationResult(str(fields.get("result")))
    except ValueError:
        return  # validation names the bad value
    if result is VerificationResult.NOT_APPLICABLE:
        note = fields.get("note")
        if not isinstance(note, str) or not note.strip():
            raise ValidationFailed(
                f"Marking {code or 'a test'} not applicable needs the reason why (note), "
                "e.g. 'no fax line at this site'.",
                details={"field": "note"},
            )
        if not fields.get("site_id"):
            raise ValidationFailed(
                f"{code or 'A test'} is marked not applicable at a site: name it (site_id).",
                details={"field": "site_id"},
            )
        return
    if code == TEST_933:
        _check_933(fields, facts)
    elif code == CALL_QUALITY_TEST and result is VerificationResult.PASS:
        _check_call_quality(fields, facts)


def _check_933(fields: Record, facts: Facts | None) -> None:
    location_id = fields.get("emergency_location_id")
    if not location_id:
        raise ValidationFailed(
            "A 933 test (E911-01) is recorded per emergency location: name the floor or "
            "suite it was dialled from (emergency_location_id).",
            details={"field": "emergency_location_id"},
        )
    if facts is None:
        return
    location = facts.records(EntityKind.EMERGENCY_LOCATION, [str(location_id)]).get(
        str(location_id))
    if location is None:
        raise ValidationFailed(
            f"There is no emergency location with id {location_id} in this project.",
            details={"field": "emergency_location_id", "missing": [str(location_id)]},
        )
    site_id = fields.get("site_id")
    if site_id and site_id != location.get("site_id"):
        raise ValidationFailed(
            f"The emergency location {location.get('name')!r} belongs to another site than "
            "the one this 933 test names.",
            details={"field": "site_id"},
        )
    fields["site_id"] = location.get("site_id")


def _check_call_quality(fields: Record, facts: Facts | None) -> None:
    values = {name: _number(fields.get(name)) for name in MEASURES}
    missing = [MEASURES[name] for name, value in values.items() if value is None]
    if missing:
        raise ValidationFailed(
            f"A passing {CALL_QUALITY_TEST} records what was measured: give "
            f"{', '.join(missing)}.",
            details={"field": "mos", "missing": missing},
        )
    stored = None
    if facts is not None:
        projects = facts.find(EntityKind.PROJECT)
        stored = projects[0].get("network_thresholds") if projects else None
    thresholds = NetworkThresholds.from_stored(stored if isinstance(stored, dict) else None)
    shortfalls = thresholds.shortfalls(values["mos"], values["jitter_ms"], values["loss_pct"])
    if shortfalls:
        raise ValidationFailed(
            f"These measurements miss the project's thresholds ({'; '.join(shortfalls)}): "
            f"record this {CALL_QUALITY_TEST} as a fail, not a pass.",
            details={"field": "result", "shortfalls": shortfalls},
        )


def prepare(
    kind: EntityKind, fields: Record, current: Mapping[str, Any] | None,
    facts: Facts | None, now: datetime,
) -> None:
    """Check and complete what a create (``current`` None) or an update sets on a site, an
    emergency location or a test result; other kinds pass through."""
    if kind is EntityKind.SITE:
        prepare_site(fields, current, facts)
    elif kind is EntityKind.EMERGENCY_LOCATION:
        prepare_location(fields, current, facts, now)
    elif kind is EntityKind.VERIFICATION and current is None:
        prepare_verification(fields, facts)
