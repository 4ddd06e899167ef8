"""golive: a Textual TUI for running go-live day of a Zoom Phone implementation."""

__version__ = "0.1.0"
