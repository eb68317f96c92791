"""`/audit/list/`: the audit log, read-only, scoped to the reader's subtree."""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from unionadmin.core.audit import AuditLog
from unionadmin.core.interface import ScopedInterface
from unionadmin.core.scope import path_clause
from unionadmin.core.views import ServiceModelView


def audit_scope(actor=None):
    """Rows about objects in the actor's subtree (Admins read everything)."""
    return path_clause(AuditLog.unit_path, actor)


def _when(value) -> str:
    # stored naive UTC, shown in BABEL_DEFAULT_TIMEZONE
    return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm:ss")


class AuditView(ServiceModelView):
    route_base = "/audit"
    datamodel = ScopedInterface(AuditLog, audit_scope)
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("Audit log")
    label_columns = {"at": _l("Time"), "username": _l("Account"), "address": _l("Address"),
                     "action": _l("Action"), "object_type": _l("Object"),
                     "object_id": _l("Id"), "details": _l("Details")}
    list_columns = ["at", "username", "address", "action", "object_type", "object_id"]
    show_columns = ["at", "username", "address", "action", "object_type", "object_id", "details"]
    search_columns = ["username", "action", "object_type"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    formatters_columns = {"at": _when}
