"""The unit list's filters (FAB filters on the scoped list): a name without diacritics, the
parent's code, the level."""

from __future__ import annotations

from flask_appbuilder.models.sqla.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from unionadmin.core.text import fold, like_escape
from unionadmin.core.units.models import LEVELS, Unit


class FoldedNameFilter(BaseFilter):
    name = _l("Contains")
    arg_name = "ct"

    def apply(self, query, value):
        return query.filter(Unit.name_search.like(f"%{like_escape(fold(value))}%", escape="\\"))


class ParentCodeFilter(BaseFilter):
    """Units directly under the unit with this code."""

    name = _l("Parent code is")
    arg_name = "pc"

    def apply(self, query, value):
        parent = select(Unit.id).where(Unit.code == str(value).strip()).scalar_subquery()
        return query.filter(Unit.parent_id == parent)


class LevelFilter(BaseFilter):
    name = _l("Is")
    arg_name = "eq"

    def apply(self, query, value):
        return query.filter(Unit.level == value) if value in LEVELS else query
