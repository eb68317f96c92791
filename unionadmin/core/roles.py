"""UnionAdmin's roles and their permissions. A role says what; the account's unit says where.

Admin > Unit Admin > Approver, Officer > Viewer (docs/architecture.md#roles-and-abilities).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_appbuilder.security.sqla.models import PermissionView
from flask_babel import lazy_gettext as _l

ROLE_ADMIN = "Admin"
ROLE_UNIT_ADMIN = "Unit Admin"
ROLE_APPROVER = "Approver"
ROLE_OFFICER = "Officer"
ROLE_VIEWER = "Viewer"

#: Power of each role: an account may grant only roles of lower or equal rank than its own.
ROLE_RANK = {ROLE_ADMIN: 4, ROLE_UNIT_ADMIN: 3, ROLE_APPROVER: 2, ROLE_OFFICER: 2,
             ROLE_VIEWER: 1}
GRANTABLE = (ROLE_UNIT_ADMIN, ROLE_APPROVER, ROLE_OFFICER, ROLE_VIEWER)
ROLE_LABELS = {ROLE_ADMIN: _l("System administrator"), ROLE_UNIT_ADMIN: _l("Unit administrator"),
               ROLE_APPROVER: _l("Approver"), ROLE_OFFICER: _l("Officer"),
               ROLE_VIEWER: _l("Viewer")}


def main_role(names: list[str]) -> str | None:
    """An account's role: UnionAdmin gives one per account (the most powerful, if several)."""
    return max(names, key=lambda n: ROLE_RANK.get(n, 0)) if names else None

_READ = [
    (r"UnitView|MemberView", r"can_(list|show|choose)"),
    (r"UnitApi|MemberApi", r"can_(get|info)"),
    (r"Units|Members|Organisation", r"menu_access"),
    (r"AccountPasswordView", r"can_this_form_(get|post)"),
    (r"ReportView", r"can_(list|show)"), (r"ReportApi", r"can_get"), (r"Reports", r"menu_access"),
    (r"MemberImportApi", r"can_export"),  # masked for Viewers (imports.services)
]
_ENTER = [
    (r"MemberView", r"can_(add|edit)"),
    (r"MemberApi", r"can_(post|put)"),
    (r"MemberImportApi|ImportView", r"can_import"), (r"Import members", r"menu_access"),
]
_UNITS = [
    (r"UnitView", r"can_(add|edit)"),
    (r"UnitApi", r"can_(post|put)"),
]
_ACCOUNTS = [
    (r"AccountView|AuditView", r"can_(list|show|add|edit)"),
    (r"AccountApi", r"can_(get|post|put|info)"),
    (r"Accounts|Audit log", r"menu_access"),
]

# Member lifecycle (members/api.py, members/views.py): approve/reject, the rest of the life,
# and the receiving side of a transfer.
_APPROVE = [(r"MemberView|MemberApi", r"can_approve")]
_LIFECYCLE = [(r"MemberView|MemberApi", r"can_lifecycle")]
_ACCEPT_TRANSFER = [(r"MemberView|MemberApi", r"can_accept_transfer")]

#: Role -> list of (view-menu regex, permission regex).
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    ROLE_VIEWER: _READ,
    ROLE_OFFICER: _READ + _ENTER + _LIFECYCLE,
    ROLE_APPROVER: _READ + _APPROVE + _ACCEPT_TRANSFER,
    ROLE_UNIT_ADMIN: _READ + _ENTER + _UNITS + _ACCOUNTS + _APPROVE + _LIFECYCLE + _ACCEPT_TRANSFER,
}

# Cards (cards/api.py, cards/views.py): card PDF, photo and print sheets for approvers and
# officers, photo upload for officers, the per-unit template choice for unit admins.
_CARD_READ = [(r"MemberCardApi", r"can_(print|get)"), (r"MemberView", r"(can_)?print_cards"),
              (r"CardView", r"can_print")]
_CARD_ENTER = [(r"MemberCardApi", r"can_put"), (r"CardView", r"can_photo")]
_CARD_TEMPLATES = [(r"CardView", r"can_templates"), (r"Card templates", r"menu_access")]
for _role, _rules in ((ROLE_OFFICER, _CARD_READ + _CARD_ENTER), (ROLE_APPROVER, _CARD_READ),
                      (ROLE_UNIT_ADMIN, _CARD_READ + _CARD_ENTER + _CARD_TEMPLATES)):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + _rules


def _matches(rules: list[tuple[str, str]], view: str, permission: str) -> bool:
    return any(re.fullmatch(v, view) and re.fullmatch(p, permission) for v, p in rules)


def sync_role_permissions(sm, granted: Mapping[str, Iterable[tuple[str, str]]] | None = None,
                          known: Iterable[str] | None = None) -> None:
    """Make each role hold exactly the permissions its rules match and those the loaded plugins
    grant it (`granted`: role -> exact (view, permission) pairs, plugins/access.py). With `known`
    (the view and menu names of the app), a permission on any other view (a plugin this app does
    not load) is left as it is. Idempotent."""
    pvms = sm.session.query(PermissionView).all()
    known = set(known) if known is not None else None
    for name, rules in ROLE_PERMISSIONS.items():
        role = sm.find_role(name) or sm.add_role(name)
        extra = set((granted or {}).get(name, ()))
        wanted = [pvm for pvm in pvms
                  if pvm.view_menu and pvm.permission
                  and (_matches(rules, pvm.view_menu.name, pvm.permission.name)
                       or (pvm.view_menu.name, pvm.permission.name) in extra)]
        if known is not None:
            wanted += [pvm for pvm in role.permissions
                       if pvm.view_menu and pvm.view_menu.name not in known and pvm not in wanted]
        role.permissions = wanted
    sm.session.commit()
