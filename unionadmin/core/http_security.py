"""Safe on a shared computer: session cookies that end with the browser, idle timeout,
no caching of personal pages, security headers with a nonce-based CSP, and the forced
password change (web and API)."""

from __future__ import annotations

import secrets
import time

from flask import Flask, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

#: Endpoints an account that must change its password may still reach.
_PASSWORD_CHANGE_ENDPOINTS = {"AccountPasswordView.this_form_get",
                              "AccountPasswordView.this_form_post", "static",
                              "appbuilder.static", "LocaleView.index"}
_API_ALLOWED = ("/api/v1/account/password", "/api/v1/security/")
_SEEN_KEY = "_ua_seen"


def configure(app: Flask) -> None:
    app.config["SESSION_PERMANENT"] = False  # the cookie ends with the browser
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if str(app.config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True  # behind HTTPS
    app.config["REMEMBER_COOKIE_DURATION"] = 0
    app.before_request(_idle_timeout)
    app.before_request(_password_change_gate)
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _login_endpoint() -> str:
    from flask import current_app

    return current_app.appbuilder.sm.auth_view.endpoint + ".login"


def _idle_timeout():
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = int(time.time())
    limit = int(current_app.config.get("UNIONADMIN_IDLE_MINUTES", 15)) * 60
    seen = session.get(_SEEN_KEY)
    if seen is not None and now - int(seen) > limit:
        from unionadmin.core import audit
        from unionadmin.core.db import session as db_session

        audit.record("logout.idle", "account", current_user.id, username=current_user.username)
        db_session().commit()
        logout_user()
        session.clear()
        flash(_("You were signed out after a period without activity."), "info")
        return redirect(url_for(_login_endpoint()))
    session[_SEEN_KEY] = now
    return None


def _password_change_gate():
    if request.path.startswith("/api/"):
        return _api_password_gate()
    if not current_user.is_authenticated or not current_user.password_change_required:
        return None
    if request.endpoint in _PASSWORD_CHANGE_ENDPOINTS or (request.endpoint or "").endswith(
            (".logout", ".login")):
        return None
    return redirect(url_for("AccountPasswordView.this_form_get"))


def _api_password_gate():
    if request.path.startswith(_API_ALLOWED) or "Authorization" not in request.headers:
        return None
    from flask_jwt_extended import verify_jwt_in_request
    from flask_jwt_extended.exceptions import JWTExtendedException
    from jwt import PyJWTError

    try:
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return None  # FAB's @protect answers 401 for a bad token
    user = g.get("user")
    if user is not None and getattr(user, "password_change_required", False):
        return jsonify(message="password_change_required"), 403
    return None


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
