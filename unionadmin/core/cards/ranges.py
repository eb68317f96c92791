"""Card number ranges: the admin page /card_ranges/ and `/api/v1/card_range/` (Admin only: the
central level allocates prefixes to province-level units; rows are read through the scope)."""

from __future__ import annotations

from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from unionadmin.core.api import ServiceModelApi, id_value
from unionadmin.core.cards import services
from unionadmin.core.cards.models import CardRange
from unionadmin.core.cards.numbering import MAX_SERIAL
from unionadmin.core.forms import UnitPickerField
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.schemas import StrictInt, TrimmedString, WriteSchema
from unionadmin.core.views import ServiceModelView, format_number


def range_interface() -> ScopedInterface:
    return ScopedInterface(CardRange, lambda actor: services.range_clause(actor))


class CardRangeSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    prefix = fields.String()
    start_serial = fields.Integer()
    end_serial = fields.Integer()
    next_serial = fields.Integer()
    size = fields.Integer()
    remaining = fields.Integer()
    note = fields.String(allow_none=True)


class CardRangeWriteSchema(WriteSchema):
    unit_id = StrictInt(required=True)
    prefix = TrimmedString(required=True)
    start_serial = StrictInt(allow_none=True)
    end_serial = StrictInt(required=True)
    next_serial = StrictInt(allow_none=True)
    note = TrimmedString(allow_none=True)


class CardRangeApi(ServiceModelApi):
    resource_name = "card_range"
    datamodel = range_interface()
    service = services
    read_schema = CardRangeSchema
    write_schema = CardRangeWriteSchema
    list_columns = show_columns = ["id", "unit_id", "prefix", "start_serial", "end_serial",
                                   "next_serial", "note"]
    add_columns = edit_columns = list(CardRangeWriteSchema._declared_fields)
    order_columns = ["id", "prefix"]
    base_order = ("prefix", "asc")
    api_filters = {
        "unit_id": {"eq": lambda v: CardRange.unit_id == id_value(v)},
        "prefix": {"eq": lambda v: CardRange.prefix == str(v).upper()},
    }


LABELS = {
    "unit_id": _l("Province-level unit"),
    "unit": _l("Province-level unit"),
    "unit.name": _l("Province-level unit"),
    "prefix": _l("Prefix"),
    "start_serial": _l("First serial"),
    "end_serial": _l("Last serial"),
    "next_serial": _l("Next serial"),
    "remaining": _l("Numbers left"),
    "note": _l("Note"),
}


class CardRangeForm(DynamicForm):
    unit_id = UnitPickerField(LABELS["unit_id"], purpose="card_range")
    prefix = StringField(LABELS["prefix"], validators=[DataRequired()])
    start_serial = IntegerField(LABELS["start_serial"], default=1,
                                validators=[Optional(), NumberRange(min=0, max=MAX_SERIAL)])
    end_serial = IntegerField(LABELS["end_serial"],
                              validators=[DataRequired(), NumberRange(min=0, max=MAX_SERIAL)])
    next_serial = IntegerField(LABELS["next_serial"],
                               validators=[Optional(), NumberRange(min=0, max=MAX_SERIAL)])
    note = StringField(LABELS["note"], validators=[Optional()])


class CardRangeView(ServiceModelView):
    route_base = "/card_ranges"
    datamodel = range_interface()
    service = services
    list_title = _l("Card number ranges")
    show_title = _l("Card number range")
    add_title = _l("Allocate a card number range")
    edit_title = _l("Edit card number range")
    label_columns = LABELS
    list_columns = ["prefix", "unit.name", "start_serial", "end_serial", "next_serial", "remaining"]
    show_columns = ["prefix", "unit.name", "start_serial", "end_serial", "next_serial", "remaining",
                    "note"]
    add_columns = edit_columns = ["unit_id", "prefix", "start_serial", "end_serial", "next_serial",
                                  "note"]
    add_form = edit_form = CardRangeForm
    search_columns = ["prefix"]
    order_columns = ["prefix"]
    base_order = ("prefix", "asc")
    formatters_columns = {"start_serial": format_number, "end_serial": format_number,
                          "next_serial": format_number, "remaining": format_number}
