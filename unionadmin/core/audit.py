"""The audit log: who did what, when, from where, with the before and after of changed fields.

Rows are only ever inserted; no page or API edits or deletes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, utcnow


class AuditLog(Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_unit", "unit_path", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    username: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    #: Path of the unit the object belongs to, so Unit Admins read their subtree's rows.
    unit_path: Mapped[str | None] = mapped_column(String(400))
    details: Mapped[dict | None] = mapped_column(JSON)


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
