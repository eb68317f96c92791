"""Form fields shared by the pages: dd/mm/yyyy dates and a searchable unit picker."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import DateField, Field
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import TextInput, html_params

from unionadmin.core.db import session
from unionadmin.core.units.models import Unit

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DateInput(TextInput):
    """A text box that takes dd/mm/yyyy, with the bundled date picker set to that format."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("class", "form-control ua-date")
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(field, **kwargs)


class VnDateField(DateField):
    widget = DateInput()

    def __init__(self, label=None, validators=None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=DATE_FORMATS, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""


class UnitPickerWidget:
    """A select box filled as the user types (select2 over /units/choose), never a list of
    every unit in the country."""

    def __call__(self, field: UnitPickerField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        options = ""
        if field.data:
            unit = session().get(Unit, field.data)
            if unit is not None:
                options = (f'<option value="{unit.id}" selected>'
                           f"{escape(unit.name)} ({escape(unit.code)})</option>")
        params = html_params(name=field.name, class_="form-control ua-unit-picker",
                             data_purpose=field.purpose,
                             data_placeholder=str(_l("Type a unit name or code")), **kwargs)
        return Markup(f"<select {params}><option value=''></option>{options}</select>")


class UnitPickerField(Field):
    widget = UnitPickerWidget()

    def __init__(self, label=None, validators=None, purpose: str = "member", **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.purpose = purpose

    def process_formdata(self, valuelist: list[str]) -> None:
        value = valuelist[0] if valuelist else ""
        try:
            self.data = int(value) if value else None
        except ValueError:
            self.data = None
            raise ValueError(_l("Choose a unit from the list.")) from None

    def _value(self) -> str:
        return str(self.data or "")


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """A SelectField's choices from (value, label) pairs: WTForms deprecates tuples (3.2) and
    drops them in 3.4."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]
