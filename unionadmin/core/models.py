"""Imports every model so that the metadata (and Alembic) sees all tables."""

from unionadmin.core.accounts.models import UnionUser  # noqa: F401
from unionadmin.core.audit import AuditLog  # noqa: F401
from unionadmin.core.cards.models import Card, CardRange  # noqa: F401
from unionadmin.core.cards.photos import MemberPhoto  # noqa: F401
from unionadmin.core.imports.models import ImportReject  # noqa: F401
from unionadmin.core.jobs import Job  # noqa: F401
from unionadmin.core.members.models import (  # noqa: F401
    Member,
    MemberApproval,
    MemberEvent,
    MembershipPeriod,
)
from unionadmin.core.members.tallies import (  # noqa: F401
    UnitBirthTally,
    UnitEntryTally,
    UnitPeriodTally,
    UnitStatusTally,
)
from unionadmin.core.permcache import SecurityVersion  # noqa: F401
from unionadmin.core.units.models import Unit, UnitEvent  # noqa: F401
