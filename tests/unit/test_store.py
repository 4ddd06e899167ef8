"""The local cache on a real SQLite file: durability settings, migrations, refusing bad files,
paged number queries, the outbox written with every change, and settling sync results."""

from __future__ import annotations

import copy
import random
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python
from sqlalchemy import Column, MetaData, Table, event, insert, text
from sqlalchemy.exc import SQLAlchemyError

from golive_tui.domain.codec import encode_record
from golive_tui.domain.enums import EntityKind, OpAction, PortState
from golive_tui.domain.errors import IllegalTransition
from golive_tui.domain.ops import Op, Record
from golive_tui.domain.project_doc import FIXTURE_ACTOR, ProjectDocument
from golive_tui.domain.transitions import state_words
from golive_tui.domain.wire import Change as FeedChange
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.seed import generate_project, load_demo
from golive_tui.store.bulk import as_bound, bulk_insert, bulk_insert_rows, table_of
from golive_tui.store.db import BUSY_TIMEOUT_MS, CorruptCacheError, make_engine
from golive_tui.store.local import Change, LocalStore
from golive_tui.store.migrations import LATEST, CacheTooNewError, migrate, schema_version
from golive_tui.store.queries import NumberQuery, NumberSort, number_changes
from golive_tui.store.tables import NumberRow, ShadowRow
from tests.checkpoints import CheckpointsSeen

K = EntityKind
P = PortState
DEMO_DAY = date(2026, 11, 26)
ENGINEER = "mateo.garcia"


@pytest.fixture(scope="module")
def demo() -> ProjectDocument:
    doc = load_demo(demo_day=DEMO_DAY)
    # these tests move submitted numbers on to FOC confirmed and ported: as the server
    # holds it here, the carrier has confirmed their orders' FOC (numbers wait for it)
    for order in doc.records[EntityKind.PORT_ORDER]:
        if order["status"] == "submitted":
            order.update(status="foc_confirmed", confirmed_foc=order["requested_foc"])
    return doc


@pytest.fixture
def store(tmp_path: Path, demo: ProjectDocument) -> Iterator[LocalStore]:
    cache = LocalStore(tmp_path / "golive.cache", actor=ENGINEER)
    cache.write_document(demo)
    yield cache
    cache.close()


# ----------------------------------------------------------------------------- helpers


def all_numbers(demo: ProjectDocument) -> list[Record]:
    return sorted(demo.records[K.NUMBER], key=lambda n: n["e164"])


def site_id(demo: ProjectDocument, code: str) -> str:
    (site,) = [s for s in demo.records[K.SITE] if s["code"] == code]
    return str(site["id"])


def order_id(demo: ProjectDocument, pon: str) -> str:
    (order,) = [o for o in demo.records[K.PORT_ORDER] if o["pon"] == pon]
    return str(order["id"])


def carrier_of(demo: ProjectDocument, number: Record) -> str | None:
    carriers = {o["id"]: o["carrier"] for o in demo.records[K.PORT_ORDER]}
    return carriers.get(number["order_id"])


def ids_in(store: LocalStore, *states: PortState) -> list[str]:
    return store.number_ids(NumberQuery(store.project_id, states=frozenset(states)))


def number(store: LocalStore, number_id: str) -> NumberRow:
    row = store.get(NumberRow, number_id)
    assert row is not None
    return row


def every_page(store: LocalStore, query: NumberQuery, limit: int) -> list[Any]:
    rows: list[Any] = []
    offset = 0
    while True:
        page = store.numbers_page(query, offset, limit)
        assert len(page) <= limit
        if not page:
            return rows
        rows.extend(page)
        offset += limit


def pushed(op: Op, status: OpStatus, **answer: Any) -> OpResult:
    """The server's answer to ``op``, as the sync engine hands it to the store."""
    return OpResult(op_id=op.op_id, client_seq=op.client_seq, status=status, **answer)


def server_copy(
    demo: ProjectDocument, kind: EntityKind, entity_id: str, **changes: Any
) -> dict[str, Any]:
    """The server's JSON of one demo record, with ``changes`` made by someone else."""
    (record,) = [r for r in demo.records[kind] if r["id"] == entity_id]
    data = encode_record(copy.deepcopy(record))
    data.update(changes)
    return data


def pragma(engine: Any, name: str) -> Any:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


# ----------------------------------------------------------------------------- the engine


@pytest.mark.parametrize("which", ["write_engine", "read_engine"])
def test_cache_runs_in_wal_with_full_sync_and_a_busy_timeout(store: LocalStore, which: str) -> None:
    engine = getattr(store, which)
    assert pragma(engine, "journal_mode") == "wal"
    assert pragma(engine, "synchronous") == 2  # FULL: a committed change survives power loss
    assert pragma(engine, "busy_timeout") == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 1_000  # long enough to queue behind another writer


def test_what_the_server_sent_is_written_without_waiting_for_the_disk(store: LocalStore) -> None:
    # a push's answers and the feed's pages: a power cut takes back only what the server
    # sends again, never a change made here (those commits wait for the disk)
    assert pragma(store.settle_engine, "journal_mode") == "wal"
    assert pragma(store.settle_engine, "synchronous") == 1  # NORMAL
    assert pragma(store.settle_engine, "busy_timeout") == BUSY_TIMEOUT_MS


def test_a_local_change_commits_without_copying_the_log_and_the_copy_follows_it(
    tmp_path: Path,
) -> None:
    # a bulk move's commit waits for the disk (synchronous=FULL), not for its ~3,000 pages
    # to be copied from the log into the file: the checkpointer copies them after it, and
    # the log starts again from its beginning, so moves one after another do not grow it
    path = tmp_path / "big.cache"
    cache = LocalStore(path, actor=ENGINEER)
    cache.write_document(generate_project(8_000))
    cache.close()  # the last connection closed copies the log and removes it
    wal = Path(f"{path}-wal")
    assert not wal.exists()
    cache = LocalStore(path, actor=ENGINEER)
    try:
        assert pragma(cache.write_engine, "wal_autocheckpoint") == 0
        assert pragma(cache.write_engine, "synchronous") == 2
        assert pragma(cache.settle_engine, "wal_autocheckpoint") == 1000
        confirmed = ids_in(cache, P.FOC_CONFIRMED)
        assert len(confirmed) >= 1_600
        seen = CheckpointsSeen(cache.checkpointer, wal)
        for start in range(0, 1_600, 400):
            part = confirmed[start : start + 400]
            assert cache.transition_numbers(part, P.PORTED).applied == part
            seen.after_write()
        seen.assert_one_write_each()  # one move's pages each, not every move's so far
    finally:
        cache.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute(
            "SELECT count(*) FROM number WHERE id IN ({}) AND porting_state = 'ported'"
            .format(",".join("?" * 1_600)), confirmed[:1_600]).fetchone() == (1_600,)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (1_600,)
    finally:
        conn.close()


def test_wal_mode_is_recorded_in_the_file_itself(store: LocalStore) -> None:
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


# ----------------------------------------------------------------------------- migrations


def test_migrating_an_old_cache_keeps_its_data(tmp_path: Path, demo: ProjectDocument) -> None:
    assert LATEST > 1, "there is no older schema to migrate from"
    path = tmp_path / "old.cache"
    engine = make_engine(path, immediate=True)
    migrate(engine, target=1)
    with engine.begin() as conn:
        assert schema_version(conn) == 1
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert "outbox" not in tables  # version 1 predates sync
        # the project's columns of version 1 (later steps add the rest)
        full = table_of(K.PROJECT)
        had = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(project)")}
        old = Table("project", MetaData(),
                    *(Column(c.name, c.type) for c in full.columns if c.name in had))
        conn.execute(insert(old), [{**{k: v for k, v in demo.project.items() if k in had},
                                    "pending": 0}])
        conn.execute(insert(table_of(K.SITE)), [{**s, "pending": 0} for s in demo.records[K.SITE]])
    engine.dispose()

    cache = LocalStore(path, actor=ENGINEER)
    try:
        with cache.read_engine.connect() as conn:
            assert schema_version(conn) == LATEST
        assert cache.project_id == demo.project_id
        assert sorted(site.code for site in cache.sites()) == ["CHI", "DEN", "LAX", "NYC"]
        # and the new tables work: a change on an old row fills the outbox
        cache.update_record(K.SITE, site_id(demo, "CHI"), e911_status="verified")
        assert cache.outbox_count() == 1
    finally:
        cache.close()


def test_opening_a_cache_twice_does_not_migrate_again(tmp_path: Path) -> None:
    LocalStore(tmp_path / "c.cache").close()
    engine = make_engine(tmp_path / "c.cache", immediate=True)
    try:
        assert migrate(engine) == LATEST  # started at LATEST: nothing to do
    finally:
        engine.dispose()


def test_cache_from_a_newer_golive_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.cache"
    LocalStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.commit()
    conn.close()

    with pytest.raises(CacheTooNewError) as refused:
        LocalStore(path)
    message = str(refused.value)
    assert f"schema version {LATEST + 1}" in message
    assert "Upgrade golive" in message

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1
    finally:
        conn.close()


# ----------------------------------------------------------------------------- bad files


def test_file_of_random_bytes_is_refused_naming_it_and_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "golive.cache"
    junk = random.Random(7).randbytes(8192)
    path.write_bytes(junk)

    with pytest.raises(CorruptCacheError) as refused:
        LocalStore(path)
    assert str(path) in str(refused.value)
    assert "not an SQLite file" in str(refused.value)
    assert "Move it aside" in str(refused.value)
    assert path.read_bytes() == junk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["golive.cache"]


def test_truncated_cache_is_refused_naming_it_and_is_not_touched(
    tmp_path: Path, demo: ProjectDocument
) -> None:
    whole = tmp_path / "whole" / "golive.cache"
    cache = LocalStore(whole)
    cache.write_document(demo)
    cache.close()
    assert not whole.with_name("golive.cache-wal").exists(), "data still in the WAL"
    data = whole.read_bytes()

    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    path = broken_dir / "golive.cache"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(CorruptCacheError) as refused:
        LocalStore(path)
    assert str(path) in str(refused.value)
    assert "Move it aside" in str(refused.value)
    assert path.read_bytes() == data[: len(data) // 2]
    assert sorted(p.name for p in broken_dir.iterdir()) == ["golive.cache"]


# ----------------------------------------------------------------------------- paged queries

QueryCase = Callable[[ProjectDocument], tuple[dict[str, Any], Callable[[Record], bool]]]

QUERY_CASES: dict[str, QueryCase] = {
    "state rejected": lambda d: (
        {"states": frozenset({P.REJECTED})}, lambda n: n["porting_state"] is P.REJECTED,
    ),
    "states submitted or loa_pending": lambda d: (
        {"states": frozenset({P.SUBMITTED, P.LOA_PENDING})},
        lambda n: n["porting_state"] in (P.SUBMITTED, P.LOA_PENDING),
    ),
    "site DEN": lambda d: (
        {"site_id": site_id(d, "DEN")}, lambda n: n["site_id"] == site_id(d, "DEN"),
    ),
    "order RVP-PO-1005": lambda d: (
        {"order_id": order_id(d, "RVP-PO-1005")},
        lambda n: n["order_id"] == order_id(d, "RVP-PO-1005"),
    ),
    "carrier Comcast Business": lambda d: (
        {"carrier": "Comcast Business"}, lambda n: carrier_of(d, n) == "Comcast Business",
    ),
    "typed (303) 555-01": lambda d: (
        {"text": "(303) 555-01"}, lambda n: n["e164"].startswith("+130355501"),
    ),
    "typed 303-555-0105": lambda d: (
        {"text": "303-555-0105"}, lambda n: n["e164"] == "+13035550105",
    ),
    "typed +13035550105": lambda d: (
        {"text": "+13035550105"}, lambda n: n["e164"] == "+13035550105",
    ),
    "words: queue": lambda d: (
        {"text": "queue"}, lambda n: "queue" in n["assigned_to"].lower(),
    ),
    "words in capitals: QUEUE": lambda d: (
        {"text": "QUEUE"}, lambda n: "queue" in n["assigned_to"].lower(),
    ),
    "site DEN, carrier AT&T, typed (888) 555": lambda d: (
        {"site_id": site_id(d, "DEN"), "carrier": "AT&T", "text": "(888) 555"},
        lambda n: n["site_id"] == site_id(d, "DEN") and carrier_of(d, n) == "AT&T"
        and n["e164"].startswith("+1888555"),
    ),
    "rejected at CHI, typed 773-555-016": lambda d: (
        {"states": frozenset({P.REJECTED}), "site_id": site_id(d, "CHI"),
         "text": "773-555-016"},
        lambda n: n["porting_state"] is P.REJECTED and n["site_id"] == site_id(d, "CHI")
        and n["e164"].startswith("+1773555016"),
    ),
}


@pytest.mark.parametrize("case", list(QUERY_CASES))
@pytest.mark.parametrize("limit", [7, 100])
def test_pages_of_a_filtered_query_add_up_to_the_full_ordered_list(
    store: LocalStore, demo: ProjectDocument, case: str, limit: int
) -> None:
    filters, wanted = QUERY_CASES[case](demo)
    expected = [n for n in all_numbers(demo) if wanted(n)]
    assert 0 < len(expected) < len(all_numbers(demo)), "the filter must pick some, not all"
    query = NumberQuery(store.project_id, **filters)
    assert query.is_filtered

    rows = every_page(store, query, limit)
    assert [r.e164 for r in rows] == [n["e164"] for n in expected]
    assert store.count_numbers(query) == len(expected)
    assert store.number_ids(query) == [n["id"] for n in expected]


def test_unfiltered_query_pages_through_every_number_in_order(
    store: LocalStore, demo: ProjectDocument
) -> None:
    query = NumberQuery(store.project_id)
    assert not query.is_filtered
    rows = every_page(store, query, 250)
    assert [r.e164 for r in rows] == [n["e164"] for n in all_numbers(demo)]
    assert store.count_numbers(query) == demo.count(K.NUMBER)


def test_sorting_by_state_breaks_ties_by_number(store: LocalStore, demo: ProjectDocument) -> None:
    query = NumberQuery(store.project_id, sort=NumberSort.STATE, descending=True)
    rows = every_page(store, query, 300)
    expected = sorted(all_numbers(demo), key=lambda n: n["e164"])
    expected = sorted(expected, key=lambda n: n["porting_state"].value, reverse=True)
    assert [r.e164 for r in rows] == [n["e164"] for n in expected]


def test_a_page_past_the_end_is_empty(store: LocalStore, demo: ProjectDocument) -> None:
    query = NumberQuery(store.project_id)
    assert store.numbers_page(query, demo.count(K.NUMBER), 50) == []


def test_query_of_another_project_finds_nothing(store: LocalStore) -> None:
    query = NumberQuery("00000000-0000-0000-0000-000000000000")
    assert store.count_numbers(query) == 0
    assert store.numbers_page(query, 0, 50) == []


# ----------------------------------------------------------------------------- record + outbox


def test_a_local_change_writes_the_record_and_exactly_one_outbox_row(store: LocalStore) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    before = number(store, nid)
    assert store.outbox_count() == 0

    store.transition_number(nid, P.FOC_CONFIRMED)

    after = number(store, nid)
    assert after.porting_state is P.FOC_CONFIRMED
    assert after.pending == 1
    assert after.version == before.version  # the cache keeps the server's version
    (op,) = store.outbox_batch()
    assert (op.entity, op.entity_id, op.action) == (K.NUMBER, nid, OpAction.TRANSITION)
    assert op.fields == {"to": "foc_confirmed"}
    assert op.base_version == before.version
    assert (op.client_id, op.client_seq) == (store.client_id, 1)


def test_a_refused_change_writes_neither_record_nor_outbox(store: LocalStore) -> None:
    nid = ids_in(store, P.LOA_PENDING)[0]
    with pytest.raises(IllegalTransition, match="cannot go from loa pending to ported"):
        store.transition_number(nid, P.PORTED)
    assert number(store, nid).porting_state is P.LOA_PENDING
    assert number(store, nid).pending == 0
    assert store.outbox_count() == 0


def test_when_the_outbox_write_fails_the_record_change_is_rolled_back_too(
    store: LocalStore,
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    # the record is written before the outbox row in the same transaction: make the last
    # statement fail, as a full disk would
    with store.write_engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    with pytest.raises(SQLAlchemyError, match="disk full"):
        store.transition_number(nid, P.FOC_CONFIRMED)

    row = number(store, nid)
    assert row.porting_state is P.SUBMITTED
    assert row.pending == 0
    assert store.outbox_count() == 0
    assert store.get(ShadowRow, nid) is None
    assert store.get_state("next_client_seq") == "1"


def test_number_changes_are_summed_by_who_and_state_leaving_out_the_fixture(
    store: LocalStore,
) -> None:
    submitted = ids_in(store, P.SUBMITTED)[:3]
    before = datetime.now(UTC) - timedelta(days=1)
    assert number_changes(store.read_engine, store.project_id, before, FIXTURE_ACTOR) == []

    assert store.transition_numbers(submitted, P.FOC_CONFIRMED).applied == submitted
    assert store.transition_numbers(submitted[:1], P.PORTED).applied == submitted[:1]

    changes = number_changes(store.read_engine, store.project_id, before, FIXTURE_ACTOR)
    assert sorted((who, state, count) for who, state, count, _ in changes) == [
        (ENGINEER, P.FOC_CONFIRMED, 2),
        (ENGINEER, P.PORTED, 1),
    ]
    assert all(at.tzinfo is not None and at >= before for *_, at in changes)
    later = max(at for *_, at in changes) + timedelta(seconds=1)
    assert number_changes(store.read_engine, store.project_id, later, FIXTURE_ACTOR) == []


def test_bulk_change_applies_the_legal_ones_and_names_each_refused_number(
    store: LocalStore,
) -> None:
    submitted = ids_in(store, P.SUBMITTED)[:3]
    loa = ids_in(store, P.LOA_PENDING)[:2]
    verified = ids_in(store, P.VERIFIED)[:1]
    rejected = ids_in(store, P.REJECTED)[:1]
    selection = [submitted[0], loa[0], verified[0], submitted[1], rejected[0], loa[1],
                 submitted[2]]
    was = {nid: number(store, nid) for nid in selection}

    outcome = store.transition_numbers(selection, P.FOC_CONFIRMED)

    assert outcome.applied == submitted
    assert [r.entity_id for r in outcome.refused] == [loa[0], verified[0], rejected[0], loa[1]]
    for refusal in outcome.refused:
        old = was[refusal.entity_id]
        assert refusal.label == old.e164
        assert refusal.code == "illegal_transition"
        assert f"cannot go from {state_words(old.porting_state)} to foc confirmed" in refusal.reason
    for nid in submitted:
        assert number(store, nid).porting_state is P.FOC_CONFIRMED
    for nid in loa + verified + rejected:
        assert number(store, nid).porting_state is was[nid].porting_state
        assert number(store, nid).pending == 0
    assert store.outbox_count() == 3
    assert outcome.summary().startswith("3 numbers changed; 4 refused: 2 × A number cannot go")


def test_bulk_change_of_ten_thousand_numbers_queues_ten_thousand_ops(tmp_path: Path) -> None:
    doc = generate_project(20_000)
    cache = LocalStore(tmp_path / "big.cache", actor=ENGINEER)
    try:
        cache.write_document(doc)
        cancellable = ids_in(cache, P.DRAFT, P.LOA_PENDING, P.SUBMITTED, P.FOC_CONFIRMED,
                             P.REJECTED)
        assert len(cancellable) >= 10_000
        before = cache.number_state_counts().get(P.CANCELLED, 0)

        outcome = cache.transition_numbers(cancellable[:10_000], P.CANCELLED, comment="re-plan")

        assert len(outcome.applied) == 10_000
        assert outcome.refused == []
        assert cache.outbox_count() == 10_000
        ops = cache.outbox_batch(limit=20_000)
        assert [op.client_seq for op in ops] == list(range(1, 10_001))
        assert {op.entity_id for op in ops} == set(cancellable[:10_000])
        assert cache.number_state_counts()[P.CANCELLED] == before + 10_000
    finally:
        cache.close()


def test_a_pushed_op_is_the_queued_op_in_the_text_the_server_reads(store: LocalStore) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    store.transition_number(nid, P.FOC_CONFIRMED)
    store.open_issue('Quote " back\\slash, ünïcode ☎ and a tab\t', description="line\nbreak")
    store.submit(Change(K.SITE, store.sites()[0].id, OpAction.UPDATE,
                        {"floors": 7, "address": "1 Main St", "main_number": None}))

    ops, queued = store.outbox_batch(), store.outbox_queued()

    assert len(ops) == len(queued) == 3
    for op, sent in zip(ops, queued, strict=True):
        assert (sent.client_seq, sent.op_id) == (op.client_seq, op.op_id)
        assert Op.model_validate_json(sent.json) == op
    assert [q.client_seq for q in store.outbox_queued(after=1)] == [2, 3]
    assert [q.client_seq for q in store.outbox_queued(limit=1)] == [1]


def test_a_batch_stores_each_time_in_the_text_sqlalchemy_stores(store: LocalStore) -> None:
    column = table_of(K.VERIFICATION).c.updated_at
    times = [
        datetime(2026, 12, 7, 11, 58, 27, 686310, tzinfo=UTC),
        datetime(2026, 12, 7, 11, 58, 27, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 7, 6, 58, tzinfo=timezone(timedelta(hours=-5))),
        TypeAdapter(datetime).validate_python("2026-12-07T11:58:27.5Z"),  # pydantic's zone
        "2026-12-07T11:58:27+01:00",
    ]
    with store.write_engine.connect() as conn:
        sqlalchemy_text = column.type._cached_bind_processor(conn.dialect)
        assert sqlalchemy_text is not None
        assert [as_bound(conn, column, t) for t in times] == [sqlalchemy_text(t) for t in times]
        with pytest.raises(ValueError, match="naive"):
            as_bound(conn, column, datetime(2026, 12, 7))


@pytest.mark.parametrize("empty_first", [False, True])
def test_rows_given_as_arrays_are_stored_as_the_same_records_would_be(
    tmp_path: Path, empty_first: bool,
) -> None:
    """``bulk_insert_rows`` (a snapshot's arrays, NULLs written into the statement and the
    rows grouped by them) stores what ``bulk_insert`` stores of the same records: every
    mix of empty columns, more of them than split the rows, times in any zone, JSON
    values, a name that is no column and columns left to their defaults."""
    at = [datetime(2026, 12, 7, 11, 58, 27, 686310, tzinfo=UTC),
          datetime(2026, 12, 7, 6, 58, tzinfo=timezone(timedelta(hours=-5))), None]
    names = ["id", "project_id", "version", "updated_at", "updated_by", "e164", "site_id",
             "order_id", "number_type", "assigned_to", "porting_state", "rejection_code",
             "temp_number", "not_a_column"]
    rng = random.Random(7)
    numbers = [
        (f"n{i:03d}", "p1", i % 3, rng.choice(at), "ipm", f"+1303555{i:04d}",
         rng.choice(["s1", None]), rng.choice(["o1", None]), "did", "",
         rng.choice(["draft", "rejected"]), rng.choice(["R1", None]), rng.choice(["+1", None]),
         {"ignored": i})
        for i in range(200)
    ] + [(f"m{i:03d}", "p1", 1, at[0], "ipm", f"+1720555{i:04d}", None, None, "main", "x",
          "ported", None, None, None) for i in range(5)]
    if empty_first:  # the first row's empty columns are the ones the rows are grouped by
        numbers = numbers[-5:] + numbers[:-5]
    project = TypeAdapter(dict[str, Any]).validate_python(
        {"id": "p1", "project_id": "p1", "version": 2, "updated_at": at[1], "updated_by": "",
         "name": "P", "customer": "C", "time_zone": "UTC", "cutover_at": None,
         "phase": "kickoff", "description": "", "sla_policy": {"foc_days": 3},
         "network_thresholds": {}, "holidays": ["2026-12-25"]})
    stored = []
    for name, given_as_rows in (("rows", True), ("records", False)):
        cache = LocalStore(tmp_path / f"{name}.cache", actor=ENGINEER)
        with cache.write_engine.begin() as conn:
            for kind, columns, rows in (
                (K.NUMBER, names, numbers),
                (K.PROJECT, list(project), [tuple(project.values())]),
            ):
                if given_as_rows:
                    bulk_insert_rows(conn, table_of(kind), columns, rows)
                else:
                    bulk_insert(conn, table_of(kind), [
                        {k: v for k, v in zip(columns, row, strict=True) if k != "not_a_column"}
                        for row in rows
                    ])
        conn_ = sqlite3.connect(cache.path)
        stored.append({table: conn_.execute(
            f"SELECT *, {', '.join(f'typeof({c})' for c in cols)} FROM {table} ORDER BY id"
        ).fetchall() for table, cols in (("number", names[:-1]), ("project", list(project)))})
        conn_.close()
        cache.close()
    assert len(stored[0]["number"]) == 205
    assert stored[0] == stored[1]


def test_client_seq_counts_up_by_one_per_op_without_gaps_even_after_reopening(
    store: LocalStore,
) -> None:
    submitted = ids_in(store, P.SUBMITTED)
    loa = ids_in(store, P.LOA_PENDING)
    store.transition_number(submitted[0], P.FOC_CONFIRMED)  # 1
    outcome = store.submit_many([
        Change(K.NUMBER, submitted[1], OpAction.TRANSITION, {"to": "foc_confirmed"}),  # 2
        Change(K.NUMBER, loa[0], OpAction.TRANSITION, {"to": "ported"}),  # refused: no seq
        Change(K.NUMBER, submitted[2], OpAction.TRANSITION, {"to": "foc_confirmed"}),  # 3
    ])
    assert len(outcome.refused) == 1
    with pytest.raises(IllegalTransition):
        store.transition_number(loa[1], P.VERIFIED)  # refused: no seq
    client_id = store.client_id
    store.close()

    reopened = LocalStore(store.path, actor=ENGINEER)
    try:
        assert reopened.client_id == client_id
        reopened.transition_number(submitted[3], P.FOC_CONFIRMED)  # 4
        assert [op.client_seq for op in reopened.outbox_batch()] == [1, 2, 3, 4]
    finally:
        reopened.close()


# ----------------------------------------------------------------------------- push results


def test_applied_ops_leave_the_outbox_and_the_record_takes_the_servers_version(
    store: LocalStore,
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    version = number(store, nid).version
    store.transition_number(nid, P.FOC_CONFIRMED)
    (op,) = store.outbox_batch()

    problems = store.apply_push_results([pushed(op, OpStatus.APPLIED, seq=41,
                                                version=version + 1)])

    assert problems == []
    assert store.outbox_count() == 0
    row = number(store, nid)
    assert (row.porting_state, row.pending, row.version) == (P.FOC_CONFIRMED, 0, version + 1)
    assert store.get(ShadowRow, nid) is None


def test_rejected_op_is_kept_as_a_problem_and_its_change_is_undone(store: LocalStore) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    before = number(store, nid)
    store.transition_number(nid, P.FOC_CONFIRMED)
    (op,) = store.outbox_batch()
    reason = "The carrier rejected this order; fix it and resubmit."

    problems = store.apply_push_results(
        [pushed(op, OpStatus.REJECTED, code="illegal_transition", reason=reason)]
    )

    assert [p["op_id"] for p in problems] == [op.op_id]
    (problem,) = store.problems()
    assert (problem.outcome, problem.code, problem.message) == (
        "rejected", "illegal_transition", reason,
    )
    assert (problem.entity_id, problem.action, problem.fields) == (
        nid, "transition", {"to": "foc_confirmed"},
    )
    assert store.outbox_count() == 0
    row = number(store, nid)
    assert row.porting_state is P.SUBMITTED  # back to the server's value
    assert (row.pending, row.version) == (0, before.version)


def test_rejecting_one_op_rebases_the_later_ops_on_the_same_record(store: LocalStore) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    original = number(store, nid).assigned_to
    store.update_record(K.NUMBER, nid, assigned_to="Pharmacy Queue")
    store.transition_number(nid, P.FOC_CONFIRMED)
    first, second = store.outbox_batch()

    store.apply_push_results([pushed(first, OpStatus.REJECTED, code="permission",
                                      reason="No.")])

    row = number(store, nid)
    assert row.assigned_to == original  # the refused update is undone
    assert row.porting_state is P.FOC_CONFIRMED  # the later op still shows
    assert row.pending == 1
    assert [op.op_id for op in store.outbox_batch()] == [second.op_id]


def test_conflicting_update_takes_the_servers_value_and_is_kept_as_a_problem(
    store: LocalStore, demo: ProjectDocument
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    version = number(store, nid).version
    store.update_record(K.NUMBER, nid, assigned_to="Pharmacy Queue")
    (op,) = store.outbox_batch()
    current = server_copy(demo, K.NUMBER, nid, assigned_to="Front Desk Queue",
                          version=version + 1)

    store.apply_push_results([pushed(
        op, OpStatus.CONFLICT, code="conflict", reason="Someone changed it first.",
        current=current, conflicts={"assigned_to": "Front Desk Queue"},
    )])

    row = number(store, nid)
    assert (row.assigned_to, row.version, row.pending) == ("Front Desk Queue", version + 1, 0)
    (problem,) = store.problems()
    assert problem.outcome == "conflict"
    assert problem.details == {"conflicts": {"assigned_to": "Front Desk Queue"},
                               "kept_by": current["updated_by"], "kept_at": current["updated_at"]}


def test_results_for_unknown_ops_are_ignored(store: LocalStore) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    store.transition_number(nid, P.FOC_CONFIRMED)
    (op,) = store.outbox_batch()
    stranger = op.model_copy(update={"op_id": "00000000-0000-0000-0000-00000000beef"})
    assert store.apply_push_results([pushed(stranger, OpStatus.REJECTED)]) == []
    assert store.outbox_count() == 1


# ----------------------------------------------------------------------------- pulled changes


def feed(seq: int, kind: EntityKind, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return FeedChange(
        seq=seq, entity=kind, entity_id=data["id"], version=data["version"], data=data,
        by="priya.haddad", at=datetime(2026, 11, 26, 17, 0, tzinfo=UTC), **extra,
    ).model_dump()


def test_remote_change_under_a_pending_local_op_keeps_the_local_op_on_top(
    store: LocalStore, demo: ProjectDocument
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    version = number(store, nid).version
    store.transition_number(nid, P.FOC_CONFIRMED)
    (op,) = store.outbox_batch()
    theirs = server_copy(demo, K.NUMBER, nid, assigned_to="Front Desk Queue",
                         version=version + 1)

    fresh = store.apply_changes([feed(500, K.NUMBER, theirs)], 500)

    assert [c["entity_id"] for c in fresh] == [nid]
    row = number(store, nid)
    assert row.assigned_to == "Front Desk Queue"  # their change
    assert row.porting_state is P.FOC_CONFIRMED  # my pending change, on top
    assert (row.version, row.pending) == (version + 1, 1)
    assert [o.op_id for o in store.outbox_batch()] == [op.op_id]
    assert store.cursor == 500


def test_remote_change_without_local_ops_replaces_the_row_and_is_not_applied_twice(
    store: LocalStore, demo: ProjectDocument
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    version = number(store, nid).version
    theirs = server_copy(demo, K.NUMBER, nid, porting_state="foc_confirmed",
                         version=version + 1)
    change = feed(77, K.NUMBER, theirs)

    assert len(store.apply_changes([change], 77)) == 1
    row = number(store, nid)
    assert (row.porting_state, row.version, row.pending) == (P.FOC_CONFIRMED, version + 1, 0)
    assert store.cursor == 77
    assert store.apply_changes([change], 77) == []


def test_remote_delete_removes_the_row(store: LocalStore, demo: ProjectDocument) -> None:
    nid = ids_in(store, P.DRAFT, P.LOA_PENDING)[0]
    gone = server_copy(demo, K.NUMBER, nid)
    change = feed(12, K.NUMBER, gone, deleted=True)
    store.apply_changes([change], 12)
    assert store.get(NumberRow, nid) is None


# ----------------------------------------------------------------------------- snapshot


def test_snapshot_replaces_the_records_but_keeps_the_outbox(
    store: LocalStore, demo: ProjectDocument
) -> None:
    nid = ids_in(store, P.SUBMITTED)[0]
    version = number(store, nid).version
    store.transition_number(nid, P.FOC_CONFIRMED)
    (op,) = store.outbox_batch()

    entities: dict[str, list[dict[str, Any]]] = {
        K.PROJECT.value: [to_jsonable_python(demo.project)],
        **{kind.value: [to_jsonable_python(r) for r in records]
           for kind, records in demo.records.items()},
    }
    entities[K.NUMBER.value] = [
        server_copy(demo, K.NUMBER, nid, assigned_to="Server Side", version=version + 1)
        if r["id"] == nid else r
        for r in entities[K.NUMBER.value]
    ]
    count = store.replace_with_snapshot(store.project_id, entities, 900)

    assert count == sum(len(records) for records in entities.values())
    assert [o.op_id for o in store.outbox_batch()] == [op.op_id]
    row = number(store, nid)
    assert row.assigned_to == "Server Side"
    assert row.porting_state is P.FOC_CONFIRMED
    assert (row.version, row.pending) == (version + 1, 1)
    assert store.cursor == 900
    assert store.count_numbers(NumberQuery(store.project_id)) == demo.count(K.NUMBER)


def test_advance_numbers_moves_each_one_step_and_refuses_the_last_with_the_reason(
    store: LocalStore,
) -> None:
    by_state: dict[PortState, str] = {}
    for number in store.iter_records(EntityKind.NUMBER):
        by_state.setdefault(PortState(number["porting_state"]), number["id"])
    picked = [by_state[s] for s in (PortState.DRAFT, PortState.FOC_CONFIRMED, PortState.VERIFIED)]
    outcome = store.advance_numbers(picked)
    assert sorted(outcome.applied) == sorted(picked[:2])
    assert [r.entity_id for r in outcome.refused] == [picked[2]]
    assert "verified has no next step" in outcome.refused[0].reason
    states = {n["id"]: n["porting_state"] for n in store.iter_records(EntityKind.NUMBER)}
    assert states[picked[0]] == PortState.LOA_PENDING.value
    assert states[picked[1]] == PortState.PORTED.value


def test_a_bulk_move_reads_each_order_once_and_sees_an_order_moved_earlier_in_it(
    store: LocalStore,
) -> None:
    def by_order(state: PortState) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for nid in ids_in(store, state):
            found.setdefault(str(number(store, nid).order_id), []).append(nid)
        return found

    (held, confirmed), *_ = by_order(P.FOC_CONFIRMED).items()
    submitted = [nid for ids in by_order(P.SUBMITTED).values() for nid in ids]
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT") and "FROM port_order" in statement:
            reads.append(statement)

    event.listen(store.write_engine, "before_cursor_execute", count)
    try:
        outcome = store.submit_many(
            [Change(K.PORT_ORDER, held, OpAction.TRANSITION,
                    {"to": "submitted", "reason": "The carrier asked for a new LOA"})]
            + [Change(K.NUMBER, nid, OpAction.TRANSITION, {"to": "ported"}) for nid in confirmed]
            + [Change(K.NUMBER, nid, OpAction.TRANSITION, {"to": "foc_confirmed"})
               for nid in submitted]
        )
    finally:
        event.remove(store.write_engine, "before_cursor_execute", count)

    # the numbers of the order sent back to the carrier wait for its FOC again
    assert outcome.applied == [held, *submitted]
    assert {r.entity_id for r in outcome.refused} == set(confirmed)
    assert all("has no confirmed FOC" in r.reason for r in outcome.refused)
    # the orders are read once for the whole batch, not once per number
    assert len(confirmed) + len(submitted) > 10 and len(reads) <= 2
