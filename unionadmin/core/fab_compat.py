"""Every change UnionAdmin makes to Flask-AppBuilder's and SQLAlchemy's own classes and modules.

Nothing here happens at import time: the app factory calls `apply()` before FAB builds its views,
and `apply()` does its work once per process (FAB's classes are process-wide, so every app gets
the same changes, FAB's own security views and APIs included). Each patch below is one function
whose docstring says why; `originals()` keeps FAB's code each patch replaces or relies on, and
tests/core/test_fab_compat.py fails when the pinned FAB (5.3) changes any of it.

Not patches, and so not here: the naming convention of FAB's metadata (core/db.py) and the
optional `ab_user.email` (accounts/models.py) are part of the tables' declarations and must hold
before any model is defined.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import flask_appbuilder.api as fab_api
import jsonschema
import prison
from flask import abort
from flask_appbuilder import ModelView
from flask_appbuilder.api import BaseApi
from flask_appbuilder.baseviews import BaseView
from flask_appbuilder.models.filters import Filters
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from unionadmin.core.input_guard import fits_integer, is_id_name, refuse

#: The FAB release the patches were written against (setup.cfg pins it).
FAB_VERSION = "5.3"

#: "module.Class.name" -> FAB's original object a patch replaces or relies on.
_originals: dict[str, Any] = {}


def originals() -> dict[str, Any]:
    """FAB's code as it was before `apply()` (what the version test hashes)."""
    return dict(_originals)


def _key(owner: Any, name: str) -> str:
    if isinstance(owner, ModuleType):
        return f"{owner.__name__}.{name}"
    return f"{owner.__module__}.{owner.__qualname__}.{name}"


def _wrap(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    """Replace `owner.name` by `make(original)`, once."""
    key = _key(owner, name)
    if key in _originals:
        return
    _originals[key] = getattr(owner, name)
    setattr(owner, name, make(_originals[key]))


def _replace(owner: Any, name: str, value: Any, relied_on: Callable | None = None) -> None:
    """Set `owner.name` to `value`, once; `relied_on`: the FAB function that uses the name."""
    key = _key(owner, name)
    if key in _originals:
        return
    _originals[key] = relied_on if relied_on is not None else getattr(owner, name)
    setattr(owner, name, value)


# -- pages (ModelView, BaseView, Filters) ----------------------------------------------------------

def unknown_action_is_404() -> None:
    """FAB answers 500 for an unknown action name in /<view>/action/<name>/<pk> (it looks the
    name up in `self.actions` and calls `.func` on None), on its own security views too: the
    README promises 404 for anything that does not exist."""

    def make(original: Callable) -> Callable:
        def get_action_permission_name(self, name: str) -> str:
            if name not in self.actions:
                abort(404)
            return original(self, name)

        return get_action_permission_name

    _wrap(ModelView, "get_action_permission_name", make)


def translated_column_labels() -> None:
    """FAB makes a column's label from its name ("first_name" -> "First Name") without gettext:
    route it through the catalogue so that FAB's own security pages read in Vietnamese, like
    every page of the app (README: "In Vietnamese by default")."""

    def make(original: Callable) -> Callable:
        def _prettify_column(self, name):
            return _l(original(self, name))

        return _prettify_column

    _wrap(BaseView, "_prettify_column", make)


def checked_list_filters() -> None:
    """FAB's list filters come from the URL as `_flt_<index>_<column>=<value>`: an index beyond
    the column's filters raised IndexError, and a whole number beyond an integer column (or a
    yes/no column's value other than y/n) failed in the database: a 500, on FAB's own security
    views too. An unknown index is ignored, like an unknown column; such a value is refused (400,
    naming the column); yes/no values are compared as booleans (FAB compares the text "n", which
    PostgreSQL refuses)."""

    def make(original: Callable) -> Callable:
        def add_filter_index(self, column_name: str, filter_instance_index: int, value: Any):
            filters = self._all_filters.get(column_name) or []
            if not 0 <= filter_instance_index < len(filters):
                return None
            texts = [str(v).strip() for v in (value if isinstance(value, list) else [value])]
            model = self.datamodel
            if (not model.is_string(column_name) and any(
                    t.lstrip("-").isdigit() and not fits_integer(int(t)) for t in texts)) or (
                    model.is_boolean(column_name) and any(t not in ("y", "n") for t in texts)):
                abort(refuse(400, _("Bad value for filter %(col)s.", col=column_name)))
            if model.is_boolean(column_name):
                value = [t == "y" for t in texts]
            return original(self, column_name, filter_instance_index, value)

        return add_filter_index

    _wrap(Filters, "add_filter_index", make)


# -- REST API (BaseApi and the flask_appbuilder.api module) ----------------------------------------

def _response_400(self, message=None):
    if isinstance(message, str) and message.startswith("Not a valid rison"):
        # FAB's own messages for a bad `q` (its jsonschema detail stays as it is).
        detail = message.partition(" schema ")[2]
        message = _("The parameter q is not valid: %(detail)s", detail=detail) if detail \
            else _("The parameter q is not valid Rison or JSON.")
    return self.response(400, message=message or _("The request is not valid."))


def _response_401(self):
    return self.response(401, message=_("Please log in."))


def _response_403(self):
    return self.response(403, message=_("Your role does not allow this action."))


def _response_404(self):
    return self.response(404, message=_("Not found."))


def _response_500(self, message=None):
    return self.response(500, message=_("Something went wrong on the server; the error has "
                                        "been logged."))


def translated_api_errors() -> None:
    """FAB's JSON error answers carry fixed English messages: give them the user's language
    (README: "Errors are JSON in Vietnamese"), FAB's own APIs included (security, menu,
    OpenAPI); a 500 never shows the exception's text."""
    for name, function in (("response_400", _response_400), ("response_401", _response_401),
                           ("response_403", _response_403), ("response_404", _response_404),
                           ("response_500", _response_500)):
        _replace(BaseApi, name, function)


class _CachedJsonSchema:
    """Stands in for the `jsonschema` module inside FAB's `rison` decorator: `jsonschema.validate`
    checks the schema itself before every use (16 ms of each list request at 25 rows); a
    validator built once per schema does the same validation without it."""

    ValidationError = jsonschema.ValidationError

    def __init__(self) -> None:
        self._validators: dict[int, tuple[dict, Any]] = {}

    def validate(self, instance: Any, schema: dict) -> None:
        entry = self._validators.get(id(schema))
        if entry is None or entry[0] is not schema:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            entry = self._validators[id(schema)] = (schema, cls(schema))
        error = jsonschema.exceptions.best_match(entry[1].iter_errors(instance))
        if error is not None:
            raise error


def cached_json_schemas() -> None:
    """FAB validates every `q` argument with `jsonschema.validate`, which re-checks the schema
    each time: the API member list's speed target (README, Performance) needs it done once."""
    _replace(fab_api, "jsonschema", _CachedJsonSchema(), relied_on=fab_api.rison)


class _SafePrison:
    """Stands in for `prison` inside FAB's `rison` decorator: prison raises more than its
    ParserException on bad input (ValueError for `1e+5`, RecursionError for `(((`...), and FAB
    catches only that one (500); every failure becomes the ParserException (400)."""

    decoder = prison.decoder

    @staticmethod
    def loads(value: str) -> Any:
        try:
            return prison.loads(value)
        except prison.decoder.ParserException:
            raise
        except (ValueError, TypeError, IndexError, KeyError, RecursionError):
            raise prison.decoder.ParserException("bad rison") from None


def safe_rison_parser() -> None:
    """A malformed `q` argument is a 400, never a 500 (README: "Errors are JSON ... 422 with a
    message per field for bad input")."""
    _replace(fab_api, "prison", _SafePrison(), relied_on=fab_api.rison)


def documented_path_parameters() -> None:
    """Every `{name}` of an operation's path is declared in the OpenAPI spec (/api/v1/_openapi),
    for the operations whose docstring does not: clients and fuzzers cannot call them otherwise."""

    def make(original: Callable) -> Callable:
        def operation_helper(self, path=None, operations=None, methods=None, func=None,
                             **kwargs):
            original(self, path=path, operations=operations, methods=methods, func=func,
                     **kwargs)
            names = re.findall(r"{([^}]+)}", path or "")
            for operation in (operations or {}).values():
                params = operation.setdefault("parameters", [])
                declared = {p.get("name") for p in params if p.get("in") == "path"}
                params.extend({"in": "path", "name": name, "required": True,
                               "schema": {"type": "integer" if is_id_name(name) else "string"}}
                              for name in names if name not in declared)

        return operation_helper

    _wrap(BaseApi, "operation_helper", make)


# -- SQLAlchemy -------------------------------------------------------------------------------------

def _sqlite_pragmas(dbapi_connection, _record) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_pragmas() -> None:
    """SQLite leaves foreign keys unchecked and readers blocked by a writer unless each
    connection asks: every engine's SQLite connections enforce them and use WAL (the embedded
    database of `make run` serves several requests at once)."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


PATCHES: tuple[Callable[[], None], ...] = (
    unknown_action_is_404, translated_column_labels, checked_list_filters,
    translated_api_errors, cached_json_schemas, safe_rison_parser, documented_path_parameters,
    sqlite_pragmas,
)


def apply() -> None:
    """Apply every patch (idempotent: a second call changes nothing)."""
    for patch in PATCHES:
        patch()
