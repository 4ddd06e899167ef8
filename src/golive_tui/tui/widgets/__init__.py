"""Reusable widgets of the golive app."""
