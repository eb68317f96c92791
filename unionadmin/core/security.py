"""The FAB security manager: accounts bound to units, lockout, login audit, sessions ended on
the server (accounts/sessions.py), JWT errors in the app's language, and the login and logout
views (web and API) that add UnionAdmin's rules to FAB's."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import JWTManager
from flask_login import login_user, logout_user
from marshmallow import ValidationError as SchemaError
from werkzeug.security import check_password_hash

from unionadmin.core import audit
from unionadmin.core.accounts import sessions
from unionadmin.core.accounts.models import UnionUser
from unionadmin.core.db import utcnow
from unionadmin.core.permcache import CachedPermissionsMixin

INVALID_LOGIN = _l("Wrong username or password.")


def _local_time(value: datetime) -> str:
    # stored naive UTC, shown in BABEL_DEFAULT_TIMEZONE
    return format_datetime(value, "HH:mm dd/MM/yyyy")


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

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """POST (with the CSRF token checked for every session request in http_security)
        logs out; a GET, which any link or image can cause, only asks to confirm."""
        user = self._get_authenticated_user()
        if request.method == "GET":
            if user is None:
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("unionadmin/logout.html", title=_("Logout"),
                                        appbuilder=self.appbuilder)
        logout_user()
        session.clear()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_login)


class UnionSecurityApi(SecurityApi):
    """FAB's API login with the same lockout, a per-address rate limit, and
    `password_change_required` in the answer."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
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
        result = sessions.issue_tokens(user, refresh=bool(payload.get("refresh")))
        return self.response(200, password_change_required=bool(user.password_change_required),
                             **result)


class UnionSecurityManager(CachedPermissionsMixin, SecurityManager):
    user_model = UnionUser
    authdbview = UnionAuthDBView
    security_api = UnionSecurityApi

    def create_jwt_manager(self, app) -> JWTManager:
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(sessions.token_claims)
        _jwt_error_answers(jwt_manager)
        return jwt_manager

    def load_user(self, pk):
        """The account of a session cookie, if the session was not ended since its login."""
        user = super().load_user(pk)
        if user is not None and not sessions.session_is_current(user):
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The account of a JWT, if active and the token was not ended since it was issued."""
        try:
            user = self.get_user_by_id(int(jwt_data["sub"]))
        except (KeyError, TypeError, ValueError):
            return None
        if user is None or not user.is_active or not sessions.token_is_current(user, jwt_data):
            return None
        g.user = user  # as FAB's: g.user cannot be set before the token is read
        return user

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
        """Logout ends all of the account's sessions and tokens, not only this browser's."""
        account = self.get_user_by_id(user.id)
        if account is not None:
            sessions.end_all(account)
        audit.record("logout", "account", user.id, _unit_path(user), username=user.username)
        self.session.commit()


def _jwt_refusal(message):
    """Flask-JWT-Extended's refusals as the API's other errors: 401, {"message": ...}."""

    def answer(*_args):
        return jsonify(message=str(message)), 401

    return answer


def _jwt_error_answers(jwt_manager: JWTManager) -> None:
    """Replace Flask-JWT-Extended's English 422/401 `{"msg": ...}` answers (a malformed,
    forged, `alg: none`, expired, ended or missing token)."""
    invalid = _jwt_refusal(_l("The login token is not valid. Log in again."))
    ended = _jwt_refusal(_l("Your session has ended. Log in again."))
    jwt_manager.invalid_token_loader(invalid)
    jwt_manager.token_verification_failed_loader(invalid)
    jwt_manager.unauthorized_loader(_jwt_refusal(_l("Please log in.")))
    jwt_manager.expired_token_loader(_jwt_refusal(_l("The login token has expired. "
                                                     "Log in again.")))
    jwt_manager.revoked_token_loader(ended)
    jwt_manager.user_lookup_error_loader(ended)
    jwt_manager.needs_fresh_token_loader(_jwt_refusal(_l("This action needs a fresh login. "
                                                         "Log in again.")))


def _unit_path(user) -> str | None:
    unit = getattr(user, "unit", None)
    return unit.path if unit is not None else None
