"""The shared backend: ``golive server``.

FastAPI on uvicorn over SQLite or PostgreSQL. It depends on :mod:`golive_tui.domain` only
(the wire's models are :mod:`golive_tui.domain.wire`; an import-linter contract keeps it so); see
ARCHITECTURE.md §3 for the protocol it serves.
"""
