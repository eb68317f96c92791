"""SQLAlchemy set-up shared by every domain: naming convention, column helpers, sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import String
from sqlalchemy.orm import Session

# Named constraints, so Alembic's batch mode on SQLite can alter them later
# (docs/architecture.md#database-and-migrations).
Model.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def make_db():
    """A new Flask-SQLAlchemy object bound to FAB's metadata, one per app
    (docs/architecture.md#database-and-migrations)."""
    return get_sqla_class()(metadata=Model.metadata)


def session() -> Session:
    """The current app's database session."""
    return current_app.appbuilder.session


def ascii_key(length: int) -> String:
    """A string column compared byte by byte on every database (sort keys, tree paths)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def utcnow() -> datetime:
    """Naive UTC timestamp, as stored in DateTime columns."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in Viet Nam: business dates and report periods use it."""
    return datetime.now(VN_TZ).date()
