"""Synthetic projects of any size, for benchmarks and tests.

:func:`generate_project` builds a project with 100,000 numbers in a few seconds: numbers are
built arithmetically as plain records; everything else goes through the same validated path
as the demo (:func:`golive_tui.domain.project_doc.build_document`). Seeded randomness: the
same arguments always give the same records and ids.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from golive_tui.domain.enums import (
    NUMBER_STATE_OF_ORDER,
    EntityKind,
    NumberType,
    OrderState,
    PortState,
    RejectionCode,
)
from golive_tui.domain.fixture_loader import FixtureLoader
from golive_tui.domain.fixture_values import Record
from golive_tui.domain.project_doc import (
    FIXTURE_ACTOR,
    FIXTURE_FORMAT,
    WEB_PORT_LIMIT,
    ProjectDocument,
    build_document,
)

__all__ = ["generate_project"]

# Data tables, laid out by hand for reading.
# fmt: off
#: (code, name, street address, time zone, area codes) of the generator's sites
_GEN_SITES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("DEN", "Denver Distribution Center", "4800 Dahlia St, Denver, CO 80216",
     "America/Denver", ("303", "720")),
    ("NYC", "New York Office", "250 W 34th St, Floor 9, New York, NY 10119",
     "America/New_York", ("212", "646", "917", "718", "332")),
    ("LAX", "Los Angeles Cross-Dock", "2200 E 7th St, Los Angeles, CA 90023",
     "America/Los_Angeles", ("213", "310", "323", "818", "424")),
    ("CHI", "Chicago Hub", "3400 S Kedzie Ave, Chicago, IL 60623",
     "America/Chicago", ("312", "773", "872")),
    ("ATL", "Atlanta Warehouse", "1600 Southside Industrial Pkwy, Atlanta, GA 30354",
     "America/New_York", ("404", "470", "678")),
    ("DAL", "Dallas Terminal", "8100 Ambassador Row, Dallas, TX 75247",
     "America/Chicago", ("214", "469", "972")),
    ("SEA", "Seattle Port Office", "3400 E Marginal Way S, Seattle, WA 98134",
     "America/Los_Angeles", ("206", "425")),
    ("PHX", "Phoenix Yard", "4400 W Buckeye Rd, Phoenix, AZ 85043",
     "America/Phoenix", ("602", "480")),
    ("BOS", "Boston Office", "100 Summer St, Floor 12, Boston, MA 02110",
     "America/New_York", ("617", "857")),
    ("SFO", "Oakland Gateway", "1 Market St, San Francisco, CA 94105",
     "America/Los_Angeles", ("415", "628")),
    ("HOU", "Houston Depot", "9200 Wallisville Rd, Houston, TX 77013",
     "America/Chicago", ("713", "832", "281")),
    ("SLC", "Salt Lake Depot", "1850 S 5070 W, Salt Lake City, UT 84104",
     "America/Denver", ("801", "385")),
    ("ANC", "Anchorage Air Freight", "5600 W International Airport Rd, Anchorage, AK 99502",
     "America/Anchorage", ("907",)),
    ("HNL", "Honolulu Harbor Office", "521 Ala Moana Blvd, Honolulu, HI 96813",
     "Pacific/Honolulu", ("808",)),
)
_TOLL_FREE_NPAS = ("800", "888", "877", "866", "855", "844", "833")
#: exchanges 200-999 without 555 (fiction) and N11 (service codes): valid in every real NPA
_EXCHANGES: tuple[int, ...] = tuple(x for x in range(200, 1000) if x != 555 and x % 100 != 11)
_CARRIERS = ("Lumen", "Verizon Business", "AT&T", "Comcast Business", "Frontier", "Spectrum")
#: how often each state is drawn for an order (every state appears once first)
_ORDER_STATE_WEIGHTS: tuple[tuple[OrderState, int], ...] = (
    (OrderState.DRAFT, 5),
    (OrderState.LOA_PENDING, 8),
    (OrderState.SUBMITTED, 15),
    (OrderState.FOC_CONFIRMED, 22),
    (OrderState.ACTIVATED, 36),
    (OrderState.FOC_MISSED, 1),
    (OrderState.REJECTED, 6),
    (OrderState.CANCELLED, 3),
    (OrderState.NOT_PORTABLE, 1),
    (OrderState.SNAPBACK_REQUESTED, 3),
)
#: numbers of one order diverge (DIDWW): (share of the order's numbers, the state they are in)
_NUMBER_DIVERGENCE: dict[OrderState, tuple[float, PortState]] = {
    OrderState.ACTIVATED: (0.3, PortState.VERIFIED),
    OrderState.SNAPBACK_REQUESTED: (0.95, PortState.PORTED),
    OrderState.FOC_CONFIRMED: (0.01, PortState.REJECTED),
}
#: orders whose FOC is behind them
_FOC_PAST = frozenset({OrderState.ACTIVATED, OrderState.SNAPBACK_REQUESTED,
                       OrderState.FOC_MISSED})
_REJECTIONS = tuple(code for code in RejectionCode if code is not RejectionCode.NOT_PORTABLE)
_FIRST = ("Avery", "Jordan", "Priya", "Mateo", "Hana", "Kwame", "Lucia", "Owen", "Mei", "Tariq",
          "Sofia", "Dmitri", "Amara", "Liam", "Yuki", "Noor", "Elena", "Marcus", "Ines", "Ravi")
_LAST = ("Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fofana", "Garcia", "Haddad", "Ito",
         "Jensen", "Kowalczyk", "Lindqvist", "Mensah", "Novak", "Okafor", "Patel", "Quinn",
         "Rossi", "Sato", "Turner", "Underwood", "Varga", "Whitfield", "Yilmaz", "Zhang")
_QUEUES = ("Dispatch Queue", "Customer Service Queue", "Billing Queue", "Driver Line Queue")

_GEN_MEMBERS = (
    ("avery.brooks", "Avery Brooks", "ipm"),
    ("mateo.garcia", "Mateo Garcia", "engineer"),
    ("hana.ito", "Hana Ito", "engineer"),
    ("ravi.patel", "Ravi Patel", "support"),
    ("ines.rossi", "Ines Rossi", "support"),
    ("kwame.mensah", "Kwame Mensah", "customer"),
    ("sofia.novak", "Sofia Novak", "viewer"),
)
_ROLE_PERSON = {"ipm": "avery.brooks", "engineer": "mateo.garcia", "support": "ravi.patel",
                "customer": "kwame.mensah"}
#: key, title, phase, stream, owner role, status, gate, due
_GEN_CHECKLIST: tuple[tuple[str, str, str, str, str, str, bool, str], ...] = (
    ("PRJ-01", "IPM assigned; expectations set with the MPOC", "ipm_assigned", "project",
     "ipm", "done", False, "B-40 10:00"),
    ("PRJ-02", "Statement of work signed", "initial_setup", "project", "ipm", "done", False,
     "B-36 17:00"),
    ("PRJ-03", "Implementation plan and calendar published", "initial_setup", "project", "ipm",
     "done", False, "B-35 17:00"),
    ("PRJ-04", "Kickoff call held; licences ordered", "kickoff", "project", "ipm", "done",
     False, "B-33 11:00"),
    ("POR-01", "LOAs signed for every order (toll-free on its own LOA)", "kickoff", "porting",
     "customer", "done", True, "B-20 17:00"),
    ("NET-01", "Bandwidth 60-100 kbps per call, QoS / DSCP, firewall rules, SIP ALG off, "
     "UDP NAT timeout ≥ 70 s", "implementation", "network", "engineer", "done", True,
     "B-10 17:00"),
    ("BLD-01", "Users 1:1 with extensions; desk phones provisioned by MAC and online",
     "implementation", "build", "engineer", "in_progress", True, "D+0 10:00"),
    ("BLD-02", "Auto receptionists (business / closed / holiday hours), call queues with "
     "overflow, voicemail-to-email", "implementation", "build", "engineer", "done", False,
     "B-5 17:00"),
    ("E911-01", "Kari's Law and RAY BAUM'S Act dispatchable location", "implementation",
     "e911", "engineer", "done", True, "B-6 17:00"),
    ("E911-02", "Emergency address verified for every site", "implementation", "e911",
     "engineer", "in_progress", True, "B-1 17:00"),
    ("CUS-01", "Zoom training done and network readiness confirmed", "implementation",
     "customer", "customer", "done", True, "B-3 17:00"),
    ("POR-02", "Every port order FOC-confirmed in writing; temp-number swaps mapped",
     "go_live", "porting", "ipm", "blocked", True, "B-5 17:00"),
    ("GL-01", "Go / no-go call", "go_live", "project", "ipm", "todo", False,
     "D+0 11:00 America/New_York"),
    ("GL-02", "On-site verification at every site", "go_live", "project", "engineer",
     "todo", False, "D+0 17:00"),
    ("HC-01", "Hypercare rota and escalation path published", "hypercare", "support",
     "support", "todo", False, "D+0 17:00"),
    ("HC-02", "Daily issue review with the MPOC", "hypercare", "support", "ipm", "todo",
     False, "B+5 17:00"),
    ("ACC-01", "Formal hand-off to Service & Support", "acceptance", "support", "support",
     "todo", False, "B+14 12:00"),
    ("ACC-02", "Customer acceptance sign-off and feedback", "acceptance", "customer",
     "customer", "todo", False, "B+15 10:00"),
)
#: items that wait for another than the one before them (done items wait for done ones)
_GEN_AFTER = {"BLD-02": "NET-01", "CUS-01": "NET-01"}
_PHASE_MILESTONES = (
    ("ipm_assigned", "IPM assigned", "B-40 10:00", True),
    ("initial_setup", "SOW and implementation plan", "B-35 17:00", True),
    ("kickoff", "Kickoff call", "B-33 11:00", True),
    ("implementation", "Build complete", "B-2 17:00", False),
    ("go_live", "Go-live", "D+0 11:30 America/New_York", False),
    ("hypercare", "Hypercare ends", "B+10 17:00", False),
    ("acceptance", "Acceptance and hand-off", "B+15 10:00", False),
)
# fmt: on


def generate_project(
    n_numbers: int,
    *,
    seed: int = 7,
    sites: int = 5,
    orders: int | None = None,
    demo_day: date | None = None,
    now: datetime | None = None,
) -> ProjectDocument:
    """A synthetic project with ``n_numbers`` unique, valid North American numbers.

    Numbers come from real area codes and exchanges (never 555 or N11), in blocks of up to
    100 consecutive numbers per port order; ``orders`` (default: one per 100 numbers) splits
    them evenly, so an order above 100 numbers is a project port. Order states cover every
    :class:`OrderState` of the usual path once there are ten orders or more. Sites, members, milestones, a
    checklist over all seven phases, verifications and issues of every priority come with it
    so every screen has data. The same arguments always give the same records and ids.
    """
    if n_numbers < 0:
        raise ValueError("n_numbers cannot be negative")
    if not 1 <= sites <= len(_GEN_SITES):
        raise ValueError(f"sites must be between 1 and {len(_GEN_SITES)}")
    if orders is None:
        orders = max(1, math.ceil(n_numbers / WEB_PORT_LIMIT))
    if orders < 1:
        raise ValueError("orders must be at least 1")
    rng = random.Random(seed)
    chosen_sites = _GEN_SITES[:sites]

    sizes = [n_numbers // orders + (1 if i < n_numbers % orders else 0) for i in range(orders)]
    states = [state for state, _ in _ORDER_STATE_WEIGHTS]
    weights = [weight for _, weight in _ORDER_STATE_WEIGHTS]
    order_states = states[:orders] + rng.choices(states, weights, k=max(0, orders - len(states)))
    rng.shuffle(order_states)
    # one toll-free order in 40 (at least one when there are 20 orders or more)
    toll_free = [i % 40 == 19 for i in range(orders)]

    # number blocks: per pool (a site, or toll-free), distinct (npa, exchange, hundred) blocks
    pool_npas: dict[str, tuple[str, ...]] = {site[0]: site[4] for site in chosen_sites}
    pool_npas["TF"] = _TOLL_FREE_NPAS
    order_pool = ["TF" if toll_free[i] else chosen_sites[i % sites][0] for i in range(orders)]
    blocks_needed: dict[str, int] = {}
    for i, size in enumerate(sizes):
        pool = order_pool[i]
        blocks_needed[pool] = blocks_needed.get(pool, 0) + max(1, math.ceil(size / 100))
    free_blocks: dict[str, list[int]] = {}
    for pool, needed in blocks_needed.items():
        capacity = len(pool_npas[pool]) * len(_EXCHANGES) * 100
        if needed > capacity:
            raise ValueError(f"too many numbers for the area codes of {pool}; add sites")
        free_blocks[pool] = rng.sample(range(capacity), needed)

    order_numbers: list[list[str]] = []
    for i, size in enumerate(sizes):
        pool = order_pool[i]
        npas = pool_npas[pool]
        numbers: list[str] = []
        while len(numbers) < size:
            block = free_blocks[pool].pop()
            npa = npas[block // (len(_EXCHANGES) * 100)]
            exchange = _EXCHANGES[(block // 100) % len(_EXCHANGES)]
            first_line = (block % 100) * 100
            take = min(100, size - len(numbers))
            prefix = f"+1{npa}{exchange}"
            numbers.extend(f"{prefix}{line:04d}" for line in range(first_line, first_line + take))
        order_numbers.append(numbers)

    site_main: dict[str, str] = {}
    for i, numbers in enumerate(order_numbers):
        if numbers and not toll_free[i]:
            site_main.setdefault(order_pool[i], numbers[0])

    fixture = _generated_fixture(
        n_numbers,
        seed,
        sites,
        orders,
        chosen_sites,
        sizes,
        order_states,
        toll_free,
        order_numbers,
        site_main,
        rng,
    )
    return _load_generated(fixture, demo_day, now, order_numbers, order_pool, site_main, rng)


def _generated_fixture(
    n_numbers: int,
    seed: int,
    n_sites: int,
    n_orders: int,
    chosen_sites: Sequence[tuple[str, str, str, str, tuple[str, ...]]],
    sizes: Sequence[int],
    order_states: Sequence[OrderState],
    toll_free: Sequence[bool],
    order_numbers: Sequence[Sequence[str]],
    site_main: Mapping[str, str],
    rng: random.Random,
) -> Record:
    """Everything but the numbers, in the fixture format (so it is validated the same way)."""
    sites = []
    for index, (code, name, address, zone, _npas) in enumerate(chosen_sites):
        pending = n_sites > 1 and index == n_sites - 1
        sites.append(
            {
                "code": code,
                "name": name,
                "address": address,
                "time_zone": zone,
                "e911_address": address,
                "e911_status": "pending" if pending else "verified",
                "main_number": site_main.get(code),
                "floors": 1 + index % 3,
            }
        )
    port_orders = [
        _generated_order(i, state, sizes[i], toll_free[i], order_numbers[i], rng)
        for i, state in enumerate(order_states)
    ]
    checklist = [
        {
            "key": key,
            "title": title,
            "phase": phase,
            "stream": stream,
            "owner_role": role,
            "assignee": _ROLE_PERSON[role],
            "due_at": due,
            "predecessors": [_GEN_AFTER.get(key, _GEN_CHECKLIST[i - 1][0])] if i else [],
            "gate": gate,
            "status": status,
        }
        for i, (key, title, phase, stream, role, status, gate, due) in enumerate(_GEN_CHECKLIST)
    ]
    first = chosen_sites[0][0]
    last = chosen_sites[-1][0]
    verifications: list[Record] = []
    for code, *_ in chosen_sites:
        verifications += [
            {
                "test_case": "NET-01",
                "site": code,
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-5h",
            },
            {
                "test_case": "NET-02",
                "site": code,
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-4h",
                "mos": 4.2,
                "loss_pct": 0.3,
            },
        ]
    verifications.append(
        {
            "key": "E911-FAIL",
            "test_case": "E911-01",
            "site": last,
            "result": "fail",
            "tester": "hana.ito",
            "tested_at": "N-50m",
            "note": "933 announced the old street address.",
        }
    )
    if first in site_main:
        verifications.append(
            {
                "test_case": "DID",
                "number": site_main[first],
                "result": "pass",
                "tester": "mateo.garcia",
                "tested_at": "N-3h",
            }
        )
    issues: list[Record] = [
        {
            "key": "GEN-P1",
            "title": f"933 from {last} announces the wrong address",
            "priority": "P1",
            "state": "in_progress",
            "category": "e911_address",
            "assignee": "hana.ito",
            "reporter": "hana.ito",
            "site": last,
            "verification": "E911-FAIL",
            "opened_at": "N-45m",
            "responded_at": "N-35m",
        },
        {
            "key": "GEN-P2",
            "title": "Dispatch queue overflow rings an empty hunt group",
            "priority": "P2",
            "state": "on_hold",
            "category": "call_queue",
            "assignee": "ravi.patel",
            "reporter": "kwame.mensah",
            "site": first,
            "opened_at": "B-1 10:00",
            "responded_at": "B-1 10:30",
            "on_hold_since": "B-1 11:00",
            "hold_reason": "awaiting_customer",
        },
        {
            "key": "GEN-P3",
            "title": "Echo on calls from the warehouse floor phones",
            "priority": "P3",
            "state": "in_progress",
            "category": "echo_dtmf",
            "assignee": "ines.rossi",
            "reporter": "mateo.garcia",
            "site": first,
            "opened_at": "N-3h",
            "responded_at": "N-2h",
        },
        {
            "key": "GEN-P4",
            "title": "How do drivers check voicemail from the mobile app?",
            "priority": "P4",
            "state": "new",
            "category": "training",
            "reporter": "kwame.mensah",
            "source": "portal",
            "opened_at": "N-90m",
        },
        {
            "key": "GEN-DONE",
            "title": "Fax to the customs broker fails after page 1",
            "priority": "P3",
            "state": "resolved",
            "category": "fax",
            "assignee": "ravi.patel",
            "reporter": "mateo.garcia",
            "site": first,
            "opened_at": "B-3 09:00",
            "responded_at": "B-3 09:30",
            "resolved_at": "B-2 15:00",
            "resolution": "ATA switched from G.711 pass-through to T.38.",
        },
    ]
    notes = [
        {
            "issue": "GEN-P1",
            "author": "hana.ito",
            "at": "N-35m",
            "body": "Zoom shows the emergency address as pending; re-submitted the corrected one.",
        },
        {
            "issue": "GEN-P2",
            "author": "ravi.patel",
            "at": "B-1 11:00",
            "body": "Waiting for the customer to name the overflow target.",
        },
    ]
    return {
        "format": FIXTURE_FORMAT,
        "project": {
            "key": f"generated|{n_numbers}|{seed}|{n_sites}|{n_orders}",
            "name": f"Harborview Logistics: Zoom Phone ({n_numbers:,} numbers)",
            "customer": "Harborview Logistics Group",
            "time_zone": chosen_sites[0][3],
            "cutover_at": "D+0 11:30 America/New_York",
            "phase": "go_live",
            "description": "A synthetic project for benchmarks (golive_tui.domain.project_doc).",
        },
        "sites": sites,
        "milestones": [
            {"phase": phase, "name": name, "due_at": due, "done_at": due if done else None}
            for phase, name, due, done in _PHASE_MILESTONES
        ],
        "members": [{"user": u, "display_name": d, "role": r} for u, d, r in _GEN_MEMBERS],
        "port_orders": port_orders,
        "checklist": checklist,
        "verifications": verifications,
        "issues": issues,
        "issue_notes": notes,
        "decisions": [],
    }


def _generated_order(
    index: int,
    state: OrderState,
    size: int,
    toll_free: bool,
    numbers: Sequence[str],
    rng: random.Random,
) -> Record:
    days_back = 1 + index % 15
    days_ahead = index % 10
    foc_past = f"B-{days_back} 11:30 America/New_York"
    foc_future = f"B+{days_ahead} 11:30 America/New_York"
    order: Record = {
        "pon": f"GEN-{index + 1:05d}",
        "carrier": _CARRIERS[index % len(_CARRIERS)],
        "btn": numbers[0] if numbers else "",
        "loa_id": f"LOA-{'TF-' if toll_free else ''}{index + 1:05d}",
        "toll_free": toll_free,
        "status": state.value,
        "notes": "Project port (over 100 numbers)." if size > WEB_PORT_LIMIT else "",
    }
    if state not in (OrderState.DRAFT, OrderState.LOA_PENDING):
        order["loa_signed_at"] = f"B-{days_back + 10} 10:00"
        order["zoom_order_id"] = f"ZPO-{index + 1:06d}"
    if state in _FOC_PAST:
        order["requested_foc"] = order["confirmed_foc"] = foc_past
        if state is not OrderState.FOC_MISSED:
            order["activated_at"] = foc_past
    elif state is OrderState.FOC_CONFIRMED:
        order["requested_foc"] = order["confirmed_foc"] = foc_future
    elif state is not OrderState.DRAFT:
        order["requested_foc"] = foc_future
    if state is OrderState.REJECTED:
        order["rejection_code"] = rng.choice(_REJECTIONS).value
    return order


def _load_generated(
    fixture: Record,
    demo_day: date | None,
    now: datetime | None,
    order_numbers: Sequence[Sequence[str]],
    order_pool: Sequence[str],
    site_main: Mapping[str, str],
    rng: random.Random,
) -> ProjectDocument:
    """Load the fixture part, then add the numbers as plain records (fast path)."""

    def numbers_for(loader: FixtureLoader) -> list[Record]:
        orders = loader.records[EntityKind.PORT_ORDER]
        site_ids = {code: site["id"] for code, site in loader.site_by_code.items()}
        first_site = next(iter(site_ids.values()))
        mains = set(site_main.values())
        records: list[Record] = []
        name_count = len(_FIRST) * len(_LAST)
        for order, numbers, pool in zip(orders, order_numbers, order_pool, strict=True):
            state = OrderState(order["status"])
            follows = NUMBER_STATE_OF_ORDER[state]
            order_code = order["rejection_code"]
            site_id = site_ids.get(pool, first_site)
            order_id = order["id"]
            tf = pool == "TF"
            for position, e164 in enumerate(numbers):
                number_state = follows
                diverge = _NUMBER_DIVERGENCE.get(state)
                if diverge is not None and rng.random() < diverge[0]:
                    number_state = diverge[1]
                if number_state is PortState.REJECTED:
                    code = order_code or RejectionCode.PARTIAL_PORT.value
                elif number_state is PortState.NOT_PORTABLE:
                    code = RejectionCode.NOT_PORTABLE.value
                else:
                    code = None
                slot = position % 100
                if tf:
                    number_type = NumberType.TOLL_FREE
                elif e164 in mains:
                    number_type = NumberType.MAIN
                elif slot == 90:
                    number_type = NumberType.FAX
                elif slot == 95:
                    number_type = NumberType.COMMON_AREA
                else:
                    number_type = NumberType.DID
                if number_type is NumberType.MAIN:
                    assigned = "Main AR"
                elif slot < 4:
                    assigned = _QUEUES[slot]
                elif slot < 70:
                    k = int(e164[-7:]) % name_count
                    assigned = f"{_FIRST[k % len(_FIRST)]} {_LAST[k // len(_FIRST)]}"
                else:
                    assigned = ""
                records.append(
                    {
                        "id": loader.id_for(EntityKind.NUMBER, e164),
                        "project_id": loader.project_id,
                        "version": 1,
                        "updated_at": loader.now,
                        "updated_by": FIXTURE_ACTOR,
                        "e164": e164,
                        "site_id": site_id,
                        "order_id": order_id,
                        "number_type": number_type,
                        "assigned_to": assigned,
                        "porting_state": number_state,
                        "rejection_code": code,
                        "temp_number": None,
                    }
                )
        return records

    return build_document(
        fixture,
        "generated project",
        demo_day=demo_day,
        project_id=None,
        now=now,
        make_numbers=numbers_for,
    )
