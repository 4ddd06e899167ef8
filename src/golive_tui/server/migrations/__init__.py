"""Alembic migrations of the server database (run by ``golive server migrate`` and at start-up)."""
