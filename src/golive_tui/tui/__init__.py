"""The Textual app: one screen per job on go-live day, sharing one live state."""
