"""Units and unit events.

The tree is a materialised path of ids ("/1/23/456/"): a subtree is one indexed range scan,
and moving a unit rewrites the paths of its subtree in one UPDATE.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from unionadmin.core.db import ascii_key, session, utcnow

#: Levels from the top of the tree down; a parent's rank must be lower than its child's.
LEVELS: dict[str, Any] = {
    "central": _l("Confederation"),
    "province": _l("Provincial federation / national sector union"),
    "upper": _l("Upper-level union"),
    "grassroots": _l("Grassroots union"),
    "department": _l("Union department"),
    "group": _l("Union group"),
}
LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}
GRASSROOTS_RANK = LEVEL_RANK["grassroots"]

SECTORS: dict[str, Any] = {
    "state": _l("State sector"),
    "non_state": _l("Non-state sector"),
    "fdi": _l("Foreign-invested"),
    "cooperative": _l("Cooperative"),
    "other": _l("Other"),
}

UNIT_EVENT_KINDS = ("created", "edited", "moved", "dissolved", "restored")


def subtree_bounds(path: str) -> tuple[str, str]:
    """Range [low, high) of paths inside the subtree rooted at `path` ('/' < '0' in ASCII)."""
    return path, path[:-1] + "0"


class Unit(Model):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("level_rank BETWEEN 0 AND 5", name="level_rank"),
        Index("ix_unit_parent_name", "parent_id", "name_key", "id"),
        Index("ix_unit_level_path", "level_rank", "path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    name_search: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    name_key: Mapped[str] = mapped_column(ascii_key(400), nullable=False, default="")
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    level_rank: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(ascii_key(400), nullable=False, unique=True, default="")
    depth: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    sector: Mapped[str | None] = mapped_column(String(16))
    member_target: Mapped[int | None] = mapped_column(Integer)
    worker_count: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(500))
    founded_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Card template chosen for this subtree (cards/templates.py); None inherits from above.
    card_template: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return str(LEVELS.get(self.level, self.level))

    @property
    def sector_label(self) -> str:
        return str(SECTORS.get(self.sector, "")) if self.sector else ""

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, read off the path."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    @property
    def breadcrumb(self) -> str:
        """Names from the root down to this unit's parent, in one query."""
        ids = self.ancestor_ids[:-1]
        if not ids:
            return ""
        names = dict(session().execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
        return " › ".join(names[i] for i in ids if i in names)


class UnitEvent(Model):
    """What happened to a unit: reports of past dates survive re-parenting (2025 reform)."""

    __tablename__ = "unit_event"
    __table_args__ = (Index("ix_unit_event_unit", "unit_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    from_parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    to_parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    details: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

