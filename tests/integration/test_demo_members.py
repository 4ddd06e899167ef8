"""golive demo --as customer: the demo's customer main contact signs in as herself, with her
own token and cache, and the server holds her to the customer's role."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from golive_tui.app.launch import DEMO_MEMBERS, demo_files, prepare_demo
from golive_tui.domain.enums import Role
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer


def test_the_demo_customer_signs_in_with_her_own_token_and_the_customer_role(
    tmp_path: Path,
) -> None:
    ipm = prepare_demo(tmp_path)
    customer = prepare_demo(tmp_path, Role.CUSTOMER)
    desk = prepare_demo(tmp_path, Role.SUPPORT)
    assert desk.project_id == ipm.project_id and desk.token not in (ipm.token, customer.token)
    assert customer.project_id == ipm.project_id, "one demo project for both"
    assert customer.token != ipm.token
    assert (tmp_path / demo_files(Role.CUSTOMER)[0]).exists()
    assert demo_files(Role.CUSTOMER)[1] != demo_files(Role.IPM)[1], "each her own cache"
    # a restart keeps her token
    assert prepare_demo(tmp_path, Role.CUSTOMER).token == customer.token

    with EmbeddedServer(db_url=ipm.db_url) as server:
        roles = {}
        for role, demo in ((Role.IPM, ipm), (Role.CUSTOMER, customer), (Role.SUPPORT, desk)):
            me = httpx.get(f"{server.url}/v1/me", timeout=30,
                           headers={"Authorization": f"Bearer {demo.token}"})
            assert me.status_code == 200, me.text
            body = me.json()
            assert body["user"] == DEMO_MEMBERS[role][0]
            roles[role] = next(p["role"] for p in body["projects"]
                               if p["project_id"] == ipm.project_id)
    assert roles == {Role.IPM: "ipm", Role.CUSTOMER: "customer", Role.SUPPORT: "support"}


def test_the_demo_keeps_its_own_project_when_others_are_added_beside_it(
    tmp_path: Path,
) -> None:
    """Projects added to the demo server (to try the portfolio and switching) never take
    the demo project's place at the next start, whatever order the server lists them in."""
    first = prepare_demo(tmp_path)
    db = admin.open_database(first.db_url)
    try:
        for name in ("Aardvark Clinics go-live", "Zephyr Freight go-live"):
            other, _ = admin.create_project(db, name=name, customer=name.split(" go")[0],
                                            project_id=str(uuid.uuid4()))
            admin.grant(db, DEMO_MEMBERS[Role.IPM][0], other, "ipm")
        assert len(admin.list_projects(db)) == 3
    finally:
        db.dispose()
    again = prepare_demo(tmp_path)
    assert again.project_id == first.project_id
    assert again.token == first.token
    assert prepare_demo(tmp_path, Role.CUSTOMER).project_id == first.project_id
