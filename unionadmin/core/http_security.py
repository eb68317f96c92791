"""Safe on a shared computer: session cookies that end with the browser, security headers with
a nonce-based CSP, no caching of personal pages, and one guard before every request that names
the request's credential and applies, to every path, the idle timeout, the CSRF check and the
forced password change."""

from __future__ import annotations

import secrets
import time

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFProtect, same_origin, validate_csrf
from wtforms.validators import ValidationError as CSRFValidationError

from unionadmin.core import audit
from unionadmin.core.accounts import sessions
from unionadmin.core.db import session as db_session

#: Endpoints an account that must change its password may still reach (with the cookie).
_PASSWORD_CHANGE_ENDPOINTS = {"AccountPasswordView.this_form_get",
                              "AccountPasswordView.this_form_post", "static",
                              "appbuilder.static", "LocaleView.index"}
#: API paths a token that must change its password may still call.
_API_ALLOWED = ("/api/v1/account/password", "/api/v1/security/")
_SEEN_KEY = "_ua_seen"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Flask-WTF's extension, registered for its template globals and so that FAB refuses mutations
#: by GET; its own check is off (FAB exempts every API blueprint from it, even when reached with
#: the session cookie): `_csrf_check` is the one check.
csrf = CSRFProtect()


def configure(app: Flask) -> None:
    app.config["SESSION_PERMANENT"] = False  # the cookie ends with the browser
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if str(app.config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True  # behind HTTPS
    app.config["REMEMBER_COOKIE_DURATION"] = 0
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)  # also tells FAB to refuse mutations by GET
    sessions.configure(app)
    app.before_request(_guard)
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# -- the guard --------------------------------------------------------------------------------

def _guard():
    """Every request, in this order: which credential, then its rules."""
    credential = _credential()
    setattr(g, sessions.CREDENTIAL, credential)
    if credential == "session":
        return _idle_timeout() or _csrf_check() or _password_change_gate(current_user)
    if credential == "jwt":
        return _password_change_gate(g.user)
    return None


def _bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _credential() -> str | None:
    """None for the API login, "jwt" for an API call with a bearer token (checked here, so
    a bad token answers 401 even when a session cookie rides along), "session" for a logged-in
    cookie, else None. A bearer call needs no CSRF token: browsers never add that header
    across sites."""
    sm = current_app.appbuilder.sm
    if request.endpoint == _api_login():
        return None  # its credential is the password in the body, never the cookie
    if request.path.startswith("/api/") and _bearer():
        if current_app.config.get("FAB_API_KEY_ENABLED") and sm.extract_api_key_from_request():
            return None  # FAB's @protect checks API keys itself

        verify_jwt_in_request(refresh=request.endpoint == _api_refresh())
        return "jwt"
    if current_user.is_authenticated:
        return "session"
    if "_user_id" in session:  # a session ended on the server: drop it
        session.clear()
    return None


def _api_login() -> str:
    return current_app.appbuilder.sm.security_api.__name__ + ".login"


def _api_refresh() -> str:
    return current_app.appbuilder.sm.security_api.__name__ + ".refresh"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _refuse(code: int, message: str):
    if _wants_json():
        return jsonify(message=message), code
    appbuilder = current_app.appbuilder
    g.user = current_user  # the navbar reads it; FAB sets it in a later before_request
    return render_template("unionadmin/error.html", code=code, message=message,
                           base_template=appbuilder.base_template, appbuilder=appbuilder), code


def _login_endpoint() -> str:
    return current_app.appbuilder.sm.auth_view.endpoint + ".login"


def _idle_timeout():
    now = int(time.time())
    limit = int(current_app.config.get("UNIONADMIN_IDLE_MINUTES", 15)) * 60
    seen = session.get(_SEEN_KEY)
    if seen is not None and now - int(seen) > limit:
        audit.record("logout.idle", "account", current_user.id, username=current_user.username)
        db_session().commit()
        logout_user()
        session.clear()
        message = _("You were signed out after a period without activity.")
        if _wants_json():
            return _refuse(401, message)
        flash(message, "info")
        return redirect(url_for(_login_endpoint()))
    session[_SEEN_KEY] = now
    return None


def _csrf_check():
    """Every state-changing request made with the session cookie carries the token (form field
    `csrf_token` or header `X-CSRFToken`), whatever the path: pages, APIs, uploads. Behind HTTPS
    it must also come from this site's own pages (the Referer, as Flask-WTF's strict mode)."""
    if request.method not in _UNSAFE:
        return None
    try:
        validate_csrf(_sent_csrf_token())
        if request.is_secure and current_app.config.get("WTF_CSRF_SSL_STRICT", True) and not (
                request.referrer and same_origin(request.referrer, f"https://{request.host}/")):
            raise CSRFValidationError("referrer")
    except CSRFValidationError:
        return _refuse(400, _("This form has expired or did not come from this site. Go back, "
                              "reload the page and try again."))
    return None


def _sent_csrf_token() -> str | None:
    """The named form field or header only (Flask-WTF's own look-up also scans every form
    field's name, and a multipart part without a name made it fail with a 500)."""
    token = request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        return token
    headers = current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    return next((request.headers[h] for h in headers if request.headers.get(h)), None)


def _password_change_gate(user):
    """One gate for both credentials: until the account chooses its own password, only the
    password form (or API), logout and static files answer."""
    if user is None or not getattr(user, "password_change_required", False):
        return None
    if request.path.startswith("/api/"):
        if request.path.startswith(_API_ALLOWED):
            return None
        return jsonify(message="password_change_required"), 403
    if request.endpoint in _PASSWORD_CHANGE_ENDPOINTS or (request.endpoint or "").endswith(
            (".logout", ".login")):
        return None
    return redirect(url_for("AccountPasswordView.this_form_get"))


def _headers(response):
    headers = response.headers
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    nonce = g.get("csp_nonce")
    script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
    personal = (current_user.is_authenticated or request.path.startswith("/api/")
                or "Authorization" in request.headers)
    if personal and not request.path.startswith(("/static/", "/appbuilder/static")):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response
