"""Schema versions of the cache, kept in ``PRAGMA user_version``; each step keeps the data.

A cache on someone's disk may hold changes not yet sent (the outbox), so it is never
rebuilt: it is brought forward one numbered step at a time, all in one transaction (SQLite's
DDL is transactional, so a step that fails leaves the cache at the version it had).

Each step is plain SQL, written out here once and never edited after a release: a step that
read today's table models would give an old cache today's columns at version 1, and the
``ALTER TABLE`` of a later step would then fail on it. To change a cache table, change its
model in ``tables.py`` and append a step that brings an existing cache to the same shape;
``tests/unit/test_cache_migrations.py`` checks that a new cache built by the steps matches
the models, and that the cache written by golive 0.1.0 opens with its outbox intact.

The runner is this module rather than Alembic (which the server uses): opening a cache is
on the start-up path of the app, and a cache that is up to date costs one ``PRAGMA`` read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine

__all__ = ["LATEST", "STEPS", "CacheTooNewError", "migrate", "schema_version"]

#: the columns every record's table begins with (EntityBase and the pending count, in 0.1.0)
_RECORD = """pending INTEGER NOT NULL,
        id VARCHAR(36) NOT NULL,
        project_id VARCHAR(36) NOT NULL,
        version INTEGER NOT NULL,
        updated_at DATETIME,
        updated_by VARCHAR NOT NULL,"""

#: version 1: the records of a project, as golive 0.1.0 created them
_V1_ENTITIES = (
    f"""CREATE TABLE project (
        {_RECORD}
        name VARCHAR(200) NOT NULL,
        customer VARCHAR(200) NOT NULL,
        time_zone VARCHAR NOT NULL,
        cutover_at DATETIME,
        phase VARCHAR(40) NOT NULL,
        description VARCHAR NOT NULL,
        sla_policy JSON NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_project_project_id ON project (project_id)",
    f"""CREATE TABLE site (
        {_RECORD}
        code VARCHAR(20) NOT NULL,
        name VARCHAR(200) NOT NULL,
        address VARCHAR NOT NULL,
        time_zone VARCHAR NOT NULL,
        e911_address VARCHAR NOT NULL,
        e911_status VARCHAR(40) NOT NULL,
        main_number VARCHAR,
        floors INTEGER NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_site_project_id ON site (project_id)",
    f"""CREATE TABLE milestone (
        {_RECORD}
        phase VARCHAR(40) NOT NULL,
        name VARCHAR(200) NOT NULL,
        due_at DATETIME,
        done_at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_milestone_project_id ON milestone (project_id)",
    f"""CREATE TABLE checklist_item (
        {_RECORD}
        "key" VARCHAR(40) NOT NULL,
        title VARCHAR(300) NOT NULL,
        phase VARCHAR(40) NOT NULL,
        stream VARCHAR(40) NOT NULL,
        owner_role VARCHAR(40) NOT NULL,
        assignee VARCHAR NOT NULL,
        due_at DATETIME,
        predecessors JSON NOT NULL,
        gate BOOLEAN NOT NULL,
        status VARCHAR(40) NOT NULL,
        skip_comment VARCHAR NOT NULL,
        done_at DATETIME,
        done_by VARCHAR NOT NULL,
        sort_order INTEGER NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_checklist_item_project_id ON checklist_item (project_id)",
    f"""CREATE TABLE port_order (
        {_RECORD}
        pon VARCHAR(60) NOT NULL,
        carrier VARCHAR(120) NOT NULL,
        btn VARCHAR NOT NULL,
        loa_id VARCHAR NOT NULL,
        loa_signed_at DATETIME,
        toll_free BOOLEAN NOT NULL,
        requested_foc DATETIME,
        confirmed_foc DATETIME,
        status VARCHAR(40) NOT NULL,
        rejection_code VARCHAR,
        zoom_order_id VARCHAR NOT NULL,
        notes VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_port_order_project_id ON port_order (project_id)",
    f"""CREATE TABLE number (
        {_RECORD}
        e164 VARCHAR(20) NOT NULL,
        site_id VARCHAR(36),
        order_id VARCHAR(36),
        number_type VARCHAR(40) NOT NULL,
        assigned_to VARCHAR NOT NULL,
        porting_state VARCHAR(40) NOT NULL,
        rejection_code VARCHAR,
        temp_number VARCHAR,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_number_project_site_e164 ON number (project_id, site_id, e164)",
    "CREATE INDEX ix_number_project_state_e164 ON number (project_id, porting_state, e164)",
    "CREATE INDEX ix_number_project_id ON number (project_id)",
    "CREATE INDEX ix_number_project_e164 ON number (project_id, e164)",
    "CREATE INDEX ix_number_project_order_e164 ON number (project_id, order_id, e164)",
    f"""CREATE TABLE verification (
        {_RECORD}
        test_case VARCHAR(20) NOT NULL,
        target VARCHAR(120) NOT NULL,
        site_id VARCHAR(36),
        number_id VARCHAR(36),
        result VARCHAR(40) NOT NULL,
        tester VARCHAR NOT NULL,
        tested_at DATETIME,
        note VARCHAR NOT NULL,
        mos FLOAT,
        loss_pct FLOAT,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_verification_project_id ON verification (project_id)",
    "CREATE INDEX ix_verification_site_id ON verification (site_id)",
    f"""CREATE TABLE issue (
        {_RECORD}
        ref VARCHAR(20) NOT NULL,
        title VARCHAR(300) NOT NULL,
        description VARCHAR NOT NULL,
        priority VARCHAR(40) NOT NULL,
        state VARCHAR(40) NOT NULL,
        category VARCHAR(40) NOT NULL,
        assignee VARCHAR NOT NULL,
        reporter VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        site_id VARCHAR(36),
        number_id VARCHAR(36),
        verification_id VARCHAR(36),
        opened_at DATETIME,
        responded_at DATETIME,
        resolved_at DATETIME,
        closed_at DATETIME,
        on_hold_since DATETIME,
        paused_seconds FLOAT NOT NULL,
        hold_reason VARCHAR NOT NULL,
        resolution VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_issue_project_id ON issue (project_id)",
    f"""CREATE TABLE issue_note (
        {_RECORD}
        issue_id VARCHAR(36) NOT NULL,
        author VARCHAR NOT NULL,
        body VARCHAR(10000) NOT NULL,
        at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_issue_note_project_id ON issue_note (project_id)",
    "CREATE INDEX ix_issue_note_issue_id ON issue_note (issue_id)",
    f"""CREATE TABLE decision (
        {_RECORD}
        decision VARCHAR(40) NOT NULL,
        reason VARCHAR NOT NULL,
        "by" VARCHAR NOT NULL,
        at DATETIME,
        unmet JSON NOT NULL,
        override BOOLEAN NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_decision_project_id ON decision (project_id)",
    f"""CREATE TABLE member (
        {_RECORD}
        user VARCHAR(80) NOT NULL,
        display_name VARCHAR NOT NULL,
        role VARCHAR(40) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_member_project_id ON member (project_id)",
)

#: version 2: the outbox, the problems, the sync state and the shadows (0.1.0)
_V2_SYNC = (
    """CREATE TABLE outbox (
        client_seq INTEGER NOT NULL,
        op_id VARCHAR(36) NOT NULL,
        project_id VARCHAR(36) NOT NULL,
        entity VARCHAR NOT NULL,
        entity_id VARCHAR(36) NOT NULL,
        action VARCHAR NOT NULL,
        fields JSON NOT NULL,
        base_version INTEGER,
        client_time DATETIME NOT NULL,
        attempts INTEGER NOT NULL,
        PRIMARY KEY (client_seq),
        UNIQUE (op_id)
    )""",
    "CREATE INDEX ix_outbox_entity_id ON outbox (entity_id)",
    "CREATE INDEX ix_outbox_project_id ON outbox (project_id)",
    """CREATE TABLE problem (
        op_id VARCHAR(36) NOT NULL,
        project_id VARCHAR(36) NOT NULL,
        outcome VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        entity VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        fields JSON NOT NULL,
        details JSON NOT NULL,
        at DATETIME NOT NULL,
        PRIMARY KEY (op_id)
    )""",
    "CREATE INDEX ix_problem_project_id ON problem (project_id)",
    """CREATE TABLE sync_state (
        "key" VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        PRIMARY KEY ("key")
    )""",
    """CREATE TABLE shadow (
        entity_id VARCHAR(36) NOT NULL,
        entity VARCHAR NOT NULL,
        data JSON,
        PRIMARY KEY (entity_id)
    )""",
)

#: version 3: when a refused change was made (older problems keep none)
_V3_PROBLEM_MADE_AT = ("ALTER TABLE problem ADD COLUMN made_at DATETIME",)

#: version 4: why an issue's priority was last changed (a change of priority needs a reason)
_V4_ISSUE_PRIORITY_REASON = (
    "ALTER TABLE issue ADD COLUMN priority_reason VARCHAR NOT NULL DEFAULT ''",
)

#: version 5: the lifecycle's people and scope (stakeholders, the kickoff and its actions,
#: the RAID log, change requests), its phase log, and a milestone's owner and forecast
_V5_LIFECYCLE = (
    "ALTER TABLE milestone ADD COLUMN owner VARCHAR(36) NOT NULL DEFAULT ''",
    "ALTER TABLE milestone ADD COLUMN forecast_at DATETIME",
    f"""CREATE TABLE phase_event (
        {_RECORD}
        phase VARCHAR(40) NOT NULL,
        action VARCHAR(40) NOT NULL,
        reason VARCHAR(2000) NOT NULL,
        "by" VARCHAR NOT NULL,
        at DATETIME,
        unmet JSON NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_phase_event_project_id ON phase_event (project_id)",
    f"""CREATE TABLE stakeholder (
        {_RECORD}
        name VARCHAR(200) NOT NULL,
        role VARCHAR(40) NOT NULL,
        organisation VARCHAR(200) NOT NULL,
        title VARCHAR(200) NOT NULL,
        email VARCHAR(254) NOT NULL,
        phone VARCHAR(20) NOT NULL,
        escalation_level INTEGER NOT NULL,
        user VARCHAR(80) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_stakeholder_project_id ON stakeholder (project_id)",
    f"""CREATE TABLE kickoff (
        {_RECORD}
        held_at DATETIME,
        attendees JSON NOT NULL,
        agreed_scope VARCHAR(5000) NOT NULL,
        decisions JSON NOT NULL,
        notes VARCHAR(10000) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_kickoff_project_id ON kickoff (project_id)",
    f"""CREATE TABLE action_item (
        {_RECORD}
        title VARCHAR(300) NOT NULL,
        owner VARCHAR(36) NOT NULL,
        due_at DATETIME,
        status VARCHAR(40) NOT NULL,
        done_at DATETIME,
        source VARCHAR(40) NOT NULL,
        kickoff_id VARCHAR(36) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_action_item_project_id ON action_item (project_id)",
    f"""CREATE TABLE raid_item (
        {_RECORD}
        raid_type VARCHAR(40) NOT NULL,
        title VARCHAR(300) NOT NULL,
        description VARCHAR(10000) NOT NULL,
        owner VARCHAR(36) NOT NULL,
        status VARCHAR(40) NOT NULL,
        decision VARCHAR(5000) NOT NULL,
        due_at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_raid_item_project_id ON raid_item (project_id)",
    f"""CREATE TABLE change_request (
        {_RECORD}
        title VARCHAR(300) NOT NULL,
        description VARCHAR(10000) NOT NULL,
        impact VARCHAR(5000) NOT NULL,
        owner VARCHAR(36) NOT NULL,
        state VARCHAR(40) NOT NULL,
        decision_reason VARCHAR(5000) NOT NULL,
        decided_by VARCHAR NOT NULL,
        decided_at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_change_request_project_id ON change_request (project_id)",
)

#: version 6: cutover waves, emergency locations and sign-offs; orders get their own states
#: (an order stored as ported or verified is activated), with what a carrier asks for
_V6_CUTOVERS = (
    f"""CREATE TABLE cutover (
        {_RECORD}
        name VARCHAR(200) NOT NULL,
        starts_at DATETIME,
        ends_at DATETIME,
        site_ids JSON NOT NULL,
        state VARCHAR(40) NOT NULL,
        notes VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_cutover_project_id ON cutover (project_id)",
    f"""CREATE TABLE emergency_location (
        {_RECORD}
        site_id VARCHAR(36) NOT NULL,
        name VARCHAR(200) NOT NULL,
        address VARCHAR NOT NULL,
        status VARCHAR(40) NOT NULL,
        address_changed_at DATETIME,
        validated_at DATETIME,
        network VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_emergency_location_project_id ON emergency_location (project_id)",
    "CREATE INDEX ix_emergency_location_site_id ON emergency_location (site_id)",
    f"""CREATE TABLE signoff (
        {_RECORD}
        signoff_kind VARCHAR(40) NOT NULL,
        cutover_id VARCHAR(36),
        "by" VARCHAR NOT NULL,
        role VARCHAR(40) NOT NULL,
        at DATETIME,
        note VARCHAR NOT NULL,
        exceptions JSON NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_signoff_project_id ON signoff (project_id)",
    "ALTER TABLE project ADD COLUMN network_thresholds JSON NOT NULL DEFAULT '{}'",
    "ALTER TABLE project ADD COLUMN country VARCHAR(2) NOT NULL DEFAULT 'US'",
    "ALTER TABLE checklist_item ADD COLUMN cutover_id VARCHAR(36)",
    "ALTER TABLE checklist_item ADD COLUMN evidence VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE decision ADD COLUMN cutover_id VARCHAR(36)",
    "ALTER TABLE verification ADD COLUMN emergency_location_id VARCHAR(36)",
    "ALTER TABLE verification ADD COLUMN jitter_ms FLOAT",
    "ALTER TABLE port_order ADD COLUMN cutover_id VARCHAR(36)",
    "ALTER TABLE port_order ADD COLUMN account_number VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN pin VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN service_address VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN authorised_name VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN spid VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN csr_received_at DATETIME",
    "ALTER TABLE port_order ADD COLUMN loa_signed_by VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN resp_org VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE port_order ADD COLUMN activated_at DATETIME",
    "ALTER TABLE port_order ADD COLUMN foc_history JSON NOT NULL DEFAULT '[]'",
    "ALTER TABLE port_order ADD COLUMN change_reason VARCHAR NOT NULL DEFAULT ''",
    "UPDATE port_order SET status = 'activated' WHERE status IN ('ported', 'verified')",
    # a shadow (the server's last known record) is rebased on: it reads as the server has it
    """UPDATE shadow SET data = json_set(data, '$.status', 'activated')
        WHERE entity = 'port_order' AND data IS NOT NULL
        AND json_extract(data, '$.status') IN ('ported', 'verified')""",
)

#: a project's own holiday list (empty: the US federal holidays)
_V7_PROJECT_HOLIDAYS = ("ALTER TABLE project ADD COLUMN holidays JSON NOT NULL DEFAULT '{}'",)

#: version 8: the cutover runbook (steps per cutover, its runs, each step's timing per run)
_V8_RUNBOOK = (
    f"""CREATE TABLE runbook_step (
        {_RECORD}
        cutover_id VARCHAR(36) NOT NULL,
        offset_minutes INTEGER NOT NULL,
        duration_minutes INTEGER NOT NULL,
        title VARCHAR(200) NOT NULL,
        owner VARCHAR(36) NOT NULL,
        precondition VARCHAR(5000) NOT NULL,
        depends_on JSON NOT NULL,
        expected VARCHAR(5000) NOT NULL,
        step_kind VARCHAR(40) NOT NULL,
        snapback BOOLEAN NOT NULL,
        sort_order INTEGER NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_runbook_step_project_id ON runbook_step (project_id)",
    "CREATE INDEX ix_runbook_step_cutover_id ON runbook_step (cutover_id)",
    f"""CREATE TABLE runbook_run (
        {_RECORD}
        cutover_id VARCHAR(36) NOT NULL,
        run_kind VARCHAR(40) NOT NULL,
        started_at DATETIME,
        finished_at DATETIME,
        "by" VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_runbook_run_project_id ON runbook_run (project_id)",
    "CREATE INDEX ix_runbook_run_cutover_id ON runbook_run (cutover_id)",
    f"""CREATE TABLE runbook_step_run (
        {_RECORD}
        run_id VARCHAR(36) NOT NULL,
        step_id VARCHAR(36) NOT NULL,
        state VARCHAR(40) NOT NULL,
        started_at DATETIME,
        finished_at DATETIME,
        note VARCHAR(5000) NOT NULL,
        "by" VARCHAR NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_runbook_step_run_project_id ON runbook_step_run (project_id)",
    "CREATE INDEX ix_runbook_step_run_run_id ON runbook_step_run (run_id)",
)

#: version 9: acceptance and closure: the customer's feedback, the hand-off to support, and
#: a project's closing and reopening
_V9_CLOSURE = (
    f"""CREATE TABLE feedback (
        {_RECORD}
        score INTEGER NOT NULL,
        comments VARCHAR(10000) NOT NULL,
        "by" VARCHAR NOT NULL,
        at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_feedback_project_id ON feedback (project_id)",
    f"""CREATE TABLE handoff (
        {_RECORD}
        open_issues JSON NOT NULL,
        exceptions JSON NOT NULL,
        contacts JSON NOT NULL,
        as_built VARCHAR(20000) NOT NULL,
        "by" VARCHAR NOT NULL,
        at DATETIME,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_handoff_project_id ON handoff (project_id)",
    "ALTER TABLE project ADD COLUMN closed_at DATETIME",
    "ALTER TABLE project ADD COLUMN closed_by VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE project ADD COLUMN close_reason VARCHAR(5000) NOT NULL DEFAULT ''",
    "ALTER TABLE project ADD COLUMN reopened_at DATETIME",
    "ALTER TABLE project ADD COLUMN reopened_by VARCHAR NOT NULL DEFAULT ''",
    "ALTER TABLE project ADD COLUMN reopen_reason VARCHAR(5000) NOT NULL DEFAULT ''",
)

#: version 10: hypercare's adoption and training gaps, and the final call's record
_V10_HYPERCARE = (
    f"""CREATE TABLE adoption_gap (
        {_RECORD}
        "where" VARCHAR(200) NOT NULL,
        topic VARCHAR(300) NOT NULL,
        owner VARCHAR(36) NOT NULL,
        follow_up VARCHAR(5000) NOT NULL,
        due_at DATETIME,
        status VARCHAR(40) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_adoption_gap_project_id ON adoption_gap (project_id)",
    f"""CREATE TABLE final_call (
        {_RECORD}
        held_at DATETIME,
        attendees JSON NOT NULL,
        tuning VARCHAR(10000) NOT NULL,
        open_items VARCHAR(10000) NOT NULL,
        adoption_review VARCHAR(10000) NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_final_call_project_id ON final_call (project_id)",
)

#: version 11: an adoption gap's site or group in a column whose name is no SQL keyword
_V11_ADOPTION_GAP_SITE = (
    'ALTER TABLE adoption_gap RENAME COLUMN "where" TO site_or_group',
)

#: version 12: runbook steps and adoption gaps are withdrawn (when, by whom, why), never
#: deleted
_V12_WITHDRAWN = tuple(
    statement for table in ("runbook_step", "adoption_gap") for statement in (
        f"ALTER TABLE {table} ADD COLUMN withdrawn_at DATETIME",
        f"ALTER TABLE {table} ADD COLUMN withdrawn_by VARCHAR NOT NULL DEFAULT ''",
        f"ALTER TABLE {table} ADD COLUMN withdraw_reason VARCHAR(5000) NOT NULL DEFAULT ''",
    )
)

#: version 13: no index of a number's project alone: ``ix_number_project_e164`` begins with
#: it and serves the same searches, and a first load builds one index fewer
_V13_NUMBER_PROJECT_INDEX = (
    "DROP INDEX IF EXISTS ix_number_project_id",
)

#: step N brings a cache from version N-1 to N; append, never edit a released step
STEPS: tuple[Sequence[str], ...] = (
    _V1_ENTITIES, _V2_SYNC, _V3_PROBLEM_MADE_AT, _V4_ISSUE_PRIORITY_REASON, _V5_LIFECYCLE,
    _V6_CUTOVERS, _V7_PROJECT_HOLIDAYS, _V8_RUNBOOK, _V9_CLOSURE,
    _V10_HYPERCARE, _V11_ADOPTION_GAP_SITE, _V12_WITHDRAWN, _V13_NUMBER_PROJECT_INDEX,
)
LATEST = len(STEPS)


class CacheTooNewError(RuntimeError):
    """The cache was written by a newer golive."""


def schema_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def migrate(
    engine: Engine, *, target: int | None = None, steps: Sequence[Sequence[str]] = STEPS
) -> int:
    """Bring the cache up to ``target`` (default: the last of ``steps``); returns the version
    it started at.

    A cache of a newer version than these steps know is refused and left as it is: its
    tables may hold what this golive would misread or drop.
    """
    known = len(steps)
    with engine.begin() as conn:
        start = schema_version(conn)
        if start > known:
            where = engine.url.database or "The cache"
            raise CacheTooNewError(
                f"{where} has cache schema version {start}, newer than this golive knows "
                f"({known}): a newer golive wrote it. Upgrade golive, or open another "
                "cache file; this one is left as it is."
            )
        for version in range(start + 1, (known if target is None else target) + 1):
            for statement in steps[version - 1]:
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(f"PRAGMA user_version = {version}")
    return start
