"""The server's ingest path in one process, for counting what it costs an op.

What ``POST /v1/projects/{pid}/ops`` does with a push, without HTTP: the body read from its
bytes, the group applied in one transaction (:func:`~golive_tui.server.apply.apply_group`),
the answer written. Appends of verifications in pushes of 500 (as ``bench/sync_drain.py``
sends them) to a fresh SQLite file. Meant to be run under a counter of instructions, twice
with two sizes, so that what start-up costs falls out of the difference:

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p python bench/ingest_path.py --ops 2000
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p python bench/ingest_path.py --ops 4000

(instructions an op = the difference of the two totals / 2,000). Without valgrind it
prints the CPU time of the pushes.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection

from golive_tui.domain.enums import EntityKind, OpAction, VerificationResult
from golive_tui.domain.ops import Op, new_id
from golive_tui.domain.wire import MAX_OPS_PER_PUSH, PushResponse
from golive_tui.seed import generate_project
from golive_tui.server import admin
from golive_tui.server.access import access_on
from golive_tui.server.apply import Actor, PushJob, PushOutcome, apply_group
from golive_tui.server.cli.serve import SERVER_GC_THRESHOLDS
from golive_tui.server.routes.ops import read_storable_push


def bodies(count: int) -> list[bytes]:
    client_id = f"ingest-{uuid.uuid4()}"
    now = datetime.now(UTC)
    out = []
    for start in range(0, count, MAX_OPS_PER_PUSH):
        ops = [
            Op(op_id=new_id(), client_id=client_id, client_seq=i + 1,
               client_time=now, entity=EntityKind.VERIFICATION, entity_id=new_id(),
               action=OpAction.APPEND,
               fields={"test_case": "IN-01", "target": f"+1720555{i % 10000:04d}",
                       "result": VerificationResult.PASS.value, "note": f"call {i}"})
            for i in range(start, min(count, start + MAX_OPS_PER_PUSH))
        ]
        text = ",".join(op.model_dump_json() for op in ops)
        out.append(f'{{"client_id":"{client_id}","ops":[{text}]}}'.encode())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'server.db'}"
        db = admin.open_database(url)
        project_id, _ = admin.import_document(db, generate_project(40, sites=2))
        admin.ensure_user(db, "bench")
        admin.grant(db, "bench", project_id, "ipm")
        token = admin.issue_token(db, "bench").token

        def authorize(conn: Connection) -> Actor:
            access = access_on(conn, token, project_id)
            return Actor(user=access.user, role=access.role)

        warm, measured = bodies(MAX_OPS_PER_PUSH), bodies(args.ops)
        gc.collect()
        gc.freeze()  # as the server does after start-up
        gc.set_threshold(*SERVER_GC_THRESHOLDS)  # as its process does (`golive server`)
        cpu = 0.0
        for index, body in enumerate([*warm, *measured]):
            start = time.process_time()
            push = read_storable_push(body, "application/json")
            [outcome] = apply_group(db, [PushJob(project_id=project_id, ops=push.ops,
                                                 client_id=push.client_id,
                                                 authorize=authorize)])
            assert isinstance(outcome, PushOutcome), outcome
            answer = PushResponse(results=outcome.results, server_seq=outcome.server_seq)
            text = answer.model_dump_json()
            if index:
                cpu += time.process_time() - start
            assert all(r.status == "applied" for r in outcome.results), text[:500]
        db.dispose()
    print(f"{args.ops} ops: {cpu:.3f} s of CPU, {cpu / args.ops * 1e6:.1f} µs an op")


if __name__ == "__main__":
    main()
