"""Projects on the server: creating one from a document, listing them, compacting the feed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from golive_tui.domain.clock import utcnow
from golive_tui.domain.codec import encode_record
from golive_tui.domain.enums import EntityKind, OpAction, Role
from golive_tui.domain.ops import Op, Record, validate_record
from golive_tui.domain.wire import OpResult, OpStatus
from golive_tui.server.accounts import AccountError, display_name_of, user_exists
from golive_tui.server.apply import Actor, apply_one
from golive_tui.server.db import Database
from golive_tui.server.rows import bulk_insert
from golive_tui.server.tables import change, member, project, project_counter, table_of

_INSERT_CHUNK = 5_000


class ProjectError(ValueError):
    """A refusal about projects, worded for the person at the terminal."""


@dataclass(frozen=True)
class ProjectSummary:
    id: str
    name: str
    customer: str
    server_seq: int
    compacted_through: int
    members: int


def project_exists(conn: Connection, project_id: str) -> bool:
    found = conn.execute(
        select(project_counter.c.project_id).where(project_counter.c.project_id == project_id)
    ).first()
    return found is not None


def import_project(
    db: Database,
    records: Iterable[tuple[EntityKind, Record]],
    *,
    by: str = "admin",
    history: bool = True,
) -> tuple[str, int]:
    """Create a project from whole records (a fixture or a generated project).

    With ``history`` every record also goes into the change feed (seq 1..N), so a client
    may start from an empty cursor as well as from a snapshot. Without it (big projects:
    half the writes and the space) the counter still moves to N but the feed starts
    compacted at N, so a client at cursor 0 is told (410) to bootstrap from the snapshot.
    Returns (project id, records written).
    """
    batches: dict[EntityKind, list[Record]] = {}
    project_record: Record | None = None
    for kind, record in records:
        if kind is EntityKind.PROJECT:
            if project_record is not None:
                raise ProjectError("A project document holds exactly one project record.")
            project_record = record
        batches.setdefault(kind, []).append(record)
    if project_record is None:
        raise ProjectError("The document has no project record.")
    project_id = str(project_record["id"])
    project_record = validate_record(EntityKind.PROJECT, {**project_record, "project_id": project_id})
    batches[EntityKind.PROJECT] = [project_record]
    now = utcnow()
    seq = 0
    with db.write() as conn:
        if project_exists(conn, project_id):
            raise ProjectError(
                f"Project {project_id} already exists on this server; "
                "give another id with --id to load a second copy."
            )
        for kind in EntityKind:
            rows = batches.get(kind, [])
            for record in rows:
                if record.get("project_id") != project_id:
                    raise ProjectError(
                        f"{kind.a_noun.capitalize()} record ({record.get('id')}) belongs to another "
                        "project than the document's."
                    )
            for start in range(0, len(rows), _INSERT_CHUNK):
                part = rows[start : start + _INSERT_CHUNK]
                bulk_insert(conn, table_of(kind), part)  # field_versions: its default, {}
                if not history:
                    seq += len(part)
                    continue
                feed = []
                for record in part:
                    seq += 1
                    feed.append(
                        {
                            "project_id": project_id,
                            "seq": seq,
                            "entity": kind.value,
                            "entity_id": record["id"],
                            "version": int(record.get("version") or 1),
                            "deleted": False,
                            "data": encode_record(record),
                            "op_id": None,
                            "by": by,
                            "at": now,
                        }
                    )
                bulk_insert(conn, change, feed)
        conn.execute(
            insert(project_counter).values(
                project_id=project_id, seq=seq, compacted_through=0 if history else seq
            )
        )
    return project_id, seq


def new_project_record(name: str, customer: str, project_id: str | None = None) -> Record:
    pid = project_id or str(uuid.uuid4())
    return validate_record(
        EntityKind.PROJECT,
        {"id": pid, "project_id": pid, "name": name, "customer": customer, "version": 1,
         "updated_at": utcnow(), "updated_by": "admin"},
    )


def list_projects(db: Database) -> list[ProjectSummary]:
    with db.read() as conn:
        members = (
            select(member.c.project_id, func.count().label("n"))
            .group_by(member.c.project_id)
            .subquery()
        )
        rows = conn.execute(
            select(
                project_counter.c.project_id,
                project.c.name,
                project.c.customer,
                project_counter.c.seq,
                project_counter.c.compacted_through,
                members.c.n,
            )
            .select_from(project_counter)
            .outerjoin(project, project.c.id == project_counter.c.project_id)
            .outerjoin(members, members.c.project_id == project_counter.c.project_id)
            .order_by(project.c.name)
        ).all()
    return [
        ProjectSummary(
            id=str(r.project_id),
            name=str(r.name or "(no project record)"),
            customer=str(r.customer or ""),
            server_seq=int(r.seq),
            compacted_through=int(r.compacted_through),
            members=int(r.n or 0),
        )
        for r in rows
    ]


def grant(db: Database, user: str, project_id: str, role: Role, *, by: str = "admin") -> OpResult:
    """Make ``user`` a member of the project with ``role``, through the op path.

    The membership is the synced ``member`` entity, so the change shows in the feed and in
    every client like any other edit.
    """
    with db.read() as conn:
        if not user_exists(conn, user):
            raise AccountError(f"No user {user}; add them first with: golive admin add-user {user}")
        if not project_exists(conn, project_id):
            raise ProjectError(f"No project {project_id}; see: golive admin list-projects")
        row = conn.execute(
            select(member.c.id, member.c.version, member.c.role).where(
                member.c.project_id == project_id, member.c.user == user
            )
        ).first()
        display_name = display_name_of(conn, user)
    client_id = f"admin-{uuid.uuid4()}"
    if row is None:
        op = Op(
            client_id=client_id, client_seq=1, entity=EntityKind.MEMBER, entity_id=str(uuid.uuid4()),
            action=OpAction.CREATE,
            fields={"user": user, "display_name": display_name, "role": role.value},
            client_time=utcnow(),
        )
    else:
        op = Op(
            client_id=client_id, client_seq=1, entity=EntityKind.MEMBER, entity_id=str(row.id),
            action=OpAction.UPDATE, fields={"role": role.value}, base_version=int(row.version),
            client_time=utcnow(),
        )
    with db.connect_for_writes() as conn:
        result = apply_one(db, conn, project_id, Actor.admin(by), op, client_id=client_id)
    if result.status not in (OpStatus.APPLIED, OpStatus.DUPLICATE):
        raise ProjectError(f"Could not grant {role.value} to {user}: {result.reason or result.status}")
    return result


def reopen(db: Database, project_id: str, reason: str, *, by: str = "admin") -> OpResult:
    """Reopen a closed project, recording why, through the op path (the rules of
    domain.closure: only the server's administrator reopens, and only with a reason)."""
    with db.read() as conn:
        row = conn.execute(
            select(project.c.version, project.c.closed_at).where(project.c.id == project_id)
        ).first()
    if row is None:
        raise ProjectError(f"No project {project_id}; see: golive admin list-projects")
    client_id = f"admin-{uuid.uuid4()}"
    op = Op(
        client_id=client_id, client_seq=1, entity=EntityKind.PROJECT, entity_id=project_id,
        action=OpAction.UPDATE, fields={"closed_at": None, "reopen_reason": reason},
        base_version=int(row.version), client_time=utcnow(),
    )
    with db.connect_for_writes() as conn:
        result = apply_one(db, conn, project_id, Actor.admin(by), op, client_id=client_id)
    if result.status not in (OpStatus.APPLIED, OpStatus.DUPLICATE):
        raise ProjectError(f"Could not reopen project {project_id}: "
                           f"{result.reason or result.status}")
    return result


def compact(
    db: Database, keep: int | None, project_id: str | None = None, *,
    before: datetime | None = None,
) -> dict[str, int]:
    """Delete old changes of each project; returns rows deleted per project.

    ``keep`` keeps the newest ``keep`` changes; ``before`` keeps every change made at or
    after that time. With both, a change goes only when neither keeps it. A client whose
    cursor is older than what is kept gets ``410`` and re-bootstraps from a snapshot,
    keeping its outbox.
    """
    if keep is None and before is None:
        raise ProjectError("Say what to keep: --keep N changes, or --days D of changes.")
    if keep is not None and keep < 0:
        raise ProjectError("--keep must be 0 or more.")
    with db.read() as conn:
        if project_id is not None:
            if not project_exists(conn, project_id):
                raise ProjectError(f"No project {project_id}; see: golive admin list-projects")
            ids = [project_id]
        else:
            ids = [str(p) for p in conn.execute(select(project_counter.c.project_id)).scalars()]
    deleted: dict[str, int] = {}
    for pid in ids:
        with db.write() as conn:
            head, done = conn.execute(
                select(project_counter.c.seq, project_counter.c.compacted_through)
                .where(project_counter.c.project_id == pid)
                .with_for_update()
            ).one()
            cutoff = int(head) if keep is None else int(head) - keep
            if before is not None and cutoff > int(done):
                # seq order is commit order, so every change up to the last one made
                # before that time is older than it
                older = conn.execute(
                    select(func.max(change.c.seq)).where(
                        change.c.project_id == pid, change.c.seq <= cutoff,
                        change.c.at < before,
                    )
                ).scalar()
                cutoff = min(cutoff, int(older or 0))
            if cutoff <= int(done):
                deleted[pid] = 0
                continue
            result = conn.execute(
                delete(change).where(change.c.project_id == pid, change.c.seq <= cutoff)
            )
            conn.execute(
                update(project_counter)
                .where(project_counter.c.project_id == pid)
                .values(compacted_through=cutoff)
            )
            deleted[pid] = int(result.rowcount or 0)
    return deleted


def compact_for_retention(db: Database, keep: int, days: float) -> dict[str, int]:
    """The server's periodic compaction: the newest ``keep`` changes and those of the last
    ``days`` days are kept (0 turns either bound off; both 0 keeps everything)."""
    if keep <= 0 and days <= 0:
        return {}
    before = utcnow() - timedelta(days=days) if days > 0 else None
    return compact(db, keep if keep > 0 else None, before=before)
