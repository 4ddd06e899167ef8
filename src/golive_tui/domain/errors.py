"""Refusals the domain gives, each with a code for machines and a message for people."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A change the rules refuse. ``code`` is stable; ``message`` says what to do next."""

    code = "domain_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ValidationFailed(DomainError):
    code = "validation"


class PermissionDenied(DomainError):
    code = "permission"


class NotFound(DomainError):
    code = "not_found"
