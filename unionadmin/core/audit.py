"""The audit log: who did what, when, from where, with the before and after of changed fields.

Rows are only ever inserted; no page or API edits or deletes them.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from unionadmin.core.actor import current_actor
from unionadmin.core.db import session
from unionadmin.core.models import AuditLog


def _address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [before, after]}."""
    return {k: [_jsonable(before.get(k)), _jsonable(after.get(k))]
            for k in after if before.get(k) != after.get(k)}


def record(action: str, object_type: str | None = None, object_id: int | None = None,
           unit_path: str | None = None, details: dict[str, Any] | None = None,
           username: str | None = None) -> AuditLog:
    """Add an audit row to the current transaction (committed with the change it records)."""
    actor = current_actor()
    row = AuditLog(
        actor_id=actor.user_id,
        username=username or actor.username or None,
        address=_address(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        unit_path=unit_path,
        details={k: _jsonable(v) for k, v in (details or {}).items()} or None,
    )
    session().add(row)
    return row
