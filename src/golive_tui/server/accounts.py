"""People and their bearer tokens. A token is shown once; only its sha256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass

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
