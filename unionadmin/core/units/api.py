"""`/api/v1/unit/`: the unit tree (docs/api.md#units)."""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from unionadmin.core.api import ServiceModelApi, id_value, service_errors
from unionadmin.core.db import session
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.scope import subtree_ids, unit_clause
from unionadmin.core.text import fold, like_escape
from unionadmin.core.units import services
from unionadmin.core.units.models import LEVEL_RANK, Unit
from unionadmin.core.units.schemas import UnitLookupSchema, UnitSchema, UnitWriteSchema


def _subtree_of(value) -> object:
    root = session().get(Unit, id_value(value))
    if root is None:
        return Unit.id.is_(None)
    return Unit.id.in_(subtree_ids(root.path))


def _levels(values) -> object:
    values = [values] if isinstance(values, str) else list(values)
    if any(v not in LEVEL_RANK for v in values):
        raise ValueError(values)
    return Unit.level.in_(values)


def _name_contains(value) -> object:
    return Unit.name_search.like(f"%{like_escape(fold(str(value)))}%", escape="\\")


class UnitApi(ServiceModelApi):
    resource_name = "unit"
    datamodel = ScopedInterface(Unit, lambda actor: unit_clause(actor),
                                order_keys={"name": "name_key"})
    service = services
    read_schema = UnitSchema
    write_schema = UnitWriteSchema
    list_columns = show_columns = list(UnitSchema._declared_fields)
    add_columns = edit_columns = list(UnitWriteSchema._declared_fields)
    order_columns = ["id", "code", "name", "level_rank", "member_target", "founded_on"]
    base_order = ("name", "asc")
    api_filters = {
        "parent_id": {"eq": lambda v: Unit.parent_id == id_value(v)},
        "level": {"eq": _levels, "in": _levels},
        "code": {"eq": lambda v: Unit.code == str(v)},
        "name": {"ct": _name_contains},
        "subtree_of": {"eq": _subtree_of},
        "active": {"eq": lambda v: Unit.active.is_(bool(v))},
    }
    openapi_spec_methods = {"lookup": {"get": {"description": "Find any unit by code."}}}

    @expose("/lookup", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @service_errors
    def lookup(self):
        """Any unit of the country by its code: the one read outside scope (for transfers).
        ---
        get:
          parameters:
          - in: query
            name: code
            schema:
              type: string
          responses:
            200:
              description: The unit
            404:
              $ref: '#/components/responses/404'
        """
        unit = services.lookup(request.args.get("code", ""))
        return jsonify(UnitLookupSchema().dump(unit))
