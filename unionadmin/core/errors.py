"""Errors raised by services; views, API and CLI translate them for their users."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class: a message the user may read (already translated)."""

    status = 400

    def __init__(self, message: Any = None) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ServiceError):
    """Bad input: field name -> list of Vietnamese messages."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = {k: [str(m) for m in v] for k, v in errors.items() if v}

    @classmethod
    def single(cls, field: str, message: Any) -> ValidationError:
        return cls({field: [str(message)]})


class NotFound(ServiceError):
    """Missing, or outside the actor's scope: the two are never told apart."""

    status = 404


class Forbidden(ServiceError):
    """The actor's role does not allow this action."""

    status = 403


class Conflict(ServiceError):
    """The record's state does not allow this action (409)."""

    status = 409


class FieldErrors:
    """Collects field errors during validation, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
