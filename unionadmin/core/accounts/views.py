"""Pages: /accounts/list/ (scoped account management) and /account/password (own password)."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.baseviews import BaseView
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from unionadmin.core.accounts import services
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.errors import ValidationError
from unionadmin.core.forms import UnitPickerField, select_choices
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.roles import ROLE_LABELS
from unionadmin.core.views import ServiceModelView

LABELS = {
    "username": _l("Username"),
    "first_name": _l("Given name"),
    "last_name": _l("Family name"),
    "email": _l("E-mail"),
    "unit_id": _l("Unit"),
    "unit.name": _l("Unit"),
    "role": _l("Role"),
    "role_label": _l("Role"),
    "active": _l("Active"),
    "password": _l("New password"),
    "password_change_required": _l("Must change password"),
    "last_login": _l("Last login"),
    "locked_until": _l("Locked until"),
}


def _role_choices() -> list[SelectChoice]:
    return select_choices((r, ROLE_LABELS.get(r, r)) for r in services.grantable_roles())


class AccountForm(DynamicForm):
    username = StringField(LABELS["username"], validators=[DataRequired()])
    first_name = StringField(LABELS["first_name"], validators=[DataRequired()])
    last_name = StringField(LABELS["last_name"], validators=[DataRequired()])
    email = StringField(LABELS["email"], validators=[Optional()])
    unit_id = UnitPickerField(LABELS["unit_id"], purpose="any")
    role = SelectField(LABELS["role"], choices=_role_choices)
    active = BooleanField(LABELS["active"], default=True)
    password = PasswordField(LABELS["password"], validators=[Optional()],
                             description=_l("At least 10 characters. The account must change "
                                            "it at its first login."))


class AccountView(ServiceModelView):
    route_base = "/accounts"
    datamodel = ScopedInterface(UnionUser, services.scope_clause)
    service = services
    list_title = _l("Accounts")
    show_title = _l("Account")
    add_title = _l("Add account")
    edit_title = _l("Edit account")
    label_columns = LABELS
    list_columns = ["username", "last_name", "first_name", "unit.name", "role_label", "active"]
    show_columns = ["username", "last_name", "first_name", "email", "unit.name", "role_label",
                    "active", "password_change_required", "last_login", "locked_until"]
    add_columns = edit_columns = ["username", "last_name", "first_name", "email", "unit_id",
                                  "role", "active", "password"]
    add_form = edit_form = AccountForm
    search_columns = ["username", "last_name"]
    order_columns = ["username", "last_name"]
    base_order = ("username", "asc")

    def form_data(self, form, columns):
        data = super().form_data(form, columns)
        if not data.get("password"):
            data.pop("password", None)
        return data



class PasswordForm(DynamicForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 description=_l("At least 10 characters, not a common password, "
                                                "not your username."))
    confirm = PasswordField(_l("New password again"), validators=[DataRequired()])


class AccountPasswordView(BaseView):
    """Every account changes its own password here (and must, when told to)."""

    route_base = "/account/password"
    default_view = "this_form_get"

    @expose("/", methods=["GET"])
    @has_access
    def this_form_get(self):
        return self._render(PasswordForm())

    @expose("/", methods=["POST"])
    @has_access
    def this_form_post(self):
        form = PasswordForm()
        if form.validate_on_submit():
            if form.new_password.data != form.confirm.data:
                form.confirm.errors = [_("The two new passwords are not the same.")]
                return self._render(form)
            try:
                services.change_own_password(g.user, form.old_password.data,
                                             form.new_password.data)
            except ValidationError as exc:
                for field, messages in exc.errors.items():
                    if field in form:
                        form[field].errors = list(form[field].errors) + messages
                return self._render(form)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("HomeView.index"))
        return self._render(form)

    def _render(self, form):
        return self.render_template("accounts/password.html", form=form,
                                    title=_("Change your password"),
                                    required=bool(g.user.password_change_required))
