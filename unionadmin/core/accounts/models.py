"""FAB's user, extended the supported way (same table) with the unit it works for."""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from unionadmin.core.roles import ROLE_LABELS, main_role
from unionadmin.core.units.models import Unit

# Many officers have no e-mail, or share one: FAB's NOT NULL becomes optional (still unique
# when given). The initial migration creates the column this way.
User.__table__.c.email.nullable = True


class UnionUser(User):
    __tablename__ = "ab_user"

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    password_change_required: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                           default=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_on: Mapped[datetime | None] = mapped_column(DateTime)
    # Stamped into each session cookie and JWT; bumping it ends them all (accounts/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default="0")

    unit: Mapped[Unit | None] = relationship(Unit, lazy="joined", foreign_keys=[unit_id])

    @property
    def role(self) -> str | None:
        return main_role([r.name for r in self.roles])

    @property
    def role_label(self) -> str:
        role = self.role
        return str(ROLE_LABELS.get(role, role or ""))
