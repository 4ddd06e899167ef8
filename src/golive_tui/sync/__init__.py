"""Sync between the local cache and the shared server: protocol, HTTP client, engine."""
