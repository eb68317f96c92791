"""Input no view should ever see, refused before any view runs (issue #15, point 9).

One `before_request` for every route (pages, API, FAB's own security views, the logins):

- ids in the URL beyond the range of an integer column answer 404, as a missing id does (SQLite
  raises OverflowError past 2^63, PostgreSQL "integer out of range" past 2^31);
- a NUL character in any query argument, form field or JSON string answers 400 naming the field
  (PostgreSQL refuses NUL in text, so the request would fail half-way);
- JSON nested deeper than any request of this app answers 400: the standard parser raises
  RecursionError past ~1,000 levels, which Flask does not catch (the JSON provider turns it into
  a parse error), and validators walking a merely deep document recurse too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest

#: Bounds of an `Integer` column (PostgreSQL's int4): every id and integer column of the app.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Deepest page a list serves (page x page_size rows skipped): beyond, the request is refused.
MAX_OFFSET = 10_000_000
#: Deepest JSON a request may carry (the deepest the app reads is 3: a filter's list of values).
MAX_JSON_DEPTH = 32


def fits_integer(value: Any) -> bool:
    """Whether `value` is a whole number that an integer column can hold (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX


class GuardedJSONProvider(DefaultJSONProvider):
    """Too deep a document is a parse error like any other bad JSON (400), not a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def register(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    app.before_request(_guard)


def _guard():
    return _path_ids() or _nul_in_fields() or _json_body()


def refuse(code: int, message: str) -> Response:
    """The answer to refused input: JSON under /api/, the error page elsewhere (a response, so
    views may also `abort()` with it)."""
    if request.path.startswith("/api/"):
        return make_response(jsonify(message=message), code)
    appbuilder = current_app.appbuilder

    g.user = current_user  # the navbar reads it; FAB sets it in a later before_request
    return make_response(render_template(
        "unionadmin/error.html", code=code, message=message,
        base_template=appbuilder.base_template, appbuilder=appbuilder), code)


def is_id_name(name: str) -> bool:
    return name in ("pk", "id") or name.endswith("_id")


def _path_ids():
    """An id in the URL that no row can have is a missing row: 404."""
    for name, value in (request.view_args or {}).items():
        if not is_id_name(name):
            continue
        text = str(value).strip()
        if text.lstrip("-").isdigit() and not INT_MIN <= int(text) <= INT_MAX:
            return refuse(404, _("This page does not exist, or it is outside your unit."))
    return None


def _bad_character(field: str):
    return refuse(400, _("The field %(field)s contains a character that is not allowed "
                          "(NUL).", field=field))


def _nul_in_fields():
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for key, values in source.lists():
            if "\x00" in (key or "") or any("\x00" in v for v in values):
                return _bad_character(str(key or "").replace("\x00", ""))
    return None


def _json_body():
    if not request.is_json or not request.get_data(cache=True).strip():
        return None
    try:
        body = request.get_json()  # cached for the view
    except BadRequest:
        return refuse(400, _("The request body is not valid JSON."))
    problem = _walk(body)
    if problem == "depth":
        return refuse(400, _("The request body is nested too deeply."))
    if problem is not None:
        return _bad_character(problem)
    return None


def _walk(body: Any) -> str | None:
    """"depth" when `body` nests beyond MAX_JSON_DEPTH, else the top-level field holding a NUL
    (in a key or a string), else None. Iterative: no recursion on hostile input."""
    stack: list[tuple[Any, int, str]] = [(body, 0, "")]
    while stack:
        value, depth, field = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "depth"
        if isinstance(value, str):
            if "\x00" in value:
                return field or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                top = field or str(key)
                if "\x00" in str(key):
                    return top.replace("\x00", "")
                stack.append((item, depth + 1, top))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)
    return None
