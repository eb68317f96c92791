"""Registers the pages, APIs, template folders and Jinja filters of every domain."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, FileSystemLoader

from unionadmin.core.db import VN_TZ
from unionadmin.core.members.models import STATUSES
from unionadmin.core.views import format_number

CORE_DIR = Path(__file__).resolve().parent
DOMAINS = ("units", "members", "accounts", "cards", "imports", "reports")


def _template_loader(app: Flask) -> None:
    folders = [CORE_DIR / d / "templates" for d in DOMAINS if (CORE_DIR / d / "templates").is_dir()]
    app.jinja_loader = ChoiceLoader([app.jinja_loader, *(FileSystemLoader(str(f)) for f in folders)])


def _filters(app: Flask) -> None:
    def ua_datetime(value: datetime | None) -> str:
        if value is None:
            return ""
        from datetime import UTC

        return value.replace(tzinfo=UTC).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")

    app.jinja_env.filters["ua_datetime"] = ua_datetime
    app.jinja_env.filters["ua_number"] = format_number
    app.jinja_env.globals["statuses"] = STATUSES


def register(app: Flask, appbuilder: AppBuilder) -> None:
    from unionadmin.core.accounts.api import AccountApi, OwnPasswordApi
    from unionadmin.core.accounts.views import AccountPasswordView, AccountView
    from unionadmin.core.audit_views import AuditView
    from unionadmin.core.members.api import MemberApi
    from unionadmin.core.members.views import MemberView
    from unionadmin.core.units.api import UnitApi
    from unionadmin.core.units.views import UnitView

    _template_loader(app)
    _filters(app)
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
    appbuilder.add_api(AccountApi)
    appbuilder.add_api(OwnPasswordApi)
