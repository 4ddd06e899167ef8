"""One screen per job on go-live day."""
