"""People and their bearer tokens. A token is shown once; only its sha256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from golive_tui.domain.clock import utcnow
from golive_tui.server import rows
from golive_tui.server.tables import api_token, member, user_account

USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,79}$")
_TOKEN_ID_BYTES = 6
#: no id with it names anything: PostgreSQL text cannot hold it
_NUL = "\x00"


class AccountError(ValueError):
    """A refusal about accounts, worded for the person at the terminal."""


@dataclass(frozen=True)
class IssuedToken:
    id: str
    user: str
    #: the only time the plain token exists outside the caller's hands
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_user_name(name: str) -> str:
    if not USER_NAME.match(name):
        raise AccountError(
            f"'{name}' is not a usable user name: use lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit (e.g. marisol.rivera)."
        )
    return name


def user_exists(conn: Connection, name: str) -> bool:
    found = conn.execute(select(user_account.c.name).where(user_account.c.name == name)).first()
    return found is not None


def add_user(conn: Connection, name: str, display_name: str = "") -> None:
    check_user_name(name)
    if user_exists(conn, name):
        raise AccountError(f"User {name} already exists.")
    conn.execute(
        insert(user_account).values(
            name=name, display_name=display_name or name, created_at=utcnow()
        )
    )


def display_name_of(conn: Connection, name: str) -> str:
    found = conn.execute(
        select(user_account.c.display_name).where(user_account.c.name == name)
    ).scalar_one_or_none()
    return str(found) if found else name


def issue_token(conn: Connection, user: str) -> IssuedToken:
    """A new random token for ``user``: ``<id>.<secret>``; the id names it for revoking."""
    if not user_exists(conn, user):
        raise AccountError(f"No user {user}; add them first with: golive admin add-user {user}")
    token_id = secrets.token_hex(_TOKEN_ID_BYTES)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    conn.execute(
        insert(api_token).values(
            id=token_id, user=user, token_hash=hash_token(token), created_at=utcnow()
        )
    )
    return IssuedToken(id=token_id, user=user, token=token)


def revoke_token(conn: Connection, token_id: str) -> str:
    """Revoke one token by its id; returns its user."""
    row = conn.execute(
        select(api_token.c.user, api_token.c.revoked_at).where(api_token.c.id == token_id)
    ).first()
    if row is None:
        raise AccountError(
            f"No token with id {token_id}. The id is the part of the token before the dot."
        )
    if row.revoked_at is None:
        conn.execute(
            update(api_token).where(api_token.c.id == token_id).values(revoked_at=utcnow())
        )
    return str(row.user)


def revoke_user_tokens(conn: Connection, user: str) -> int:
    """Revoke every live token of ``user``; returns how many."""
    if not user_exists(conn, user):
        raise AccountError(f"No user {user}.")
    result = conn.execute(
        update(api_token)
        .where(api_token.c.user == user, api_token.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)


def authenticate(conn: Connection, token: str) -> str | None:
    """The user a bearer token belongs to, or None for an unknown or revoked token."""
    token_id, dot, _secret = token.partition(".")
    presented = hash_token(token)
    if not dot or not token_id or _NUL in token_id:
        return None
    row = conn.execute(
        select(api_token.c.user, api_token.c.token_hash).where(
            api_token.c.id == token_id, api_token.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    if not hmac.compare_digest(str(row.token_hash), presented):
        return None
    return str(row.user)


def token_access(conn: Connection, token: str, project_id: str) -> tuple[str, str | None] | None:
    """(user, their role in ``project_id`` or None) for a live token; None for any other.

    The one read every request makes, so it is one statement sent straight to the driver.
    A project id with a NUL in it names no project and never reaches the database, which
    on PostgreSQL cannot even compare such text.
    """
    token_id, dot, _secret = token.partition(".")
    if not dot or not token_id or _NUL in token_id:
        return None
    if _NUL in project_id:
        user = authenticate(conn, token)
        return None if user is None else (user, None)
    ahead = conn.info.get(_AHEAD)
    if ahead is not None and (token_id, project_id) in ahead:
        read: tuple[str, str, str | None] | None = ahead[(token_id, project_id)]
        if read is None or not hmac.compare_digest(read[1], hash_token(token)):
            return None
        return read[0], read[2]
    marker = rows.marker(conn)
    cur = rows.cursor(conn)
    try:
        cur.execute(
            'SELECT t."user", t.token_hash, m.role FROM api_token t '
            f'LEFT JOIN member m ON m."user" = t."user" AND m.project_id = {marker} '
            f"WHERE t.id = {marker} AND t.revoked_at IS NULL",
            (project_id, token_id),
        )
        row = cur.fetchone()
    finally:
        cur.close()
    if row is None or not hmac.compare_digest(str(row[1]), hash_token(token)):
        return None
    return str(row[0]), None if row[2] is None else str(row[2])


#: token ids per statement of :func:`live_access`, well under any driver's parameter limit
_ACCESS_CHUNK = 500

#: where :func:`read_access_ahead` leaves what it read, in the connection's ``info``
_AHEAD = "golive_access_ahead"


def read_access_ahead(conn: Connection, wanted: Collection[tuple[str, str]]) -> None:
    """Read the access of these (token, project) pairs in one statement per
    :data:`_ACCESS_CHUNK` tokens, for :func:`token_access` to answer from in this
    transaction, instead of one statement each, until :func:`forget_access_ahead`.

    The writer reads its group's callers this way with the group's other reads, right
    after it locks the group's counters: every push of the group is then checked against
    the tokens and memberships as they were committed when the group began, each push's
    token hashed and compared as before. A transaction that writes a membership forgets
    what was read (:class:`~golive_tui.server.writes.Writes`), so a later push of the
    group reads its caller again, the membership written included.
    """
    access_sent(conn, wanted)()


def access_sent(conn: Connection, wanted: Collection[tuple[str, str]]) -> Callable[[], None]:
    """:func:`read_access_ahead`, sent now on cursors of its own and read when the answer
    is called (on PostgreSQL it can ride one round trip with other reads)."""
    pairs = {
        (token_id_of(token), project_id)
        for token, project_id in wanted
        if "." in token and token_id_of(token) and _NUL not in token + project_id
    }
    token_ids = sorted({token_id for token_id, _ in pairs})
    projects = sorted({project_id for _, project_id in pairs})
    marker = rows.marker(conn)
    sent = []
    for start in range(0, len(token_ids), _ACCESS_CHUNK):
        part = token_ids[start : start + _ACCESS_CHUNK]
        params: list[Any]
        if conn.dialect.name == "postgresql":
            # one statement text whatever the group holds: PostgreSQL plans it once
            in_projects, in_ids, params = "= ANY(%s)", "= ANY(%s)", [projects, part]
        else:
            in_projects = f"IN ({', '.join(marker for _ in projects)})"
            in_ids = f"IN ({', '.join(marker for _ in part)})"
            params = [*projects, *part]
        cur = rows.cursor(conn)
        cur.execute(
            'SELECT t.id, t."user", t.token_hash, m.project_id, m.role FROM api_token t '
            f'LEFT JOIN member m ON m."user" = t."user" AND m.project_id {in_projects} '
            f"WHERE t.id {in_ids} AND t.revoked_at IS NULL",
            params,
        )
        sent.append(cur)

    def read() -> None:
        found: dict[str, tuple[str, str]] = {}
        roles: dict[tuple[str, str], str] = {}
        for cur in sent:
            for token_id, user, token_hash, project_id, role in cur.fetchall():
                found[str(token_id)] = (str(user), str(token_hash))
                if project_id is not None:
                    roles[(str(token_id), str(project_id))] = str(role)
            cur.close()
        ahead: dict[tuple[str, str], tuple[str, str, str | None] | None] = {}
        for token_id, project_id in pairs:
            token_row = found.get(token_id)
            ahead[(token_id, project_id)] = (
                None if token_row is None else (*token_row, roles.get((token_id, project_id)))
            )
        conn.info[_AHEAD] = ahead

    return read


def forget_access_ahead(conn: Connection) -> None:
    """Read every caller again from here on (a membership was written, or the group ended)."""
    conn.info.pop(_AHEAD, None)


def token_id_of(token: str) -> str:
    """The id part of a token, the name it is revoked by."""
    return token.partition(".")[0]


def live_access(conn: Connection, token_ids: Collection[str]) -> set[tuple[str, str]]:
    """(token id, project id) for each of these tokens that is live, per project its user
    is a member of: what an open event stream needs to go on."""
    ids = sorted(token_ids)
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _ACCESS_CHUNK):
        rows = conn.execute(
            select(api_token.c.id, member.c.project_id)
            .join(member, member.c.user == api_token.c.user)
            .where(api_token.c.id.in_(ids[start : start + _ACCESS_CHUNK]),
                   api_token.c.revoked_at.is_(None))
        ).all()
        found.update((str(r.id), str(r.project_id)) for r in rows)
    return found
