"""Pages of the member register: /members/list/, add, show (with history), edit."""

from __future__ import annotations

from flask_appbuilder import expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from unionadmin.core.forms import UnitPickerField, VnDateField
from unionadmin.core.members import search, services
from unionadmin.core.members.api import member_interface
from unionadmin.core.members.models import GENDERS, ID_TYPES, STATUSES
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


def _choices(table: dict) -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in table.items()]


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
                            choices=lambda: [(n, n) for n in ethnicity_names()])
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
        from unionadmin.core.members.models import Member

        return query.filter(Member.status == value) if value in STATUSES else query


class MemberView(ServiceModelView):
    route_base = "/members"
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
    formatters_columns = {"date_of_birth": format_date, "joined_on": format_date}
    show_template = "members/show.html"

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)
        member = self.datamodel.get(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, related_views=self._related_views,
                                    member=member, events=services.events_of(member))
