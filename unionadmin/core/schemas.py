"""Hand-written marshmallow schemas: flat integer ids, dates in ISO or dd/mm/yyyy, and
Vietnamese error messages (FAB's generated schemas accept ids of rows that do not exist)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from unionadmin.core.errors import FieldErrors
from unionadmin.core.input_guard import INT_MAX, INT_MIN, fits_integer

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def _messages() -> dict[str, str]:
    return {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field is required."),
        "Not a valid integer.": _("Must be a whole number."),
        "Not a valid string.": _("Must be text."),
        "Not a valid boolean.": _("Must be true or false."),
        "Not a valid date.": _("Not a valid date (dd/mm/yyyy)."),
        "Unknown field.": _("Unknown field."),
        "Invalid input type.": _("Invalid input type."),
    }


def translate_errors(messages: Any) -> Any:
    """Marshmallow's English messages in the user's language."""
    table = _messages()
    if isinstance(messages, dict):
        return {k: translate_errors(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_errors(m) for m in messages]
    if isinstance(messages, str):
        if messages.startswith("Must be one of:"):
            return _("Not one of the allowed values.")
        return table.get(messages, messages)
    return messages


class FlexibleDate(fields.Date):
    """ISO dates from programs, dd/mm/yyyy from people."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            for fmt in _DATE_FORMATS:
                try:
                    return dt.datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
        raise ValidationError("Not a valid date.")


class StrictInt(fields.Integer):
    """Integers only: no floats, no booleans (no phantom rows from odd ids:
    docs/architecture.md#hand-written-schemas), and only what an integer column holds (larger
    ones fail in the database: PostgreSQL past 2^31, SQLite past 2^63)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number is not None and not fits_integer(number):
            raise ValidationError(_("Must be a whole number from %(low)s to %(high)s.",
                                    low=INT_MIN, high=INT_MAX))
        return number


class TrimmedString(fields.String):
    def _deserialize(self, value: Any, attr, data, **kwargs) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.strip() if text is not None else None


def check_lengths(model: type, data: dict[str, Any], errors: FieldErrors) -> None:
    """Text longer than its column (`String(n)`) is an error on that field. The limit is read
    from the model, so it is stated once; the database would fail on PostgreSQL instead (and
    silently keep it on SQLite)."""
    columns = model.__table__.columns
    for field, value in data.items():
        length = getattr(getattr(columns.get(field), "type", None), "length", None)
        if isinstance(value, str) and length and len(value) > length and field not in errors:
            errors.add(field, _("At most %(n)s characters.", n=length))


class WriteSchema(Schema):
    """Base of every input schema: unknown fields are refused with a message."""

    def load_translated(self, data: Any, partial: bool = False) -> dict[str, Any]:
        try:
            return self.load(data, partial=partial)
        except ValidationError as exc:
            raise ValidationError(translate_errors(exc.messages)) from None
