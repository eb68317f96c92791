"""The plugin's page (/sample/) and API (/api/v1/ua_sample_note/), for the Unit Admins of the
province: `roles` gives them the permissions (and `unionadmin db upgrade` keeps them),
`applies_to` hides both from everyone outside the province (404), and every read and write goes
through the scope of the account (notes.py)."""

from __future__ import annotations

from pathlib import Path

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from marshmallow import Schema, fields

from ua_sample_plugin import notes
from ua_sample_plugin.models import SampleNote
from ua_sample_plugin.province import in_province
from unionadmin.core.api import ServiceModelApi, id_value
from unionadmin.core.errors import NotFound, ValidationError
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.schemas import StrictInt, TrimmedString, WriteSchema
from unionadmin.core.units import services as units

ROLES = ["Unit Admin"]


class SampleNoteView(BaseView):
    route_base = "/sample"
    default_view = "index"
    # FAB looks for templates beside its own package unless told: the plugin's own folder.
    template_folder = str(Path(__file__).parent / "templates")
    roles = ROLES
    applies_to = staticmethod(in_province)

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            data = {"unit_id": _unit_id(request.form.get("unit_code", "")),
                    "text": request.form.get("text", "")}
            try:
                notes.create(data)
            except ValidationError as exc:
                errors = exc.errors
            else:
                flash(_("Note saved."), "success")
                return redirect(url_for(".index"))
        return self.render_template("ua_sample/notes.html", notes=notes.listed(), errors=errors,
                                    form=request.form), (422 if errors else 200)


def _unit_id(code: str) -> int | None:
    """The id of the unit with this code (None for none: the service then gives the same field
    error as for a unit outside the account's scope)."""
    try:
        return units.lookup(code).id
    except NotFound:
        return None


class NoteSchema(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    text = fields.String()
    created_at = fields.DateTime()


class NoteWriteSchema(WriteSchema):
    unit_id = StrictInt(required=True)
    text = TrimmedString(required=True)


class SampleNoteApi(ServiceModelApi):
    resource_name = "ua_sample_note"
    datamodel = ScopedInterface(SampleNote, notes.scope_clause)
    service = notes
    read_schema = NoteSchema
    write_schema = NoteWriteSchema
    list_columns = show_columns = ["id", "unit_id", "text", "created_at"]
    add_columns = edit_columns = ["unit_id", "text"]
    order_columns = ["id"]
    base_order = ("id", "desc")
    api_filters = {"unit_id": {"eq": lambda v: SampleNote.unit_id == id_value(v)}}
    roles = ROLES
    applies_to = staticmethod(in_province)
