"""JSON shapes of a member and its events (docs/api.md#members)."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, validate

from unionadmin.core.members.models import GENDERS, ID_TYPES
from unionadmin.core.privacy import mask_record
from unionadmin.core.schemas import FlexibleDate, StrictInt, TrimmedString, WriteSchema


class MemberSchema(Schema):
    """A member as the API gives it; personal numbers masked for roles that need not see them."""

    id = fields.Integer()
    full_name = fields.String()
    date_of_birth = fields.Date()
    gender = fields.String()
    ethnicity = fields.String(allow_none=True)
    religion = fields.String(allow_none=True)
    id_type = fields.String()
    citizen_id = fields.String()
    old_id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    hometown = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    education_level = fields.String(allow_none=True)
    qualification = fields.String(allow_none=True)
    occupation = fields.String(allow_none=True)
    union_position = fields.String(allow_none=True)
    party_member = fields.Boolean()
    joined_on = fields.Date()
    unit_id = fields.Integer()
    status = fields.String()
    card_number = fields.String(allow_none=True)
    card_verify_url = fields.String(allow_none=True)

    @post_dump
    def _mask_personal(self, data: dict, **_kwargs) -> dict:
        return mask_record(data)


class MemberWriteSchema(WriteSchema):
    full_name = TrimmedString(required=True)
    date_of_birth = FlexibleDate(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(list(GENDERS)))
    ethnicity = TrimmedString(allow_none=True)
    religion = TrimmedString(allow_none=True)
    id_type = fields.String(validate=validate.OneOf(list(ID_TYPES)))
    citizen_id = TrimmedString(required=True)
    old_id_number = TrimmedString(allow_none=True)
    phone = TrimmedString(allow_none=True)
    email = TrimmedString(allow_none=True)
    hometown = TrimmedString(allow_none=True)
    address = TrimmedString(allow_none=True)
    education_level = TrimmedString(allow_none=True)
    qualification = TrimmedString(allow_none=True)
    occupation = TrimmedString(allow_none=True)
    union_position = TrimmedString(allow_none=True)
    party_member = fields.Boolean()
    joined_on = FlexibleDate(required=True)
    unit_id = StrictInt(required=True)


class MemberEventSchema(Schema):
    kind = fields.String()
    effective_date = fields.Date()
    recorded_at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    from_unit_id = fields.Integer(allow_none=True)
    to_unit_id = fields.Integer(allow_none=True)
    details = fields.Dict(allow_none=True)


# -- lifecycle action bodies (docs/api.md#member-actions) -------------------------------------

LEAVE_KINDS = ("left", "expelled", "deceased")
CARD_REASONS = ("new", "lost", "damaged", "info_changed")


class EmptySchema(WriteSchema):
    pass


class ReasonSchema(WriteSchema):
    reason = TrimmedString(required=True)


class TransferSchema(WriteSchema):
    to_unit_id = StrictInt(required=True)
    date = FlexibleDate(allow_none=True)


class SuspendSchema(WriteSchema):
    reason = TrimmedString(required=True)
    date = FlexibleDate(allow_none=True)
    until = FlexibleDate(required=True)


class DateSchema(WriteSchema):
    date = FlexibleDate(allow_none=True)


class LeaveSchema(WriteSchema):
    kind = fields.String(required=True, validate=validate.OneOf(LEAVE_KINDS))
    date = FlexibleDate(allow_none=True)
    reason = TrimmedString(allow_none=True)


class CardSchema(WriteSchema):
    reason = fields.String(load_default="new", validate=validate.OneOf(CARD_REASONS))


#: Action -> schema of its body.
ACTION_SCHEMAS: dict[str, type[WriteSchema]] = {
    "approve": EmptySchema, "reject": ReasonSchema, "resubmit": EmptySchema,
    "transfer": TransferSchema, "cancel_transfer": EmptySchema, "accept_transfer": EmptySchema,
    "refuse_transfer": ReasonSchema, "suspend": SuspendSchema, "reinstate": DateSchema,
    "leave": LeaveSchema, "readmit": DateSchema, "card": CardSchema, "revoke_card": ReasonSchema,
}


# -- plugin fields (register_member_fields): flat top-level keys named after each field ---------


def _read_field(field) -> fields.Field:
    return fields.Function(lambda member, name=field.name: (member.extra or {}).get(name),
                           allow_none=True)


def _write_field(field) -> fields.Field:
    if field.type == "choice":
        return fields.String(allow_none=True, validate=validate.OneOf(list(field.choices)))
    kinds = {"integer": StrictInt, "date": FlexibleDate, "boolean": fields.Boolean}
    return kinds.get(field.type, TrimmedString)(allow_none=True)


def with_member_fields(extra: list) -> tuple[type[Schema], type[WriteSchema]]:
    """MemberSchema and MemberWriteSchema with the app's plugin fields added (one pair per app,
    so apps with different plugins never share a schema). Required-ness is checked by the
    service, which also knows the stored values on a partial update."""
    if not extra:
        return MemberSchema, MemberWriteSchema
    read = type("MemberSchema", (MemberSchema,), {f.name: _read_field(f) for f in extra})
    write = type("MemberWriteSchema", (MemberWriteSchema,), {f.name: _write_field(f) for f in extra})
    return read, write
