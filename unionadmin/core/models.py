"""The core's own tables (background jobs, the audit log, the security version stamp), then
every domain's models imported, so that the metadata (and Alembic) sees all tables.

Each domain keeps its tables in its own `models.py`; these three belong to no domain: the job
machinery (`jobs.py`), the audit log (`audit.py`) and the permission cache (`permcache.py`)
read and write them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from unionadmin.core.accounts.models import UnionUser  # noqa: F401 - every table in the metadata
from unionadmin.core.cards.models import Card, CardRange, MemberPhoto  # noqa: F401
from unionadmin.core.db import utcnow
from unionadmin.core.imports.models import ImportReject  # noqa: F401 - every table in the metadata
from unionadmin.core.members.models import (  # noqa: F401 - every table in the metadata
    Member,
    MemberApproval,
    MemberEvent,
    MembershipPeriod,
)
from unionadmin.core.members.tallies import (  # noqa: F401 - every table in the metadata
    UnitBirthTally,
    UnitEntryTally,
    UnitPeriodTally,
    UnitStatusTally,
)
from unionadmin.core.units.models import Unit, UnitEvent  # noqa: F401 - every table in the metadata

#: The values of `Job.status`.
STATUSES = ("queued", "running", "done", "failed")
#: A running job whose heartbeat is older than this is taken as interrupted (server restart).
STALE_AFTER = timedelta(minutes=2)


class Job(Model):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_kind_created", "kind", "created_at"),
        Index("ix_job_unit", "unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    #: The unit the job works on: who may see the job (scope) follows from it.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    params: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    input_name: Mapped[str | None] = mapped_column(String(255))
    #: The uploaded file, in the database so that every app server and worker can read it.
    input_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    #: The heartbeat: set at every committed step.
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def stale(self) -> bool:
        return self.status in ("queued", "running") and utcnow() - self.updated_at > STALE_AFTER


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


#: The one row of `SecurityVersion`.
VERSION_ROW = 1


class SecurityVersion(Model):
    """One row: bumped whenever roles, permissions or an account's roles change."""

    __tablename__ = "ua_security_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
