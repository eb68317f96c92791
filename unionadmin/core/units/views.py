"""Pages of the unit tree: /units/list/, add, show, edit, and the unit chooser."""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from unionadmin.core.forms import UnitPickerField, VnDateField, select_choices
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.scope import unit_clause
from unionadmin.core.units import services
from unionadmin.core.units.choices import picker_units
from unionadmin.core.units.filters import FoldedNameFilter, LevelFilter, ParentCodeFilter
from unionadmin.core.units.models import LEVELS, SECTORS, Unit
from unionadmin.core.views import ServiceModelView, format_date, format_number

LABELS = {
    "code": _l("Code"),
    "name": _l("Unit name"),
    "level": _l("Level"),
    "level_label": _l("Level"),
    "parent_id": _l("Parent unit"),
    "parent": _l("Parent unit"),
    "parent.name": _l("Parent unit"),
    "sector": _l("Sector"),
    "sector_label": _l("Sector"),
    "member_target": _l("Member target"),
    "worker_count": _l("Workers"),
    "address": _l("Address"),
    "founded_on": _l("Founded on"),
    "dissolved_on": _l("Dissolved on"),
    "active": _l("Active"),
    "breadcrumb": _l("Place in the tree"),
    "path": _l("Place in the tree"),
}


def _choices(table: dict) -> list[SelectChoice]:
    return select_choices(table.items())


class UnitForm(DynamicForm):
    code = StringField(LABELS["code"], validators=[DataRequired()])
    name = StringField(LABELS["name"], validators=[DataRequired()])
    level = SelectField(LABELS["level"], choices=lambda: _choices(LEVELS))
    parent_id = UnitPickerField(LABELS["parent_id"], purpose="parent")
    sector = SelectField(LABELS["sector"], choices=lambda: select_choices([("", "")]) + _choices(SECTORS))
    member_target = IntegerField(LABELS["member_target"], validators=[Optional(),
                                                                      NumberRange(min=0)])
    worker_count = IntegerField(LABELS["worker_count"], validators=[Optional(),
                                                                    NumberRange(min=0)])
    address = StringField(LABELS["address"], validators=[Optional()])
    founded_on = VnDateField(LABELS["founded_on"], validators=[Optional()])
    dissolved_on = VnDateField(LABELS["dissolved_on"], validators=[Optional()])
    active = BooleanField(LABELS["active"], default=True)


class UnitView(ServiceModelView):
    route_base = "/units"
    datamodel = ScopedInterface(
        Unit, lambda actor: unit_clause(actor), order_keys={"name": "name_key"},
        column_filters={"name": [FoldedNameFilter], "level": [LevelFilter],
                        "parent_id": [ParentCodeFilter]})
    service = services
    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    label_columns = LABELS
    list_columns = ["code", "name", "level_label", "parent.name", "member_target", "active"]
    show_columns = ["code", "name", "level_label", "breadcrumb", "sector_label",
                    "member_target", "worker_count", "address", "founded_on", "dissolved_on",
                    "active"]
    add_columns = edit_columns = ["code", "name", "level", "parent_id", "sector",
                                  "member_target", "worker_count", "address", "founded_on",
                                  "dissolved_on", "active"]
    add_form = edit_form = UnitForm
    search_columns = ["name", "code", "level", "parent_id"]
    order_columns = ["code", "name", "member_target"]
    base_order = ("name", "asc")
    formatters_columns = {"founded_on": format_date, "dissolved_on": format_date,
                          "member_target": format_number, "worker_count": format_number}

    @expose("/choose")
    @has_access
    @permission_name("list")
    def choose(self):
        """Units matching `q` for the pickers (`choices.picker_units`)."""
        units = picker_units(request.args.get("q", ""), request.args.get("purpose", "member"),
                             request.args.get("level"))
        return jsonify(results=[{"id": u.id, "text": f"{u.name} ({u.code})"} for u in units])
