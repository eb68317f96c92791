"""Base class of every resource API: FAB's ModelRestApi, with reads through the scoped data
interface, writes through the domain service, and 422 with Vietnamese field messages instead
of FAB's 500 for bad input."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_appbuilder.api import ModelRestApi
from flask_babel import gettext as _
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy.sql import ColumnElement

from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.input_guard import MAX_OFFSET, fits_integer

#: A filter: value -> SQL condition (raise ValueError for a bad value).
FilterFn = Callable[[Any], ColumnElement[bool]]


class BadRequest(Exception):
    pass


def filter_clauses(table: dict[str, dict[str, FilterFn]],
                   filters: Any) -> list[ColumnElement[bool]]:
    """The SQL conditions of a list's `q` filters (`[{"col", "opr", "value"}, ...]`) under
    `table` (column -> operator -> FilterFn): the one reading of a filter, used by every list
    API and by the exports that take the same `q`. BadRequest names a filter that `table`
    lacks or a bad value."""
    if not isinstance(filters, list | tuple):
        raise BadRequest(_("Bad value for filter %(col)s.", col="filters"))
    clauses = []
    for spec in filters:
        if not isinstance(spec, dict):
            raise BadRequest(_("Bad value for filter %(col)s.", col="filters"))
        col, opr, value = spec.get("col"), spec.get("opr"), spec.get("value")
        fn = table.get(col, {}).get(opr) if isinstance(col, str) and isinstance(opr, str) else None
        if fn is None:
            raise BadRequest(_("Filter %(col)s %(opr)s is not supported.", col=col, opr=opr))
        try:
            clauses.append(fn(value))
        except (TypeError, ValueError):
            raise BadRequest(_("Bad value for filter %(col)s.", col=col)) from None
    return clauses


def id_value(value: Any) -> int:
    """A filter's id: a whole number an integer column can hold (ValueError otherwise: 400)."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(value)
    if not fits_integer(number):
        raise ValueError(value)
    return number


def service_errors(func: Callable) -> Callable:
    """Turn a service's errors into JSON answers (422 fields, 404, 403, 409)."""

    @functools.wraps(func)
    def wrapper(self: ServiceModelApi, *args: Any, **kwargs: Any):
        try:
            return func(self, *args, **kwargs)
        except ValidationError as exc:
            return self.response_422(message=exc.errors)
        except SchemaError as exc:
            return self.response_422(message=exc.messages)
        except ServiceError as exc:
            if exc.status == 404:
                return self.response_404()
            message = str(exc.message) if exc.message else _("This action is not allowed.")
            return self.response(exc.status, message=message)

    return wrapper


class ServiceModelApi(ModelRestApi):
    """A resource whose reads are scoped and whose writes call `service`."""

    #: Module or object with create(data) and update(obj, data) (and delete(obj) if allowed).
    service: Any = None
    read_schema: type[Schema]
    write_schema: type[Schema]
    #: Allowed filters: column -> operator -> FilterFn.
    api_filters: dict[str, dict[str, FilterFn]] = {}
    allow_delete = False
    page_size = 25

    def __init__(self) -> None:
        # One subclass per use, so the OpenAPI spec registers each under its own name.
        name = type(self).__name__
        self.list_model_schema = type(f"{name}List", (self.read_schema,), {})()
        self.show_model_schema = type(f"{name}Show", (self.read_schema,), {})()
        self.add_model_schema = type(f"{name}Add", (self.write_schema,), {})()
        self.edit_model_schema = type(f"{name}Edit", (self.write_schema,), {})()
        if not self.allow_delete:
            self.exclude_route_methods = set(self.exclude_route_methods or ()) | {"delete"}
        super().__init__()

    # -- helpers -------------------------------------------------------------------------------

    def dump(self, item: Any) -> dict[str, Any]:
        return self.read_schema().dump(item)

    def item_response(self, item: Any, status: int = 200):
        return self.response(status, id=item.id, result=self.dump(item))

    def _filter_clauses(self, filters: list[dict[str, Any]]) -> list[ColumnElement[bool]]:
        return filter_clauses(self.api_filters, filters)

    def _page_args(self, args: dict[str, Any]) -> tuple[int, int]:
        """`page` from 0 and `page_size` from 1 to the maximum, both whole numbers, and no page
        beyond MAX_OFFSET rows (a negative or huge OFFSET fails in the database)."""
        page, page_size = args.get("page", 0), args.get("page_size", self.page_size)
        if not isinstance(page, int) or isinstance(page, bool) or page < 0:
            raise BadRequest(_("page must be a whole number from 0."))
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            raise BadRequest(_("page_size must be a whole number from 1."))
        # Larger pages are cut to the maximum, as FAB does.
        page_size = min(page_size, self.max_page_size
                        or current_app.config.get("FAB_API_MAX_PAGE_SIZE", 100))
        if page * page_size > MAX_OFFSET:
            raise BadRequest(_("This page is beyond the last one."))
        return page, page_size

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB translates a column without a description as gettext(""), which is the
        catalogue's header: no description is an empty one."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        for key, names in (("label", self.label_columns), ("description", self.description_columns)):
            if not names.get(field.name):
                info[key] = field.name if key == "label" else ""
        return info

    def _json_body(self) -> dict[str, Any]:
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            raise BadRequest(_("The request body must be a JSON object."))
        return request.get_json()

    # -- FAB's handlers, replaced --------------------------------------------------------------

    def get_list_headless(self, **kwargs: Any):
        args = kwargs.get("rison", {})
        try:
            clauses = self._filter_clauses(args.get("filters", []))
        except BadRequest as exc:
            return self.response_400(message=str(exc))
        order_column = args.get("order_column") or (self.base_order or ("", ""))[0]
        order_direction = args.get("order_direction") or (self.base_order or ("", "asc"))[1]
        if order_column and order_column not in self.order_columns:
            return self.response_400(message=_("Cannot sort by %(col)s.", col=order_column))
        try:
            page, page_size = self._page_args(args)
        except BadRequest as exc:
            return self.response_400(message=str(exc))
        datamodel = self.datamodel
        query = datamodel.scoped_query().filter(*clauses)
        count = datamodel.query_count(query)
        query = datamodel.apply_order_by(query, order_column or "id", order_direction or "asc")
        rows = datamodel.page_rows(query, page, page_size)
        cap = datamodel.count_cap()
        return self.response(
            200,
            count=min(count, cap + 1) if count > cap else count,
            count_exact=count <= cap,
            ids=[row.id for row in rows],
            result=self.read_schema(many=True).dump(rows),
        )

    def get_headless(self, pk: Any, **kwargs: Any):
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        return self.item_response(item)

    @service_errors
    def post_headless(self):
        try:
            body = self._json_body()
        except BadRequest as exc:
            return self.response_400(message=str(exc))
        data = self.write_schema().load_translated(body)
        item = self.service.create(data)
        return self.item_response(item, 201)

    @service_errors
    def put_headless(self, pk: Any):
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        try:
            body = self._json_body()
        except BadRequest as exc:
            return self.response_400(message=str(exc))
        data = self.write_schema().load_translated(body, partial=True)
        item = self.service.update(item, data)
        return self.item_response(item)

    @service_errors
    def delete_headless(self, pk: Any):
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        self.service.delete(item)
        return self.response(200, message="OK")
