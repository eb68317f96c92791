"""Member fields added by plugins (`register_member_fields`): one place for their definitions,
checks and storage in `Member.extra` (a JSON object keyed by field name).

Forms, the API schemas and the list filters are built from `member_fields()` per app, after the
plugins are loaded, so two apps with different plugins in one process never share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from unionadmin.core.errors import FieldErrors
from unionadmin.core.members.models import FIELDS

TYPES = ("string", "integer", "date", "boolean", "choice")
_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_EXTENSION_KEY = "unionadmin.member_fields"


@dataclass(frozen=True)
class ExtraField:
    name: str
    #: As the plugin gave it: a lazy string is translated where it is shown, in that language.
    label: Any
    type: str = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    plugin: str = ""


def _from_plugin(item: Any, plugin: str, core_names: set[str]) -> ExtraField:
    name = str(item.get("name") or "") if isinstance(item, dict) else ""
    kind = item.get("type", "string") if isinstance(item, dict) else None
    if not _IDENT.match(name) or name in core_names or kind not in TYPES:
        raise RuntimeError(f"Plugin '{plugin}' returned a bad member field: {item!r}")
    choices = tuple(str(c) for c in item.get("choices") or ())
    if kind == "choice" and not choices:
        raise RuntimeError(f"Plugin '{plugin}' returned a choice field without choices: {name}")
    return ExtraField(name, item.get("label") or name, kind, bool(item.get("required")),
                      choices, plugin)


def collect(pm: Any) -> list[ExtraField]:
    """Every plugin's fields, in plugin order; a bad definition names its plugin."""
    core_names = set(FIELDS) | {"id", "status", "card_number", "extra"}
    fields: dict[str, ExtraField] = {}
    for impl in pm.hook.register_member_fields.get_hookimpls():  # registration order
        for item in impl.function() or []:
            field = _from_plugin(item, impl.plugin_name, core_names)
            if field.name in fields:
                raise RuntimeError(f"Plugin '{impl.plugin_name}' redefines the member field "
                                   f"'{field.name}'")
            fields[field.name] = field
    return list(fields.values())


def member_fields() -> list[ExtraField]:
    """The current app's plugin fields (collected once per app)."""
    cached = current_app.extensions.get(_EXTENSION_KEY)
    if cached is None:
        cached = collect(current_app.extensions["unionadmin.plugins"])
        current_app.extensions[_EXTENSION_KEY] = cached
    return cached


def _parse(field: ExtraField, value: Any, errors: FieldErrors) -> Any:
    """The value as stored in JSON (dates as ISO strings), or None after adding an error."""
    if field.type == "boolean":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "x", "có", "on")
        return bool(value)
    if field.type == "integer":
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            errors.add(field.name, _("Enter a whole number."))
            return None
    if field.type == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(str(value).strip(), fmt).date().isoformat()
            except ValueError:
                continue
        errors.add(field.name, _("Enter a date as dd/mm/yyyy."))
        return None
    text = str(value).strip()
    if field.type == "choice" and text not in field.choices:
        errors.add(field.name, _("Choose one of the values in the list."))
        return None
    if len(text) > 500:
        errors.add(field.name, _("At most %(n)s characters.", n=500))
    return text


def clean(data: dict[str, Any], stored: dict[str, Any] | None, errors: FieldErrors,
          fields: list[ExtraField] | None = None) -> dict[str, Any] | None:
    """The member's `extra` after applying the plugin fields given in `data` over `stored`.

    A field absent from `data` keeps its stored value; a required field must end up with one.
    Values of fields no loaded plugin defines are kept untouched (a plugin switched off must not
    erase its data). `fields`: `member_fields()`, when the caller has them already.
    """
    extra = dict(stored or {})
    for field in member_fields() if fields is None else fields:
        if field.name in data:
            value = data[field.name]
            if value in (None, "") or (field.type != "boolean" and value is False):
                extra.pop(field.name, None)
            else:
                parsed = _parse(field, value, errors)
                if parsed is not None:
                    extra[field.name] = parsed
        if field.required and extra.get(field.name) in (None, "") and field.name not in errors:
            errors.add(field.name, _("This field is required."))
    return extra or None


def split(data: dict[str, Any]) -> dict[str, Any]:
    """The plugin-field values present in `data` (flat keys named after the fields)."""
    names = {f.name for f in member_fields()}
    return {k: v for k, v in data.items() if k in names}
