"""Members, member events and membership periods.

A member's state changes only through `services`, which writes an event and keeps the periods
in step. `search_name` and `sort_key` are derived from `full_name` on every write.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from unionadmin.core.cards.qr import verify_url
from unionadmin.core.db import ascii_key, utcnow
from unionadmin.core.text import fold, sort_key
from unionadmin.core.units.models import Unit

STATUSES: dict[str, Any] = {
    "pending": _l("Pending approval"),
    "active": _l("Active"),
    "transfer_pending": _l("Transfer pending"),
    "suspended": _l("Suspended"),
    "left": _l("Left"),
    "expelled": _l("Expelled"),
    "deceased": _l("Deceased"),
    "rejected": _l("Rejected"),
}
#: Statuses that count as members (docs/api.md#vocabulary).
MEMBER_STATUSES = ("active", "suspended", "transfer_pending")
#: Statuses whose citizen ID is free to be registered again.
CLOSED_STATUSES = ("left", "expelled", "deceased", "rejected")
#: Fields an officer enters; status, card and derived columns are never written directly.
FIELDS = ("full_name", "date_of_birth", "gender", "ethnicity", "religion", "id_type",
          "citizen_id", "old_id_number", "phone", "email", "hometown", "address",
          "education_level", "qualification", "occupation", "union_position", "party_member",
          "joined_on", "unit_id")

GENDERS: dict[str, Any] = {"male": _l("Male"), "female": _l("Female")}
ID_TYPES: dict[str, Any] = {
    "cccd": _l("Citizen ID card"),
    "cmnd": _l("Old identity card"),
    "passport": _l("Passport"),
}

EVENT_KINDS: dict[str, Any] = {
    "created": _l("Entered"),
    "resubmitted": _l("Resubmitted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "edited": _l("Edited"),
    "readmitted": _l("Readmitted"),
    "transfer_requested": _l("Transfer requested"),
    "transfer_cancelled": _l("Transfer cancelled"),
    "transfer_refused": _l("Transfer refused"),
    "transferred_out": _l("Transferred out"),
    "transferred_in": _l("Transferred in"),
    "suspended": _l("Suspended"),
    "reinstated": _l("Reinstated"),
    "left": _l("Left"),
    "expelled": _l("Expelled"),
    "deceased": _l("Deceased"),
    "card_issued": _l("Card issued"),
    "card_revoked": _l("Card revoked"),
    "photo_changed": _l("Photo changed"),
}

#: How a membership period began and ended.
PERIOD_STARTS = ("admitted", "registered", "transferred_in", "readmitted", "moved")
PERIOD_ENDS = ("transferred_out", "left", "expelled", "deceased", "moved")

_LIVE = "status NOT IN ('left', 'expelled', 'deceased', 'rejected')"


class Member(Model):
    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_unit_sort", "unit_id", "sort_key", "id"),
        # Name search in a small scope: the scope's names on the index alone (members/search.py).
        Index("ix_member_unit_search", "unit_id", "search_name"),
        Index("ix_member_sort", "sort_key", "id"),
        Index("ix_member_status_unit", "status", "unit_id"),
        # Counts per unit and status (progress, dashboard) read from the index alone.
        Index("ix_member_unit_status_created", "unit_id", "status", "created_at"),
        Index("ix_member_citizen_id", "citizen_id"),
        Index("ix_member_phone", "phone"),
        Index("ix_member_created_at", "created_at"),
        # One live member per identity number across the whole country.
        Index(
            "uq_member_live_citizen_id",
            "citizen_id",
            unique=True,
            sqlite_where=text(_LIVE),
            postgresql_where=text(_LIVE),
        ),
        Index(
            "uq_member_live_old_id_number",
            "old_id_number",
            unique=True,
            sqlite_where=text(f"old_id_number IS NOT NULL AND {_LIVE}"),
            postgresql_where=text(f"old_id_number IS NOT NULL AND {_LIVE}"),
        ),
        Index("uq_member_card_number", "card_number", unique=True),
        # Incoming transfers: the receiver's scope looks them up (core/scope.py member_clause).
        Index(
            "ix_member_transfer_to",
            "transfer_to_unit_id",
            sqlite_where=text("transfer_to_unit_id IS NOT NULL"),
            postgresql_where=text("transfer_to_unit_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(100), nullable=False)
    search_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    sort_key: Mapped[str] = mapped_column(ascii_key(160), nullable=False, default="")
    date_of_birth: Mapped[date] = mapped_column(Date, nullable=False)
    gender: Mapped[str] = mapped_column(String(8), nullable=False)
    ethnicity: Mapped[str | None] = mapped_column(String(32))
    religion: Mapped[str | None] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(8), nullable=False, default="cccd")
    citizen_id: Mapped[str] = mapped_column(String(20), nullable=False)
    old_id_number: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    hometown: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    education_level: Mapped[str | None] = mapped_column(String(64))
    qualification: Mapped[str | None] = mapped_column(String(128))
    occupation: Mapped[str | None] = mapped_column(String(128))
    union_position: Mapped[str | None] = mapped_column(String(128))
    party_member: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    card_number: Mapped[str | None] = mapped_column(String(20))
    #: Token of the current card (mirrors `card.token`): verify URLs without a join per row.
    card_token: Mapped[str | None] = mapped_column(String(64))
    #: Set while a transfer is pending: the receiving unit and the transfer's effective date.
    transfer_to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    transfer_date: Mapped[date | None] = mapped_column(Date)
    extra: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True, foreign_keys="Member.unit_id")

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.full_name}>"

    def __str__(self) -> str:
        return self.full_name

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def gender_label(self) -> str:
        return str(GENDERS.get(self.gender, self.gender))

    @property
    def card_verify_url(self) -> str | None:
        """PUBLIC_BASE_URL/verify/<token> of the current card, or None without a valid card."""
        if not self.card_token:
            return None

        return verify_url(current_app.config["PUBLIC_BASE_URL"], self.card_token)


def name_columns(full_name: str | None) -> dict[str, str]:
    """The columns derived from a name: set on every write by the listener below, and by bulk
    inserts (which bypass it) from here too."""
    return {"search_name": fold(full_name), "sort_key": sort_key(full_name)}


@event.listens_for(Member.full_name, "set", retval=False)
def _derive_name_columns(target: Member, value: str | None, _old: Any, _initiator: Any) -> None:
    derived = name_columns(value)
    target.search_name = derived["search_name"]
    target.sort_key = derived["sort_key"]


class MemberEvent(Model):
    """Every change of a member's state, with its business date and its time of entry."""

    __tablename__ = "member_event"
    __table_args__ = (
        Index("ix_member_event_member", "member_id", "id"),
        Index("ix_member_event_kind_date", "kind", "effective_date"),
        Index("ix_member_event_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    details: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", lazy="joined")

    @property
    def kind_label(self) -> str:
        return str(EVENT_KINDS.get(self.kind, self.kind))


class MembershipPeriod(Model):
    """A stretch of membership in one unit: counts on any past date are one indexed query."""

    __tablename__ = "membership_period"
    __table_args__ = (
        Index("ix_period_unit_dates", "unit_id", "start_date", "end_date"),
        Index("ix_period_member", "member_id", "start_date"),
        # `changes`: the periods opened and closed in a report period, on the index alone.
        Index("ix_period_start", "start_date", "unit_id", "start_kind"),
        Index("ix_period_end", "end_date", "unit_id", "end_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)
    start_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    end_kind: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # The member's profile, copied by database triggers (migration 0012) on insert and on every
    # change of the member's: the `changes` make-up of a province is then one pass over periods.
    gender: Mapped[str | None] = mapped_column(String(8))
    ethnicity: Mapped[str | None] = mapped_column(String(32))
    party_member: Mapped[bool | None] = mapped_column(Boolean)
    date_of_birth: Mapped[date | None] = mapped_column(Date)


APPROVAL_DECISIONS = ("approved", "rejected")


class MemberApproval(Model):
    """One approval step of one submission ("round") of a member: the core step first, then
    the steps plugins add (`approval_steps` hook), each decided by its role at its level."""

    __tablename__ = "member_approval"
    __table_args__ = (
        Index("uq_member_approval_step", "member_id", "round", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    step: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(64), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)

    decided_by = relationship("User", lazy="joined", foreign_keys="MemberApproval.decided_by_id")
