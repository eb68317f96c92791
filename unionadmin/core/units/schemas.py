"""JSON shapes of a unit (docs/api.md#units)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from unionadmin.core.schemas import FlexibleDate, StrictInt, TrimmedString, WriteSchema
from unionadmin.core.units.models import LEVELS, SECTORS


class UnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    sector = fields.String(allow_none=True)
    member_target = fields.Integer(allow_none=True)
    worker_count = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    founded_on = fields.Date(allow_none=True)
    dissolved_on = fields.Date(allow_none=True)
    active = fields.Boolean()


class UnitWriteSchema(WriteSchema):
    code = TrimmedString(required=True)
    name = TrimmedString(required=True)
    level = fields.String(required=True, validate=validate.OneOf(list(LEVELS)))
    parent_id = StrictInt(allow_none=True)
    sector = fields.String(allow_none=True, validate=validate.OneOf([*SECTORS, ""]))
    member_target = StrictInt(allow_none=True)
    worker_count = StrictInt(allow_none=True)
    address = TrimmedString(allow_none=True)
    founded_on = FlexibleDate(allow_none=True)
    dissolved_on = FlexibleDate(allow_none=True)
    active = fields.Boolean()


class UnitLookupSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
