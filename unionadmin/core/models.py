"""Imports every model so that the metadata (and Alembic) sees all tables."""

from unionadmin.core.accounts.models import UnionUser  # noqa: F401
from unionadmin.core.audit import AuditLog  # noqa: F401
from unionadmin.core.members.models import Member, MemberEvent, MembershipPeriod  # noqa: F401
from unionadmin.core.units.models import Unit, UnitEvent  # noqa: F401
