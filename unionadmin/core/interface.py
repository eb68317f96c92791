"""The data interface every domain's views and API use.

It is FAB's `SQLAInterface` with the scope applied to every read (lists, shows, edits, deletes
and FAB's list actions all fetch rows through `query` or `get`), a capped count instead of a
full COUNT(*), Vietnamese sort keys, and no writes: those go through the domain's service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from unionadmin.core.actor import Actor
from unionadmin.core.scope import unit_clause
from unionadmin.core.units.models import Unit


class ColumnFilterConverter(SQLAFilterConverter):
    """FAB's filters per column type, replaced by the interface's own where it names some
    (accent-free name search, look-ups by code)."""

    def convert(self, col_name: str) -> list:
        custom = self.datamodel.column_filters.get(col_name)
        if custom:
            return [f(col_name, self.datamodel) for f in custom]
        return super().convert(col_name)


class ScopedInterface(SQLAInterface):
    """SQLAInterface restricted to the current actor's scope."""

    filter_converter_class = ColumnFilterConverter

    def __init__(
        self,
        obj: type,
        scope_clause: Callable[[Actor | None], ColumnElement[bool]],
        order_keys: dict[str, str] | None = None,
        column_filters: dict[str, list] | None = None,
    ) -> None:
        #: Search-form filters by column, replacing FAB's type-based ones.
        self.column_filters = column_filters or {}
        super().__init__(obj)
        self.scope_clause = scope_clause
        #: Order by another column than the one shown (full_name -> sort_key).
        self.order_keys = order_keys or {}

    # -- reads ---------------------------------------------------------------------------------

    def scoped_query(self):
        return self.session.query(self.obj).filter(self.scope_clause(None))

    @staticmethod
    def count_cap() -> int:
        return int(current_app.config.get("UNIONADMIN_COUNT_CAP", 10_000))

    def query_count(self, query, filters=None, select_columns=None) -> int:
        """Rows up to the cap, plus one when there are more: never a full-table COUNT.

        The sub-select names the primary key, not a constant: with an unrestricted scope the
        WHERE clause names no column, and `SELECT 1 ... LIMIT n` would lose its FROM (a count
        of 1 whatever the table holds)."""
        inner = self._apply_inner_all(query, filters, select_columns=select_columns,
                                      aliases_mapping={})
        limited = inner.with_entities(self.obj.id).order_by(None).limit(self.count_cap() + 1)
        return self.session.execute(select(func.count()).select_from(limited.subquery())).scalar()

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        query = self.scoped_query()
        count = self.query_count(query, filters, select_columns)
        query = self.apply_all(query, filters, order_column, order_direction, None, None,
                               select_columns, outer_default_load)
        return count, self.page_rows(query, page, page_size)

    def page_rows(self, query, page: int | None, page_size: int | None) -> list:
        """One page of an ordered query as a deferred join: the ids are paged first (the OFFSET
        walks an index only, no row visits), then only the page's rows are loaded."""
        if page_size is None:
            return query.all()
        pk = self.obj.id
        ids = [row[0] for row in self.apply_pagination(query.with_entities(pk), page, page_size)]
        if not ids:
            return []
        rows = {row.id: row for row in query.order_by(None).filter(pk.in_(ids))}
        return [rows[i] for i in ids if i in rows]

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        order_column = self.order_keys.get(order_column, order_column)
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping,
                                      bypass_many_to_many, add_pk=True)

    def get(self, id: Any, filters=None, select_columns=None, outer_default_load=False):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        query = self.scoped_query().filter(self.obj.id == pk)
        if filters:
            query = filters.apply_all(query)
        return query.one_or_none()

    def get_related_interface(self, col_name: str):
        """Related rows are scoped too (FAB's dropdowns would list every unit: docs/architecture.md#scope)."""
        model = self.get_related_model(col_name)

        if model is Unit:
            return ScopedInterface(Unit, unit_clause, order_keys={"name": "name_key"})
        raise RuntimeError(f"No scoped interface for related column {col_name!r}.")

    # -- writes go through services ------------------------------------------------------------

    def add(self, item, commit=True):  # pragma: no cover - guarded
        raise RuntimeError("Writes go through the domain service, not the data interface.")

    edit = add
    delete = add

    def delete_all(self, items):  # pragma: no cover - guarded
        raise RuntimeError("Writes go through the domain service, not the data interface.")
