"""Card number ranges and member cards.

The central level allocates each province-level unit (a province federation or a national sector
union) one or more ranges: a prefix and serials. A card number is the prefix, the serial padded
to `numbering.SERIAL_DIGITS` digits and a check digit (`numbering.py`), so numbers are unique
across the country. A member has at most one card that is not revoked (a partial unique index),
which makes two concurrent approvals unable to issue two cards.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from unionadmin.core.db import utcnow
from unionadmin.core.units.models import Unit

#: Why a card was issued.
ISSUE_REASONS: dict[str, Any] = {
    "new": _l("New card"),
    "lost": _l("Lost"),
    "damaged": _l("Damaged"),
    "info_changed": _l("Information changed"),
}


class CardRange(Model):
    __tablename__ = "card_range"
    __table_args__ = (
        CheckConstraint("start_serial >= 0 AND end_serial >= start_serial", name="serials"),
        CheckConstraint("next_serial >= start_serial AND next_serial <= end_serial + 1",
                        name="next_serial"),
        Index("ix_card_range_unit", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    prefix: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    start_serial: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    end_serial: Mapped[int] = mapped_column(Integer, nullable=False)
    next_serial: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    def __str__(self) -> str:
        return self.prefix

    @property
    def size(self) -> int:
        return self.end_serial - self.start_serial + 1

    @property
    def used(self) -> int:
        return self.next_serial - self.start_serial

    @property
    def remaining(self) -> int:
        return self.end_serial + 1 - self.next_serial


class Card(Model):
    __tablename__ = "card"
    __table_args__ = (
        Index("ix_card_member", "member_id", "id"),
        # At most one valid card per member: the database refuses a second one.
        Index("uq_card_member_current", "member_id", unique=True,
              sqlite_where=text("revoked_on IS NULL"), postgresql_where=text("revoked_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), nullable=False)
    range_id: Mapped[int] = mapped_column(ForeignKey("card_range.id"), nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    #: What the QR code carries (/verify/<token>): random, unguessable, never derived from data.
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(255))
    #: PNG of the QR code, made once at issue (segno costs ~8 ms a code:
    #: docs/architecture.md#pdfs-and-card-printing).
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    issued_by = relationship("User", lazy="joined", foreign_keys="Card.issued_by_id")

    @property
    def valid(self) -> bool:
        return self.revoked_on is None

    @property
    def reason_label(self) -> str:
        return str(ISSUE_REASONS.get(self.reason, self.reason))


class MemberPhoto(Model):
    """A member's photo (`photos.process` makes it), in a table of its own: shared by every app
    server, off the member row's hot path."""

    __tablename__ = "member_photo"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    #: JPEG, PHOTO_SIZE, no metadata.
    image: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
