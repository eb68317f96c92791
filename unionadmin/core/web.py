"""Registers the pages, APIs, template folders and Jinja filters of every domain."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask_appbuilder import AppBuilder
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from unionadmin.core.accounts.api import AccountApi, OwnPasswordApi
from unionadmin.core.accounts.views import AccountPasswordView, AccountView
from unionadmin.core.audit_views import AuditView
from unionadmin.core.cards import templates as card_templates
from unionadmin.core.cards.api import MemberCardApi, UnitCardTemplateApi
from unionadmin.core.cards.ranges import CardRangeApi, CardRangeView
from unionadmin.core.cards.views import CardView, register_verify
from unionadmin.core.imports.api import MemberImportApi
from unionadmin.core.imports.views import ImportView
from unionadmin.core.members.api import MemberApi
from unionadmin.core.members.models import STATUSES
from unionadmin.core.members.views import MemberView
from unionadmin.core.reports.api import ReportApi
from unionadmin.core.reports.views import ReportView
from unionadmin.core.units.api import UnitApi
from unionadmin.core.units.views import UnitView
from unionadmin.core.views import format_number

CORE_DIR = Path(__file__).resolve().parent
DOMAINS = ("units", "members", "accounts", "cards", "imports", "reports")


def _template_loader(app: Flask) -> None:
    folders = [CORE_DIR / d / "templates" for d in DOMAINS if (CORE_DIR / d / "templates").is_dir()]
    app.jinja_loader = ChoiceLoader([app.jinja_loader, *(FileSystemLoader(str(f)) for f in folders)])


def _filters(app: Flask) -> None:
    def ua_datetime(value: datetime | None) -> str:
        # stored naive UTC, shown in BABEL_DEFAULT_TIMEZONE
        return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm")

    app.jinja_env.filters["ua_datetime"] = ua_datetime
    app.jinja_env.filters["ua_number"] = format_number
    app.jinja_env.globals["statuses"] = STATUSES
    # FAB's action and delete forms post a CSRF token when this global exists (lib.html).

    app.jinja_env.globals["csrf_token"] = generate_csrf


def _error_pages(app: Flask, appbuilder: AppBuilder) -> None:
    """Errors in Vietnamese: a page for people, JSON for the API (never Werkzeug's English)."""
    messages = {
        400: lambda: _("The request is not valid."),
        401: lambda: _("Please log in."),
        403: lambda: _("Your role does not allow this action."),
        404: lambda: _("This page does not exist, or it is outside your unit."),
        405: lambda: _("This action is not available here."),
        413: lambda: _("The file or form sent is too large."),
        429: lambda: _("Too many attempts. Wait a minute and try again."),
        500: lambda: _("Something went wrong on the server; the error has been logged."),
    }

    def handle(error: HTTPException):
        code = error.code or 500
        if "user" not in g:  # raised before FAB's own before_request (a body too large, a NUL)
            g.user = current_user
        message = messages.get(code, messages[500])()
        if request.path.startswith("/api/"):
            return jsonify(message=message), code
        return render_template("unionadmin/error.html", code=code, message=message,
                               base_template=appbuilder.base_template,
                               appbuilder=appbuilder), code

    for code in messages:
        app.register_error_handler(code, handle)


def register(app: Flask, appbuilder: AppBuilder) -> None:
    _template_loader(app)
    _filters(app)
    _error_pages(app, appbuilder)
    appbuilder.add_view(UnitView, "Units", label=_l("Units"), icon="fa-sitemap",
                        category="Organisation", category_label=_l("Organisation"))
    appbuilder.add_view(MemberView, "Members", label=_l("Members"), icon="fa-users",
                        category="Members", category_label=_l("Members"))
    appbuilder.add_view(AccountView, "Accounts", label=_l("Accounts"), icon="fa-user",
                        category="Organisation", category_label=_l("Organisation"))
    appbuilder.add_view(AuditView, "Audit log", label=_l("Audit log"), icon="fa-list",
                        category="Organisation", category_label=_l("Organisation"))
    appbuilder.add_view_no_menu(AccountPasswordView)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(MemberApi)

    appbuilder.add_view(CardRangeView, "Card number ranges", label=_l("Card number ranges"),
                        icon="fa-id-card", category="Organisation", category_label=_l("Organisation"))
    appbuilder.add_api(CardRangeApi)
    appbuilder.add_view(ReportView, "Reports", label=_l("Reports"), icon="fa-bar-chart")
    appbuilder.add_api(ReportApi)
    appbuilder.add_api(AccountApi)
    appbuilder.add_api(OwnPasswordApi)

    appbuilder.add_view(ImportView, "Import members", label=_l("Import from Excel"), icon="fa-upload",
                        category="Members", category_label=_l("Members"))
    appbuilder.add_api(MemberImportApi)

    appbuilder.add_api(MemberCardApi)
    appbuilder.add_api(UnitCardTemplateApi)
    appbuilder.add_view(CardView, "Card templates", label=_l("Card templates"), icon="fa-id-card-o",
                        category="Organisation", category_label=_l("Organisation"))
    register_verify(app, appbuilder)
    # The card templates (the core's and the plugins') are checked now that the plugins are
    # loaded: a broken one is logged and left out here, never met when a card is printed.
    card_templates.registry()
