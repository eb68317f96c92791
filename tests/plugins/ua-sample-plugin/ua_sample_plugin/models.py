"""The plugin's table, declared on Flask-AppBuilder's `Model` (the core's one metadata, with its
naming convention) and created by the plugin's own migration (migrations/p_sample_0001.py)."""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from unionadmin.core.db import utcnow


class SampleNote(Model):
    """A note the province's unit administrators keep about a unit of the province."""

    __tablename__ = "ua_sample_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
