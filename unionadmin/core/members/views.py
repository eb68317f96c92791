"""Pages of the member register: /members/list/, add, show (with history), edit."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import BaseFilter
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import false
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional
from wtforms.validators import ValidationError as CSRFValidationError

from unionadmin.core.cards import services as cards
from unionadmin.core.cards.download import print_response
from unionadmin.core.cards.models import ISSUE_REASONS
from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.forms import UnitPickerField, VnDateField, select_choices
from unionadmin.core.members import extra_fields, search, services
from unionadmin.core.members.extra_fields import member_fields
from unionadmin.core.members.filters import extra_clause, member_interface, page_export_args
from unionadmin.core.members.models import GENDERS, ID_TYPES, STATUSES, Member
from unionadmin.core.members.schemas import ACTION_SCHEMAS, CARD_REASONS, LEAVE_KINDS
from unionadmin.core.privacy import PERSONAL_FIELDS, shown
from unionadmin.core.refdata import ethnicity_names
from unionadmin.core.views import ServiceModelView, format_date

LABELS = {
    "full_name": _l("Full name"),
    "date_of_birth": _l("Date of birth"),
    "gender": _l("Gender"),
    "gender_label": _l("Gender"),
    "ethnicity": _l("Ethnic group"),
    "religion": _l("Religion"),
    "id_type": _l("ID document"),
    "citizen_id": _l("Citizen ID number"),
    "old_id_number": _l("Old ID number"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "hometown": _l("Home town"),
    "address": _l("Current address"),
    "education_level": _l("General education"),
    "qualification": _l("Professional qualification"),
    "occupation": _l("Occupation"),
    "union_position": _l("Union position"),
    "party_member": _l("Party member"),
    "joined_on": _l("Joined the union on"),
    "unit_id": _l("Unit"),
    "unit": _l("Unit"),
    "unit.name": _l("Unit"),
    "status": _l("Status"),
    "status_label": _l("Status"),
    "card_number": _l("Card number"),
}


def _choices(table: dict) -> list[SelectChoice]:
    return select_choices(table.items())


class MemberForm(DynamicForm):
    full_name = StringField(LABELS["full_name"], validators=[DataRequired()])
    date_of_birth = VnDateField(LABELS["date_of_birth"], validators=[DataRequired()])
    gender = SelectField(LABELS["gender"], choices=lambda: _choices(GENDERS))
    unit_id = UnitPickerField(LABELS["unit_id"], purpose="member")
    id_type = SelectField(LABELS["id_type"], choices=lambda: _choices(ID_TYPES), default="cccd")
    citizen_id = StringField(LABELS["citizen_id"], validators=[DataRequired()])
    old_id_number = StringField(LABELS["old_id_number"], validators=[Optional()])
    joined_on = VnDateField(LABELS["joined_on"], validators=[DataRequired()])
    ethnicity = SelectField(LABELS["ethnicity"], default="Kinh",
                            choices=lambda: select_choices((n, n) for n in ethnicity_names()))
    religion = StringField(LABELS["religion"])
    phone = StringField(LABELS["phone"], render_kw={"inputmode": "tel"})
    email = StringField(LABELS["email"], render_kw={"inputmode": "email"})
    hometown = StringField(LABELS["hometown"])
    address = StringField(LABELS["address"])
    education_level = StringField(LABELS["education_level"])
    qualification = StringField(LABELS["qualification"])
    occupation = StringField(LABELS["occupation"])
    union_position = StringField(LABELS["union_position"])
    party_member = BooleanField(LABELS["party_member"])


def _form_field(field) -> Any:
    """A WTForms field for a plugin member field (required-ness is checked by the service)."""
    label = field.label
    if field.type == "choice":
        return SelectField(label, choices=select_choices([("", ""), *((c, c) for c in field.choices)]),
                           validators=[Optional()])
    if field.type == "date":
        return VnDateField(label, validators=[Optional()])
    if field.type == "boolean":
        return BooleanField(label)
    if field.type == "integer":
        return IntegerField(label, validators=[Optional()])
    return StringField(label)


def member_form(extra: list) -> type[MemberForm]:
    """MemberForm with this app's plugin fields, filled from `Member.extra` when editing."""
    if not extra:
        return MemberForm
    names = [f.name for f in extra]

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        MemberForm.process(self, formdata, obj, data, **kwargs)
        if obj is not None and not self.meta.wrap_formdata(self, formdata):  # not a POST
            for name in names:
                value = (getattr(obj, "extra", None) or {}).get(name)
                if value is not None and isinstance(self[name], VnDateField):
                    value = date.fromisoformat(value)
                self[name].data = value

    attrs: dict[str, Any] = {f.name: _form_field(f) for f in extra}
    attrs["process"] = process
    return type("MemberForm", (MemberForm,), attrs)


FORM_COLUMNS = ["full_name", "date_of_birth", "gender", "unit_id", "id_type", "citizen_id",
                "old_id_number", "joined_on", "ethnicity", "religion", "phone", "email",
                "hometown", "address", "education_level", "qualification", "occupation",
                "union_position", "party_member"]


class FoldedNameFilter(BaseFilter):
    """Name search that ignores diacritics and case ("do duc dat" finds "Đỗ Đức Đạt")."""

    name = _l("Contains")
    arg_name = "ct"

    def apply(self, query, value):
        return query.filter(search.name_contains(value))


class QuickSearchFilter(BaseFilter):
    name = _l("Name, ID, card or phone")
    arg_name = "qs"

    def apply(self, query, value):
        return query.filter(search.quick_search(value))


class StatusFilter(BaseFilter):
    name = _l("Is")
    arg_name = "eq"

    def apply(self, query, value):
        return query.filter(Member.status == value) if value in STATUSES else query


def _extra_filter(field) -> type[BaseFilter]:
    """A list filter "<label> is <value>" on a plugin choice field stored in `Member.extra`
    (the API's filter on the field: members/filters.py)."""
    def apply(self, query, value):
        if not value:
            return query
        try:
            return query.filter(extra_clause(field, value))
        except ValueError:  # not one of the field's values: nothing matches
            return query.filter(false())

    return type(f"ExtraFilter_{field.name}", (BaseFilter,),
                {"name": field.label, "arg_name": f"x_{field.name}", "apply": apply})


#: Which permission each page action needs (the same names as the API's).
ACTION_PERMISSIONS = {
    "approve": "approve", "reject": "approve",
    "accept_transfer": "accept_transfer", "refuse_transfer": "accept_transfer",
    **{name: "lifecycle" for name in ("resubmit", "transfer", "cancel_transfer", "suspend",
                                      "reinstate", "leave", "readmit", "card", "revoke_card")},
}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "resubmit": _l("Resubmit for approval"),
    "transfer": _l("Transfer to another unit"),
    "cancel_transfer": _l("Cancel the transfer"),
    "accept_transfer": _l("Accept the transfer"),
    "refuse_transfer": _l("Refuse the transfer"),
    "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"),
    "leave": _l("Record leaving"),
    "readmit": _l("Readmit"),
    "card": _l("Issue / re-issue card"),
    "revoke_card": _l("Revoke card"),
}
LEAVE_LABELS = {"left": _l("Left"), "expelled": _l("Expelled"), "deceased": _l("Deceased")}


def _check_csrf() -> None:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (CSRFError, CSRFValidationError):
        abort(400)


def _form_body(action_name: str) -> dict[str, Any]:
    """The action's fields from the posted form, as its API schema reads them."""
    fields = ACTION_SCHEMAS[action_name]._declared_fields
    body: dict[str, Any] = {}
    for name in fields:
        value = request.form.get(name, "").strip()
        if value == "":
            continue
        body[name] = int(value) if name == "to_unit_id" and value.isdigit() else value
    return body


class MemberView(ServiceModelView):
    route_base = "/members"
    base_permissions = [*ServiceModelView.base_permissions, "can_approve", "can_lifecycle",
                        "can_accept_transfer"]
    list_template = "members/list.html"
    # The bulk approval shares the page's "approve" permission (FAB would make a bare "approve").
    method_permission_name = {"approve_selected": "approve"}
    datamodel = member_interface(column_filters={
        "full_name": [FoldedNameFilter, QuickSearchFilter], "status": [StatusFilter]})
    service = services
    list_title = _l("Members")
    show_title = _l("Member")
    add_title = _l("Add member")
    edit_title = _l("Edit member")
    label_columns = LABELS
    list_columns = ["full_name", "date_of_birth", "gender_label", "unit.name", "status_label",
                    "card_number"]
    show_columns = ["full_name", "date_of_birth", "gender_label", "ethnicity", "religion",
                    "id_type", "citizen_id", "old_id_number", "phone", "email", "hometown",
                    "address", "education_level", "qualification", "occupation",
                    "union_position", "party_member", "joined_on", "unit.name",
                    "status_label", "card_number"]
    add_columns = edit_columns = FORM_COLUMNS
    add_form = edit_form = MemberForm
    search_columns = ["full_name", "status"]
    order_columns = ["full_name", "date_of_birth", "joined_on"]
    base_order = ("full_name", "asc")
    formatters_columns = {"date_of_birth": format_date, "joined_on": format_date,
                          "id_type": lambda v: str(ID_TYPES.get(v, v or "")),
                          **{f: partial(shown, f) for f in PERSONAL_FIELDS}}
    show_template = "members/show.html"

    def __init__(self, **kwargs: Any) -> None:
        # The plugin fields of this app (we run in its context): a form class per app.

        extra = member_fields()
        if extra:
            self.add_form = self.edit_form = member_form(extra)
            self.add_columns = self.edit_columns = FORM_COLUMNS + [f.name for f in extra]
            # Choice fields are searchable on the list, all under the JSON column `extra`.
            choices = [_extra_filter(f) for f in extra if f.type == "choice"]
            if choices:
                self.datamodel = member_interface(column_filters={
                    **MemberView.datamodel.column_filters, "extra": choices})
                self.search_columns = [*MemberView.search_columns, "extra"]
                self.label_columns = {**LABELS, "extra": _l("Other fields")}
        super().__init__(**kwargs)

    def render_template(self, template: str, **kwargs: Any):
        if template == self.list_template:
            # The export button exports what the list shows (members/filters.py).
            kwargs.setdefault("export_args", page_export_args(request.args))
        return super().render_template(template, **kwargs)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)
        member = self.datamodel.get(pk)
        sm = self.appbuilder.sm
        allowed = [a for a in services.available_actions(member)
                   if sm.has_access(f"can_{ACTION_PERMISSIONS[a]}", self.class_permission_name)]
        steps = services.approval_steps(member)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, member=member, events=services.events_of(member),
            actions=allowed, action_labels=ACTION_LABELS, cards=cards.cards_of(member),
            steps=steps, step_label=services.step_label, leave_labels=LEAVE_LABELS,
            leave_kinds=LEAVE_KINDS, card_reasons=CARD_REASONS, card_reason_labels=ISSUE_REASONS,
            extra_fields=extra_fields.member_fields(), csrf=generate_csrf(),
            owner=services.is_owner(member))

    def can_edit_item(self, item: Any) -> bool:
        """The receiver of a pending transfer sees the member but does not edit it."""
        return services.is_owner(item)

    # -- lifecycle actions: one small POST form each on the member page -----------------------

    def _do(self, pk: int, name: str, permission: str):
        _check_csrf()
        if ACTION_PERMISSIONS.get(name) != permission:
            abort(404)
        member = self.datamodel.get(pk)
        if member is None:
            abort(404)
        try:
            data = ACTION_SCHEMAS[name]().load_translated(_form_body(name))
            services.ACTIONS[name](member, **data)
        except ValidationError as exc:
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        except ServiceError as exc:
            if exc.status == 404:
                abort(404)
            flash(str(exc.message or _("This action is not allowed.")), "danger")
        else:
            flash(_("Done: %(action)s.", action=ACTION_LABELS[name]), "success")
            if self.datamodel.get(pk) is None:  # e.g. the receiver refused: no longer theirs
                return redirect(url_for(f"{self.endpoint}.list"))
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @expose("/approval/<int:pk>/<name>", methods=["POST"])
    @has_access
    @permission_name("approve")
    def approval(self, pk: int, name: str):
        return self._do(pk, name, "approve")

    @expose("/lifecycle/<int:pk>/<name>", methods=["POST"])
    @has_access
    @permission_name("lifecycle")
    def lifecycle(self, pk: int, name: str):
        return self._do(pk, name, "lifecycle")

    @expose("/transfer_decision/<int:pk>/<name>", methods=["POST"])
    @has_access
    @permission_name("accept_transfer")
    def transfer_decision(self, pk: int, name: str):
        return self._do(pk, name, "accept_transfer")

    # -- bulk approval from the list ----------------------------------------------------------

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's, with a CSRF check; each id is re-read through the scoped interface
        (docs/architecture.md#where-flask-appbuilder-needed-help), so an id outside the scope
        arrives as None and is skipped."""
        _check_csrf()
        return super().action_post()

    @action("approve", _l("Approve"), _l("Approve the selected members?"), "fa-check",
            multiple=True, single=False)
    def approve_selected(self, items):
        done, failed = 0, []
        for member in items:
            if member is None:
                continue
            try:
                services.approve(member)
                done += 1
            except ServiceError as exc:
                message = exc.errors if isinstance(exc, ValidationError) else exc.message
                failed.append(f"{member.full_name}: {message}")
        if done:
            flash(_("%(n)s member(s) approved.", n=done), "success")
        for line in failed[:10]:
            flash(line, "danger")
        self.update_redirect()
        return redirect(url_for(f"{self.endpoint}.list"))

    @action("print_cards", _l("Print cards"), None, "fa-id-card", multiple=True, single=False)
    def print_cards(self, items):
        """A4 sheets of the selected members' cards (cards/download.py)."""
        return print_response([m.id for m in items if m is not None])
