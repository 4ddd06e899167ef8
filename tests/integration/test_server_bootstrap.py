"""A 100,000-number project bootstraps from one streamed snapshot.

How quickly is measured by ``bench/bootstrap.py`` (ARCHITECTURE.md §4: ≤ 5 s), not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from golive_tui.seed import generate_project
from golive_tui.server import admin
from golive_tui.server.embedded import EmbeddedServer

pytestmark = pytest.mark.slow

NUMBERS = 100_000


def test_snapshot_of_100k_numbers_streams_in_chunks_and_parses_whole(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    db = admin.open_database(db_url)
    try:
        project_id, _ = admin.import_document(db, generate_project(NUMBERS), history=False)
        admin.add_user(db, "ipm")
        admin.grant(db, "ipm", project_id, "ipm")
        token = admin.issue_token(db, "ipm").token
    finally:
        db.dispose()
    with EmbeddedServer(db_url=db_url) as server, httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        with client.stream("GET", f"/v1/projects/{project_id}/snapshot") as response:
            assert response.status_code == 200
            assert response.headers.get("transfer-encoding") == "chunked"
            body = b"".join(response.iter_bytes())
        snapshot = json.loads(body)
        # imported without history: a client that starts from nothing is sent to the snapshot
        gone = client.get(f"/v1/projects/{project_id}/changes", params={"after": 0})
    assert gone.status_code == 410
    numbers = snapshot["entities"]["number"]
    assert len(numbers) == NUMBERS
    assert len({n["e164"] for n in numbers}) == NUMBERS
    assert snapshot["server_seq"] >= NUMBERS
