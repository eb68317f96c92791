"""The notes' rules (the plugin's service): read in the account's scope, written after the same
checks as the core's writes, audited in the same transaction."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from ua_sample_plugin.models import SampleNote
from ua_sample_plugin.province import in_province
from unionadmin.core import audit
from unionadmin.core.actor import Actor
from unionadmin.core.db import session
from unionadmin.core.errors import FieldErrors
from unionadmin.core.scope import require_unit_in_scope, unit_id_clause
from unionadmin.core.units.models import Unit

MAX_LENGTH = 200


def scope_clause(actor: Actor | None = None) -> ColumnElement[bool]:
    """The notes an account may see: those of the units of its subtree (core/scope.py)."""
    return unit_id_clause(SampleNote.unit_id, actor)


def listed(limit: int = 100) -> list[tuple[SampleNote, Unit]]:
    """The newest notes in the current account's scope, with their units."""
    query = (select(SampleNote, Unit).join(Unit, Unit.id == SampleNote.unit_id)
             .where(scope_clause()).order_by(SampleNote.id.desc()).limit(limit))
    return [(note, unit) for note, unit in session().execute(query)]


def _checked(data: dict[str, Any], errors: FieldErrors) -> tuple[Unit | None, str]:
    unit = None
    if "unit_id" in data:
        unit = require_unit_in_scope(data.get("unit_id"), "unit_id")
        if not in_province(unit):
            errors.add("unit_id", _l("This unit is not in the province."))
    text = str(data.get("text") or "").strip()
    if not text:
        errors.add("text", _l("The note is empty."))
    elif len(text) > MAX_LENGTH:
        errors.add("text", _l("At most %(count)s characters.", count=MAX_LENGTH))
    return unit, text


def create(data: dict[str, Any]) -> SampleNote:
    errors = FieldErrors()
    if "unit_id" not in data:
        errors.add("unit_id", _l("Choose a unit."))
    unit, text = _checked(data, errors)
    errors.raise_if_any()
    note = SampleNote(unit_id=unit.id, text=text)
    session().add(note)
    session().flush()
    audit.record("ua_sample.note.create", "ua_sample_note", note.id, unit.path, {"text": text})
    session().commit()
    return note


def update(note: SampleNote, data: dict[str, Any]) -> SampleNote:
    errors = FieldErrors()
    unit, text = _checked({"text": note.text, **data}, errors)
    errors.raise_if_any()
    before = note.text
    if unit is not None:
        note.unit_id = unit.id
    note.text = text
    path = session().get(Unit, note.unit_id).path
    audit.record("ua_sample.note.edit", "ua_sample_note", note.id, path,
                 audit.diff({"text": before}, {"text": text}))
    session().commit()
    return note
