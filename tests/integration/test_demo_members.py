"""golive demo --as customer: the demo's customer main contact signs in as herself, with her
own token and cache, and the server holds her to the customer's role."""

from __future__ import annotations

from pathlib import Path

import httpx

from golive_tui.app.launch import DEMO_MEMBERS, demo_files, prepare_demo
from golive_tui.domain.enums import Role
from golive_tui.server.embedded import EmbeddedServer


def test_the_demo_customer_signs_in_with_her_own_token_and_the_customer_role(
    tmp_path: Path,
) -> None:
    ipm = prepare_demo(tmp_path)
    customer = prepare_demo(tmp_path, Role.CUSTOMER)
    assert customer.project_id == ipm.project_id, "one demo project for both"
    assert customer.token != ipm.token
    assert (tmp_path / demo_files(Role.CUSTOMER)[0]).exists()
    assert demo_files(Role.CUSTOMER)[1] != demo_files(Role.IPM)[1], "each her own cache"
    # a restart keeps her token
    assert prepare_demo(tmp_path, Role.CUSTOMER).token == customer.token

    with EmbeddedServer(db_url=ipm.db_url) as server:
        roles = {}
        for role, demo in ((Role.IPM, ipm), (Role.CUSTOMER, customer)):
            me = httpx.get(f"{server.url}/v1/me", timeout=30,
                           headers={"Authorization": f"Bearer {demo.token}"})
            assert me.status_code == 200, me.text
            body = me.json()
            assert body["user"] == DEMO_MEMBERS[role][0]
            roles[role] = next(p["role"] for p in body["projects"]
                               if p["project_id"] == ipm.project_id)
    assert roles == {Role.IPM: "ipm", Role.CUSTOMER: "customer"}
