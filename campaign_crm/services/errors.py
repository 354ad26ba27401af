"""Domain errors that views, the API and the CLI turn into messages."""
from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse; the message is Dutch and meant for the user."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    """Input that is wrong; `fields` says which field and why."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the actor)."""


class Conflict(DomainError):
    """The request clashes with the current state (an illegal stage move, a duplicate)."""
