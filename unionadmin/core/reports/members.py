"""`members`: the member list of a subtree with chosen columns, the officer's export.

Paged on the page and in JSON; file exports give every row (up to a cap). Citizen ID and phone
are masked for roles that need not see them (Viewer).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.members.models import GENDERS, STATUSES, Member
from unionadmin.core.privacy import PERSONAL_FIELDS, sees_personal_data
from unionadmin.core.reports.base import Params, Report
from unionadmin.core.reports.tree import subtree_filter
from unionadmin.core.text import mask
from unionadmin.core.units.models import Unit

AVAILABLE: dict[str, Any] = {
    "full_name": (_l("Full name"), Member.full_name),
    "date_of_birth": (_l("Date of birth"), Member.date_of_birth),
    "gender": (_l("Gender"), Member.gender),
    "ethnicity": (_l("Ethnic group"), Member.ethnicity),
    "religion": (_l("Religion"), Member.religion),
    "citizen_id": (_l("Citizen ID number"), Member.citizen_id),
    "old_id_number": (_l("Old ID number"), Member.old_id_number),
    "phone": (_l("Phone"), Member.phone),
    "email": (_l("E-mail"), Member.email),
    "hometown": (_l("Home town"), Member.hometown),
    "address": (_l("Current address"), Member.address),
    "education_level": (_l("General education"), Member.education_level),
    "qualification": (_l("Professional qualification"), Member.qualification),
    "occupation": (_l("Occupation"), Member.occupation),
    "union_position": (_l("Union position"), Member.union_position),
    "party_member": (_l("Party member"), Member.party_member),
    "joined_on": (_l("Joined the union on"), Member.joined_on),
    "unit_code": (_l("Unit code"), Unit.code),
    "unit": (_l("Unit"), Unit.name),
    "status": (_l("Status"), Member.status),
    "card_number": (_l("Card number"), Member.card_number),
}
DEFAULT_COLUMNS = ["full_name", "date_of_birth", "gender", "citizen_id", "phone", "joined_on",
                   "unit", "status", "card_number"]
MASKED = PERSONAL_FIELDS


def _columns(params: Params) -> list[str]:
    chosen = params.columns or DEFAULT_COLUMNS
    unknown = [c for c in chosen if c not in AVAILABLE]
    if unknown:
        raise ValidationError.single("columns", _("Unknown columns: %(names)s.", names=", ".join(unknown)))
    return list(dict.fromkeys(chosen))


def _statuses(params: Params) -> list[str]:
    if not params.status:
        return [s for s in STATUSES if s != "rejected"]
    chosen = [s for s in params.status.split(",") if s]
    if any(s not in STATUSES for s in chosen):
        raise ValidationError.single("status", _("Unknown status."))
    return chosen


def _display(name: str, value: Any, masked: bool) -> Any:
    if value is None:
        return None
    if name in MASKED and masked:
        return mask(value)
    if name == "gender":
        return str(GENDERS.get(value, value))
    if name == "status":
        return str(STATUSES.get(value, value))
    if name == "party_member":
        return _("Yes") if value else ""
    return value


def run(params: Params) -> dict[str, Any]:
    names = _columns(params)
    where = [subtree_filter(Member.unit_id, params.unit), Member.status.in_(_statuses(params))]
    count = session().scalar(select(func.count()).select_from(Member).where(*where)) or 0
    query = (select(*(AVAILABLE[n][1].label(n) for n in names))
             .join(Unit, Unit.id == Member.unit_id).where(*where)
             .order_by(Member.sort_key, Member.id))
    if params.paged:
        query = query.offset(params.page * params.page_size).limit(params.page_size)
    else:
        query = query.limit(params.max_rows)
    masked = not sees_personal_data()
    rows = [{n: _display(n, row[n], masked) for n in names}
            for row in session().execute(query).mappings()]
    return {"columns": [(n, AVAILABLE[n][0]) for n in names], "rows": rows, "totals": None,
            "count": count, "page": params.page if params.paged else None,
            "page_size": params.page_size if params.paged else None}


REPORT = Report(name="members", title=_l("Member list"), run=run, kind="list",
                params=("unit_id", "status", "columns", "page", "page_size"),
                column_choices={name: spec[0] for name, spec in AVAILABLE.items()},
                description=_l("The members of a unit with the columns you choose."))
