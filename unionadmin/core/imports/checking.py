"""Reading and checking the rows of an import, a batch at a time.

Every row is checked by `members.create`'s rules (`members.batch_checks`: the core fields, the
plugin fields, the plugins' `validate_member`), its unit by the members service's unit check
(scope, level, dissolved) once per unit code, and its identity numbers by the national duplicate
rule once per batch (`members.registered_holders`, one query). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.imports import excel
from unionadmin.core.imports.columns import label_of
from unionadmin.core.imports.excel import Column
from unionadmin.core.members import services as members
from unionadmin.core.units.models import Unit

#: Rows per transaction: fewer commits and duplicate queries, a bounded amount of memory.
BATCH_SIZE = 5000


@dataclass(slots=True)
class Record:
    """A data row: its values for the member services, then its errors if it has any."""

    row: int
    data: dict[str, Any]
    extra: dict[str, Any] | None  # the plugin fields' values (None without plugin columns)
    cells: tuple[Any, ...]  # the row as read, for the error file
    errors: list[dict[str, str]] | None = None
    unit_id: int | None = None

    def fail(self, label: str, message: str) -> None:
        if self.errors is None:
            self.errors = []
        self.errors.append({"field": label, "message": str(message)})


#: Per column of the file: position in the row, column, key, plugin field?, kind, and for the
#: kinds with few distinct values, what each value read as so far.
Layout = list[tuple[int, Column, str, bool, str, "dict[str, Any] | None"]]
_MEMO_KINDS = ("gender", "bool", "id_type", "choice")
_MEMO_SIZE = 1000
#: `members.batch_checks()`: (values, plugin fields) -> the same cleaned, or ValidationError.
MemberChecks = Callable[[dict[str, Any], Any], tuple[dict[str, Any], Any]]


class _Units:
    """Unit codes of a job, each checked once by the members service's unit rule."""

    def __init__(self, default_id: int | None) -> None:
        self.default_id = default_id
        self.cache: dict[str | None, tuple[int | None, str | None]] = {}

    def resolve(self, code: str | None) -> tuple[int | None, str | None]:
        if code not in self.cache:
            self.cache[code] = self._check(code)
        return self.cache[code]

    def _check(self, code: str | None) -> tuple[int | None, str | None]:
        unit_id = self.default_id
        if code:
            unit_id = session().scalar(select(Unit.id).where(Unit.code == code))
        try:
            unit = members.check_unit(unit_id)
        except ValidationError as exc:
            return None, next(iter(exc.errors.values()))[0]
        return unit.id, None


def make_layout(positions: dict[int, Column]) -> Layout:
    """Worked out once per file, not per row."""
    return [(i, c, c.field[6:] if c.field.startswith("extra.") else c.field, c.field.startswith("extra."),
             c.kind, {} if c.kind in _MEMO_KINDS else None) for i, c in positions.items()]


class _Refused(str):
    """A cell value `excel.convert` refused: its message."""


def _converted(column: Column, raw: Any) -> Any:
    try:
        return excel.convert(column, raw)
    except ValueError as exc:
        return _Refused(exc)


_NOTHING = object()


def _read_record(number: int, values: tuple[Any, ...], layout: Layout, plugin_fields: bool) -> Record:
    """A row's cells as the member services take them (`excel.convert`, with shortcuts for the
    commonest cells); a cell it refuses is an error on the record."""
    data: dict[str, Any] = {}
    extra: dict[str, Any] | None = {} if plugin_fields else None
    record = Record(number, data, extra, values)
    width = len(values)
    for index, column, name, is_extra, kind, memo in layout:
        raw = values[index] if index < width else None
        if raw.__class__ is str:
            if kind == "text":
                value = raw.strip()
                if value[:1] == "'":  # maybe text the app's writer kept from reading as a formula
                    value = excel.read_text(value)
                value = value or None
            elif kind == "id" or kind == "phone":  # a text cell keeps its leading zero
                value = excel.read_text(raw)
            elif memo is not None:  # gender, yes/no, document type, choice: a few values
                value = memo.get(raw, _NOTHING)
                if value is _NOTHING:
                    value = _converted(column, raw)
                    if len(memo) < _MEMO_SIZE:
                        memo[raw] = value
            else:
                value = _converted(column, raw)
        elif raw.__class__ is date and kind == "date":  # what calamine gives for a date cell
            value = raw
        else:
            value = _converted(column, raw)
        if value.__class__ is _Refused:
            record.fail(column.label, value)
            value = None
        if is_extra:
            extra[name] = value  # type: ignore[index]
        else:
            data[name] = value
    return record


def _identity(data: dict[str, Any]) -> list[str]:
    """The row's identity numbers as the member rules normalise them (for duplicates in the file)."""
    return [str(n).replace(" ", "").replace(".", "").upper()
            for n in (data.get("citizen_id"), data.get("old_id_number")) if n]


def _validate(record: Record, units: _Units, check: MemberChecks, cols: list[Column]) -> None:
    """The unit rule, then `create`'s checks (core, plugin fields, plugins); errors go on the
    record. The identity-number rule is applied per batch (`classify`)."""
    data = record.data
    unit_id, unit_error = units.resolve(data.pop("unit_code", None) or None)
    if unit_error:
        record.fail("Mã đơn vị", unit_error)
    data["unit_id"] = unit_id or units.default_id or 0
    try:
        record.data, record.extra = check(data, record.extra)
    except ValidationError as exc:
        for name, messages in exc.errors.items():
            if name != "unit_id":
                label = label_of(name, cols)
                for message in messages:
                    record.fail(label, message)
        return
    record.unit_id = unit_id


def classify(valid: list[Record], cols: list[Column]
              ) -> tuple[list[Record], int, list[tuple[Record, list[dict[str, str]]]]]:
    """Split valid rows into new members, duplicates of members registered in scope (the same
    file again, or a resumed job) and rows refused by the one-live-member-per-number rule, with
    one query for the whole batch."""
    numbers: set[str] = set()
    for record in valid:
        numbers.add(record.data["citizen_id"])
        if record.data.get("old_id_number"):
            numbers.add(record.data["old_id_number"])
    holders = members.registered_holders(numbers) if numbers else {}
    new, duplicates, refused = [], 0, []
    for record in valid:
        data = record.data
        number = data["citizen_id"]
        holder = holders.get(number)
        if holder is not None and holder.citizen_id == number and holder.visible:
            duplicates += 1
            continue
        if holder is None and data.get("old_id_number"):
            holder = holders.get(data["old_id_number"])
        if holder is None:
            new.append(record)
        else:
            name, message = members.duplicate_error(data, holder)
            refused.append((record, [{"field": label_of(name, cols), "message": message}]))
    return new, duplicates, refused


def checked_batches(rows: Iterator[tuple[int, tuple[Any, ...]]], layout: Layout, cols: list[Column],
                     unit_id: int | None, skip: int, formulas: dict[int, set[int]] | None = None
                     ) -> Iterator[tuple[list[Record], int]]:
    """The data rows read and checked, in batches, each with the count of data rows up to its
    end; the last one (maybe empty) has the count of the whole file. The first `skip` rows are
    only read (they were committed before), for the duplicates within the file. A cell holding
    a formula (`formulas`: row -> columns) is an error on that cell: its value is whatever the
    program that saved the file last computed, or nothing."""
    units, check = _Units(unit_id), members.batch_checks()
    plugin_fields = any(column[3] for column in layout)
    citizen_label = label_of("citizen_id", cols)
    seen: dict[str, int] = {}
    batch: list[Record] = []
    done = 0
    for number, values in rows:
        if excel.is_blank(values):
            continue
        done += 1
        record = _read_record(number, values, layout, plugin_fields)
        if formulas and number in formulas:
            _refuse_formulas(record, formulas[number], layout)
        for identity in _identity(record.data):
            first = seen.setdefault(identity, number)
            if first != number and record.errors is None:
                record.fail(citizen_label, _("This ID number is already in row %(row)s of this file.",
                                             row=first))
        if done <= skip:
            continue  # committed by an earlier run of this job
        if record.errors is None:
            _validate(record, units, check, cols)
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            yield batch, done
            batch = []
    yield batch, done


def _refuse_formulas(record: Record, positions: set[int], layout: Layout) -> None:
    for index, column, name, is_extra, *_rest in layout:
        if index in positions:
            record.fail(column.label, _("The cell holds a formula: type the value itself "
                                        "(copy, then Paste Special, Values)."))
            (record.extra if is_extra else record.data)[name] = None  # type: ignore[index]
