"""Scoped account management: a Unit Admin manages the accounts of its subtree only, grants
roles no more powerful than its own, and never changes its own role or unit."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from unionadmin.core import abilities, audit
from unionadmin.core.accounts import passwords
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, utcnow
from unionadmin.core.errors import FieldErrors, Forbidden, NotFound, ValidationError
from unionadmin.core.schemas import check_lengths
from unionadmin.core.scope import require_unit_in_scope, unit_id_clause

FIELDS = ("username", "first_name", "last_name", "email", "unit_id", "role", "active")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def scope_clause(actor=None):
    """Accounts the actor may see: those of units in its subtree (Admins: all)."""
    return unit_id_clause(UnionUser.unit_id, actor)


def get(user_id: int) -> UnionUser:
    user = session().scalar(select(UnionUser).where(UnionUser.id == user_id, scope_clause()))
    if user is None:
        raise NotFound()
    return user


def role_of(user: UnionUser) -> str | None:
    return user.role


def values_of(user: UnionUser) -> dict[str, Any]:
    return {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "unit_id": user.unit_id,
            "role": role_of(user), "active": bool(user.active)}


def grantable_roles() -> list[str]:
    """The roles the current actor may grant (the account form's choices)."""
    return abilities.assignable_roles()


def _check(data: dict[str, Any], errors: FieldErrors, user: UnionUser | None) -> None:
    actor = current_actor()
    username = (data.get("username") or "").strip().lower()
    data["username"] = username
    if not _USERNAME.match(username):
        errors.add("username", _("Username: 3 to 64 lower-case letters, digits, dots, hyphens "
                                 "or underscores, starting with a letter or digit."))
    else:
        query = select(UnionUser.id).where(UnionUser.username == username)
        if user is not None:
            query = query.where(UnionUser.id != user.id)
        if session().scalar(query):
            errors.add("username", _("This username is taken."))
    for field in ("first_name", "last_name"):
        data[field] = (data.get(field) or "").strip()
        if not data[field]:
            errors.add(field, _("This field is required."))
    email = (data.get("email") or "").strip() or None
    data["email"] = email
    if email:
        query = select(UnionUser.id).where(UnionUser.email == email)
        if user is not None:
            query = query.where(UnionUser.id != user.id)
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            errors.add("email", _("This e-mail address is not valid."))
        elif session().scalar(query):
            errors.add("email", _("Another account uses this e-mail address."))
    if data.get("role") not in grantable_roles():
        errors.add("role", _("You cannot grant this role."))
    if data.get("unit_id") is None and abilities.needs_unit(data.get("role")):
        errors.add("unit_id", _("This field is required."))
    elif data.get("unit_id") is not None:
        try:
            require_unit_in_scope(data["unit_id"], "unit_id")
        except ValidationError as exc:
            errors.add("unit_id", exc.errors["unit_id"][0])
    if user is not None and user.id == actor.user_id:
        if data.get("role") != role_of(user):
            errors.add("role", _("You cannot change your own role."))
        if data.get("unit_id") != user.unit_id:
            errors.add("unit_id", _("You cannot change your own unit."))
        if data.get("active") is False:
            errors.add("active", _("You cannot deactivate your own account."))
    check_lengths(UnionUser, {f: data.get(f) for f in FIELDS}, errors)


def _check_password(password: str | None, username: str, errors: FieldErrors,
                    field: str = "password") -> None:
    for message in passwords.problems(password or "", username):
        errors.add(field, message)


def _hash(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))


def _audit(action: str, user: UnionUser, details: dict[str, Any]) -> None:
    unit = user.unit
    audit.record(action, "account", user.id, unit.path if unit else None, details)


def create(data: dict[str, Any]) -> UnionUser:
    data = {k: data.get(k) for k in (*FIELDS, "password")}
    data["active"] = data.get("active") is not False
    errors = FieldErrors()
    _check(data, errors, None)
    _check_password(data.get("password"), data.get("username", ""), errors)
    errors.raise_if_any()
    sm = current_app.appbuilder.sm
    user = UnionUser(username=data["username"], first_name=data["first_name"],
                     last_name=data["last_name"], email=data["email"], unit_id=data["unit_id"],
                     active=data["active"], password=_hash(data["password"]),
                     password_change_required=True, roles=[sm.find_role(data["role"])])
    db = session()
    try:
        db.add(user)
        db.flush()
        _audit("account.create", user, {"values": values_of(user)})
        db.commit()
    except IntegrityError:
        db.rollback()
        raise _taken_meanwhile(data) from None
    return user


def _taken_meanwhile(data: dict[str, Any]) -> ValidationError:
    """The unique username (or e-mail) was taken by a concurrent request between the check and
    the insert: the same field error as when the check sees it."""
    if data.get("email") and session().scalar(select(UnionUser.id).where(
            UnionUser.email == data["email"], UnionUser.username != data["username"])):
        return ValidationError.single("email", _("Another account uses this e-mail address."))
    return ValidationError.single("username", _("This username is taken."))


def update(user: UnionUser, changes: dict[str, Any]) -> UnionUser:
    before = values_of(user)
    data = {**before, **{k: v for k, v in changes.items() if k in FIELDS}}
    errors = FieldErrors()
    if not abilities.can_manage_account(role_of(user)):
        raise NotFound()
    _check(data, errors, user)
    new_password = changes.get("password")
    if new_password:
        _check_password(new_password, data["username"], errors)
    errors.raise_if_any()
    sm = current_app.appbuilder.sm
    user.username, user.first_name, user.last_name = (data["username"], data["first_name"],
                                                      data["last_name"])
    user.email, user.unit_id, user.active = data["email"], data["unit_id"], data["active"]
    if data["role"] != before["role"]:
        user.roles = [sm.find_role(data["role"])]
    details: dict[str, Any] = {"changes": audit.diff(before, values_of(user))}
    if new_password:
        user.password = _hash(new_password)
        user.password_changed_on = utcnow()
        # Someone else set it: the owner must choose their own at the next login.
        user.password_change_required = user.id != current_actor().user_id
        user.locked_until, user.fail_login_count = None, 0
        details["password_reset"] = True
    _audit("account.update", user, details)
    session().commit()
    return user


def change_own_password(user: UnionUser, old_password: str, new_password: str) -> UnionUser:
    errors = FieldErrors()
    if not user.password or not check_password_hash(user.password, old_password or ""):
        errors.add("old_password", _("The current password is not right."))
    _check_password(new_password, user.username, errors, "new_password")
    if old_password and new_password == old_password:
        errors.add("new_password", _("Choose a password different from the current one."))
    errors.raise_if_any()
    user.password = _hash(new_password)
    user.password_change_required = False
    user.password_changed_on = utcnow()
    _audit("account.password", user, {})
    session().commit()
    return user


def require_admin_rights() -> None:
    if not abilities.can_manage_accounts():
        raise Forbidden(_("Only a unit administrator can manage accounts."))
