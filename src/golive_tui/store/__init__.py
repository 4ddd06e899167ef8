"""The client's local cache: SQLite tables, paged queries and the outbox of pending changes."""
