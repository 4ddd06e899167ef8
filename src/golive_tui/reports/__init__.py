"""Reports and exports: the go-live report, CSV exports."""
