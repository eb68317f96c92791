"""The FAB security manager: accounts bound to units, lockout, login audit, and the login
views (web and API) that add UnionAdmin's rules to FAB's."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_login import login_user
from marshmallow import ValidationError as SchemaError
from werkzeug.security import check_password_hash

from unionadmin.core import audit
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.db import VN_TZ, utcnow
from unionadmin.core.permcache import CachedPermissionsMixin

INVALID_LOGIN = _l("Wrong username or password.")


def _local_time(value: datetime) -> str:
    from datetime import UTC

    return value.replace(tzinfo=UTC).astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def locked_message(until: datetime) -> str:
    return _("This account is locked after too many failed logins until %(time)s.",
             time=_local_time(until))


class UnionAuthDBView(AuthDBView):
    """FAB's login page, telling a locked account (with the right password) until when, and
    sending an account that must change its password to the password page."""

    invalid_login_message = INVALID_LOGIN

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                locked = g.get("_ua_locked_until")
                flash(locked_message(locked) if locked else str(self.invalid_login_message),
                      "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            login_user(user, remember=False)
            if user.password_change_required:
                return redirect(url_for("AccountPasswordView.this_form_get"))
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form,
                                    appbuilder=self.appbuilder)


class UnionSecurityApi(SecurityApi):
    """FAB's API login with the same lockout, a per-address rate limit, and
    `password_change_required` in the answer."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        from flask_appbuilder.security.schemas import login_post

        if not request.is_json:
            return self.response_400(message=_("The request body must be a JSON object."))
        try:
            payload = login_post.load(request.json)
        except SchemaError as error:
            return self.response_400(message=error.messages)
        user = self.appbuilder.sm.auth_user_db(payload["username"], payload["password"])
        if not user:
            locked = g.get("_ua_locked_until")
            if locked:
                return self.response(403, message=locked_message(locked))
            return self.response(401, message=str(INVALID_LOGIN))
        result = {
            "access_token": create_access_token(identity=str(user.id), fresh=True),
            "password_change_required": bool(user.password_change_required),
        }
        if payload.get("refresh"):
            result["refresh_token"] = create_refresh_token(identity=str(user.id))
        return self.response(200, **result)


class UnionSecurityManager(CachedPermissionsMixin, SecurityManager):
    user_model = UnionUser
    authdbview = UnionAuthDBView
    security_api = UnionSecurityApi

    def register_views(self) -> None:
        super().register_views()
        limit = current_app.config.get("UNIONADMIN_LOGIN_RATE_LIMIT")
        if limit and current_app.config.get("RATELIMIT_ENABLED", True):
            api = next((v for v in self.appbuilder.baseviews
                        if isinstance(v, UnionSecurityApi)), None)
            if api is not None:
                self.limiter.limit(limit, methods=["POST"])(api.blueprint)

    # -- lockout -------------------------------------------------------------------------------

    def auth_user_db(self, username, password):
        """FAB's check, refusing a locked account (and telling it, only when the password is
        right, so nobody learns which usernames exist)."""
        user = self.find_user(username=username) if username else None
        if user is not None and user.locked_until and user.locked_until > utcnow():
            if user.password and password and check_password_hash(user.password, password):
                g._ua_locked_until = user.locked_until
            audit.record("login.locked", "account", user.id, _unit_path(user),
                         username=user.username)
            self.session.commit()
            return None
        found = super().auth_user_db(username, password)
        if found is None and user is None and username:
            audit.record("login.failure", details={"reason": "unknown"},
                         username=str(username)[:128])
            self.session.commit()
        return found

    def update_user_auth_stat(self, user, success=True):
        if success:
            user.locked_until = None
        else:
            failures = (user.fail_login_count or 0) + 1
            limit = int(current_app.config.get("UNIONADMIN_LOCKOUT_FAILURES", 5))
            if failures >= limit:
                minutes = int(current_app.config.get("UNIONADMIN_LOCKOUT_MINUTES", 15))
                user.locked_until = utcnow() + timedelta(minutes=minutes)
                user.fail_login_count = -1  # FAB adds one: the count restarts after the lock
        audit.record("login.success" if success else "login.failure", "account", user.id,
                     _unit_path(user), username=user.username)
        super().update_user_auth_stat(user, success)

    def on_user_logout(self, user) -> None:
        audit.record("logout", "account", user.id, _unit_path(user), username=user.username)
        self.session.commit()


def _unit_path(user) -> str | None:
    unit = getattr(user, "unit", None)
    return unit.path if unit is not None else None
