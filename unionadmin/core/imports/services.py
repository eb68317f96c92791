"""Importing members from Excel in batches, and exporting them in the same columns.

Every row is checked by `members.create`'s rules (`members.batch_checks`: the core fields, the
plugin fields, the plugins' `validate_member`), its unit by the members service's unit check
(scope, level, dissolved) once per unit code, and its identity numbers by the national duplicate
rule once per batch (`members.registered_holders`, one query). Valid rows are inserted in bulk
with what `create` writes: the member (`pending`, with its derived name columns), its `created`
event and its approval steps. The job's counters are committed in the same transaction as the
batch, so a job cut off between batches resumes exactly where it stopped, and a row whose
citizen ID is already registered is a duplicate, never a second member.
"""

from __future__ import annotations

import gc
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import IO, Any, TypeVar

from flask import current_app, g
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Connection, Table, and_, delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError

from unionadmin.core import audit, jobs
from unionadmin.core.actor import acting_as, current_actor
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.errors import ValidationError
from unionadmin.core.imports import excel
from unionadmin.core.imports.excel import BadFile, Column
from unionadmin.core.imports.models import ImportReject
from unionadmin.core.members import services as members
from unionadmin.core.members.models import CLOSED_STATUSES, Member, MemberApproval, MemberEvent, name_columns
from unionadmin.core.privacy import PERSONAL_FIELDS, sees_personal_data
from unionadmin.core.scope import member_clause, require_unit_in_scope
from unionadmin.core.text import mask
from unionadmin.core.units.models import Unit
from unionadmin.plugins.manager import get_pm

KIND = "member_import"
#: Rows per transaction: fewer commits and duplicate queries, a bounded amount of memory.
BATCH_SIZE = 5000
#: How many bad rows the job API lists (the error file has them all).
ERRORS_LISTED = 1000
_T = TypeVar("_T")
#: Called after each committed batch with (job, batch number): tests simulate a crash here.
after_batch: Callable[[jobs.Job, int], None] | None = None

#: Roles that see citizen IDs and phone numbers in exports.


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name) or os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        return default


def max_mb() -> int:
    return _setting("UNIONADMIN_IMPORT_MAX_MB", 20)


def max_rows() -> int:
    return _setting("UNIONADMIN_IMPORT_MAX_ROWS", 200_000)


def columns() -> list[Column]:
    """The template's columns: the core's, then the plugins' member fields."""
    fields = [f for result in get_pm().hook.register_member_fields() or [] for f in (result or [])]
    return list(excel.CORE_COLUMNS) + excel.plugin_columns(fields)


def label_of(field_name: str, cols: list[Column]) -> str:
    if field_name in ("unit_id", "unit_code"):
        return "Mã đơn vị"
    for column in cols:
        if column.field in (field_name, f"extra.{field_name}"):
            return column.label
    return field_name


# -- the template -------------------------------------------------------------------------------

EXAMPLE = {"full_name": "Nguyễn Thị Hoa", "date_of_birth": date(1992, 3, 14), "gender": "Nữ",
           "citizen_id": "075192001234", "joined_on": date(2018, 6, 1), "ethnicity": "Kinh",
           "religion": "Không", "phone": "0912345678", "hometown": "Biên Hòa, Đồng Nai",
           "address": "Khu phố 3, phường Tân Hiệp", "education_level": "12/12",
           "qualification": "Kỹ sư cơ khí", "occupation": "Công nhân", "party_member": "x",
           "id_type": "CCCD"}


def instructions() -> list[str]:
    return [
        _("How to fill in the member list"),
        "",
        _("1. Enter one member per row on the first sheet, from row 2. Replace or delete the example row."),
        _("2. Columns marked * are required. Do not rename or delete the header row; you may "
          "leave out optional columns."),
        _("3. Dates: dd/mm/yyyy (for example 14/03/1992), or an Excel date."),
        _("4. Gender: Nam or Nữ. Party member: x or Có, or leave empty. Ethnic group: choose from the list."),
        _("5. Citizen ID: the 12 digits of the chip-based citizen ID card (CCCD). Type it as text "
          "so that the leading 0 is kept."),
        _("6. Unit code: leave empty to enter members into the unit chosen when uploading, or write "
          "the code of a grassroots union (or a unit inside it) within your scope."),
        _("7. Members already registered (same citizen ID) are not entered twice: the same file "
          "can be uploaded again safely."),
        _("8. After the upload, download the error file, correct the rows it lists and upload "
          "that file."),
        _("9. Imported members wait for approval, like members entered in the form."),
    ]


def template_bytes() -> bytes:
    from unionadmin.core.refdata import ethnicity_names

    return excel.template(columns(), ethnicity_names(), EXAMPLE, instructions())


# -- starting an import -------------------------------------------------------------------------


@dataclass
class Plan:
    """What the header row says about the file."""

    header_row: int
    positions: dict[int, Column]
    rows: int


def inspect(data: bytes) -> Plan:
    """Check the file as a whole; BadFile (nothing written) when it cannot be imported."""
    sheet = excel.open_checked(data, max_mb(), max_rows())
    header_row, positions = _read_header(sheet.head_rows())
    return Plan(header_row, positions, max(sheet.extent.rows - header_row, 0))


def _read_header(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> tuple[int, dict[int, Column]]:
    cols = columns()
    for number, values in rows:
        if excel.is_blank(values):
            if number > 20:
                break
            continue
        positions = excel.match_headers(values, cols)
        missing = [c.label for c in cols if c.required and c not in positions.values()]
        if not positions:
            raise BadFile(_("The first row must hold the column headers of the template. "
                            "Download the template and copy your data into it."))
        if missing:
            raise BadFile(_("Required columns are missing: %(names)s.", names=", ".join(missing)))
        return number, positions
    raise BadFile(_("The file has no data."))


def start_import(data: bytes, filename: str | None, unit_id: Any, dry_run: bool = False) -> jobs.Job:
    """Check the file and the unit, then start the job (it may be done when this returns)."""
    unit = require_unit_in_scope(unit_id if isinstance(unit_id, int) else None, "unit_id")
    plan = inspect(data)
    locale = str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi"))
    job = jobs.create(KIND, unit_id=unit.id, input_name=(filename or "")[:255] or None,
                      input_data=data, total=plan.rows,
                      params={"dry_run": bool(dry_run), "locale": locale})
    return jobs.start(job)


# -- running it ---------------------------------------------------------------------------------


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
            unit = members._check_unit(unit_id)
        except ValidationError as exc:
            return None, next(iter(exc.errors.values()))[0]
        return unit.id, None


def _layout(positions: dict[int, Column]) -> Layout:
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
    record. The identity-number rule is applied per batch (`_classify`)."""
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


def _classify(valid: list[Record], cols: list[Column]
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


def _insert(job: jobs.Job, records: list[Record]) -> list[int]:
    """Bulk insert what `members.create` writes for each new member: the member (pending, with
    its derived columns), its `created` event and its approval steps. ORM events do not run."""
    if not records:
        return []
    conn = session().connection()
    now, actor_id = utcnow(), current_actor().user_id
    ids = _reserve_ids(conn, Member.__table__, len(records))
    empty = dict.fromkeys(members.FIELDS)
    rows = []
    for record in records:
        data = record.data  # what validation.clean returns: member fields only
        row = {**empty, **data, **name_columns(data["full_name"])}
        row.update(unit_id=record.unit_id, id_type=data.get("id_type") or "cccd",
                   party_member=bool(data.get("party_member")), status="pending", extra=record.extra,
                   created_by_id=actor_id, created_at=now, updated_at=now)
        rows.append(row)
    if ids is not None:
        for row, member_id in zip(rows, ids, strict=True):
            row["id"] = member_id
    _bulk_insert(Member.__table__, rows)
    if ids is None:
        ids = _inserted_ids(conn, records)
    effective, details = today(), {"import_job": job.id}
    _bulk_insert(MemberEvent.__table__, [
        {"member_id": member_id, "kind": "created", "effective_date": effective, "recorded_at": now,
         "actor_id": actor_id, "from_unit_id": None, "to_unit_id": record.unit_id, "details": details}
        for member_id, record in zip(ids, records, strict=True)])
    _bulk_insert(MemberApproval.__table__, members.submission_rows(
        (member_id, record.data, record.extra) for member_id, record in zip(ids, records, strict=True)))
    return ids


def _reserve_ids(conn: Connection, table: Table, count: int) -> list[int] | None:
    """On PostgreSQL, `count` ids from the table's sequence, so that the rows are inserted with
    them (COPY returns nothing); None elsewhere."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) "
                             "FROM generate_series(1, :n)"), {"table": table.name, "n": count}).scalar()


def _inserted_ids(conn: Connection, records: list[Record]) -> list[int]:
    """The ids of the members just inserted, in order. SQLite gives a new row the table's
    largest id plus one, and this transaction holds the write lock: the last id and the ones
    before it, checked by a count. Else (never seen) read back by citizen ID, unique among
    live members."""
    count = len(records)
    if conn.dialect.name == "sqlite":
        last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar() or 0
        first = last - count + 1
        if conn.scalar(select(func.count()).select_from(Member).where(Member.id.between(first, last))) \
                == count:
            return list(range(first, last + 1))
    numbers = [r.data["citizen_id"] for r in records]
    by_number = dict(conn.execute(select(Member.citizen_id, Member.id).where(
        Member.citizen_id.in_(numbers), Member.status.not_in(CLOSED_STATUSES))).all())
    return [by_number[n] for n in numbers]


def _bulk_insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction, for a fraction of SQLAlchemy's per-row cost:
    COPY on PostgreSQL (psycopg), else the driver's executemany with the statement compiled once
    and each value converted by the column type's own bind processor (once for a value that
    the rows share, like the timestamp)."""
    if not rows:
        return
    conn = session().connection()
    if any(c.default is not None and c.key not in rows[0] for c in table.columns):
        conn.execute(table.insert(), rows)  # Python-side defaults: only SQLAlchemy applies them
        return
    try:
        _driver_insert(conn, table, rows)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:  # what SQLAlchemy would have raised
        raise IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc


def _driver_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        values = _columns(rows, keys)
        for i, key in enumerate(keys):
            if isinstance(table.c[key].type, JSON):  # None too: SQLAlchemy stores it as JSON null
                values[i] = _mapped(json.dumps, values[i])
        names = ", ".join(conn.dialect.identifier_preparer.quote(k) for k in keys)
        target = conn.dialect.identifier_preparer.format_table(table)
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            for row in zip(*values, strict=True):
                write(row)
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    values = _columns(rows, order)
    for i, key in enumerate(order):
        process = compiled._bind_processors.get(key)
        if process is not None:
            values[i] = _mapped(process, values[i])
    params: list[Any] = list(zip(*values, strict=True))
    if not compiled.positional:
        params = [dict(zip(order, p, strict=True)) for p in params]
    cursor = dbapi.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _columns(rows: list[dict[str, Any]], keys: list[str]) -> list[tuple[Any, ...]]:
    """The rows' values column by column."""
    if len(keys) == 1:
        return [tuple(r[keys[0]] for r in rows)]
    return list(zip(*map(itemgetter(*keys), rows), strict=True))


def _mapped(convert: Callable[[Any], Any], column: tuple[Any, ...]) -> list[Any]:
    """`convert` applied to a column's values: once for a value every row shares (a timestamp,
    the status), once per distinct value otherwise (dates repeat a lot)."""
    count = len(column)
    if column.count(column[0]) == count:
        return [convert(column[0])] * count
    try:
        converted = {value: convert(value) for value in set(column)}
    except TypeError:  # unhashable values (plugin fields' mappings)
        return list(map(convert, column))
    return list(map(converted.__getitem__, column))


_NOTHING = object()


def _reject(job: jobs.Job, rejected: list[tuple[Record, list[dict[str, str]]]], layout: Layout) -> None:
    if rejected:
        session().execute(ImportReject.__table__.insert(), [
            {"job_id": job.id, "row": r.row, "errors": errors,
             "values": {c.field: excel.cell_text(c, r.cells[i] if i < len(r.cells) else None)
                        for i, c, *_rest in layout}}
            for r, errors in rejected])


def _commit_batch(job_id: int, batch: list[Record], done: int, cols: list[Column], layout: Layout,
                  dry_run: bool) -> list[int]:
    """Check the identity numbers of a validated batch, insert it and count it, all in one
    transaction with the job's progress."""
    db = session()
    valid = [r for r in batch if r.errors is None]
    for attempt in range(3):
        job = db.get(jobs.Job, job_id)
        new, duplicates, refused = _classify(valid, cols)
        rejected = sorted([(r, r.errors or []) for r in batch if r.errors] + refused,
                          key=lambda item: item[0].row)
        try:
            with _batch_cache(db.connection()):
                ids = [] if dry_run else _insert(job, new)
            _reject(job, rejected, layout)
            if ids:
                unit = db.get(Unit, job.unit_id)
                audit.record("member.import", "job", job.id, unit.path if unit else None,
                             {"created": len(ids), "first_id": ids[0], "last_id": ids[-1]})
            jobs.touch(job, done=done, created=job.created + len(new),
                       duplicates=job.duplicates + duplicates,
                       error_count=job.error_count + len(rejected))
            db.commit()
            return ids
        except IntegrityError:
            # Another import registered some of these numbers meanwhile: check again.
            db.rollback()
            if attempt == 2:
                raise
    return []


#: SQLite's page cache while a batch is written, in KiB (its default is 2 MiB).
SQLITE_BATCH_CACHE_KIB = 65536


@contextmanager
def _batch_cache(conn: Connection) -> Iterator[None]:
    """On SQLite, a page cache that holds the pages a batch changes (its rows land all over a
    dozen indexes) until the commit: with the default one, SQLite writes changed pages out and
    reads them back in the middle of the transaction, a quarter of the time of the inserts. The
    connection's own size is back before the commit."""
    if conn.dialect.name != "sqlite":
        yield
        return
    size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_BATCH_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")


def _notify(ids: list[int]) -> None:
    """Tell plugins about the committed `created` events (only if one listens)."""
    if not ids or not get_pm().hook.member_event.get_hookimpls():
        return
    events = session().scalars(select(MemberEvent).where(
        MemberEvent.member_id.in_(ids), MemberEvent.kind == "created").order_by(MemberEvent.id))
    members.notify(*events)


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """Pause CPython's automatic garbage collection for an import; `_after` collects the young
    generations after each batch instead. A batch keeps thousands of objects alive until it is
    written, which makes the collector scan the whole heap (the app's 200,000 objects) again
    and again: a tenth of the import's time on SQLite, a quarter on PostgreSQL. The switch is
    process-wide, so it is counted: the collector comes back when the last import ends."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@jobs.register(KIND)
def run_import(job: jobs.Job, progress: Callable[[int, int], None] | None = None) -> None:
    """Import the job's file; resumes after the rows a previous run committed. On PostgreSQL a
    thread reads and checks the rows a batch ahead while this one writes the batch before."""
    db = session()
    job_id, skip = job.id, job.done
    dry_run = bool((job.params or {}).get("dry_run"))
    sheet = excel.open_checked(job.input_data, max_mb(), max_rows())  # never trust a stored file
    rows = sheet.rows()
    header_row, positions = _read_header(rows)
    cols, layout = columns(), _layout(positions)
    formulas = sheet.extent.formulas
    done, number_of_batch = 0, 0
    # Not on SQLite: its inserts leave and take back the GIL at every row, and each time wait
    # for the other thread's turn to end (a convoy: the inserts took five times as long).
    threaded = db.get_bind().dialect.name != "sqlite"
    with _young_collections_only(), _read_ahead(
            lambda: _checked_batches(rows, layout, cols, job.unit_id, skip, formulas), job_id,
            threaded) as batches:
        for batch, done in batches:
            if batch:
                number_of_batch += 1
                _after(_commit_batch(job_id, batch, done, cols, layout, dry_run), job_id,
                       number_of_batch, progress)
    job = db.get(jobs.Job, job_id)
    jobs.touch(job, total=done, done=done)
    db.commit()


def _checked_batches(rows: Iterator[tuple[int, tuple[Any, ...]]], layout: Layout, cols: list[Column],
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


@contextmanager
def _read_ahead(produce: Callable[[], Iterator[_T]], job_id: int,
                threaded: bool = True) -> Iterator[Iterator[_T]]:
    """The items of `produce()`, made by a thread of their own one item ahead, with the
    current app, actor and locale (and its own database session): reading and checking rows
    (Python) overlaps with writing the batch before (mostly the database server's work, while
    the GIL is free for the thread). An error in the thread is raised here; leaving the block
    stops the thread. Without `threaded`, simply `produce()`."""
    if not threaded:
        yield produce()
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    actor, locale = current_actor(), str(get_locale() or app.config.get("BABEL_DEFAULT_LOCALE", "vi"))
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            with app.app_context():
                g.job_id = job_id  # flask-babel translates only when `g` holds something
                with acting_as(actor), force_locale(locale):
                    for item in produce():
                        if not put(("item", item)):
                            return
                        session().rollback()  # no read transaction (old snapshot) held meanwhile
                    put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - raised in the job's thread
            put(("error", exc))

    def items() -> Iterator[_T]:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    thread = threading.Thread(target=work, name=f"import-{job_id}-reader", daemon=True)
    thread.start()
    try:
        yield items()
    finally:
        stop.set()
        thread.join()


def _after(ids: list[int], job_id: int, number: int, progress: Callable[[int, int], None] | None) -> None:
    gc.collect(1)  # the young generations: what the batch left (see _young_collections_only)
    _notify(ids)
    job = session().get(jobs.Job, job_id)
    if progress is not None:
        progress(job.done, job.total)
    if after_batch is not None:
        after_batch(job, number)


# -- reading a job ------------------------------------------------------------------------------


def get_job(job_id: int) -> jobs.Job:
    return jobs.get(job_id, KIND)


def job_errors(job: jobs.Job, limit: int = ERRORS_LISTED) -> list[dict[str, Any]]:
    rejects = session().scalars(select(ImportReject).where(ImportReject.job_id == job.id)
                                .order_by(ImportReject.row).limit(limit))
    return [{"row": r.row, "field": e["field"], "message": e["message"]} for r in rejects for e in r.errors]


def job_state(job: jobs.Job) -> dict[str, Any]:
    """What the API answers for an import job (INTERFACES.md, plus a few extra keys)."""
    session().refresh(job)
    dry_run = bool((job.params or {}).get("dry_run"))
    errors = job_errors(job)
    if job.status == "failed" and job.message:
        errors.insert(0, {"row": None, "field": None, "message": job.message})
    return {"job_id": job.id, "status": _public_status(job.status), "total": job.total,
            "done": job.done, "created": 0 if dry_run else job.created, "duplicates": job.duplicates,
            "errors": errors, "error_rows": job.error_count, "dry_run": dry_run,
            "valid": job.created, "message": job.message, "unit_id": job.unit_id,
            "file_name": job.input_name, "stale": job.stale}


STATUS_LABELS = {"running": _l("Running"), "done": _l("Finished"), "failed": _l("Stopped with an error")}


def _public_status(status: str) -> str:
    return "running" if status == "queued" else status


def error_file(job: jobs.Job, out: IO[bytes]) -> None:
    """The rejected rows in the template's columns plus the error column."""
    cols = columns()
    rejects = session().scalars(select(ImportReject).where(ImportReject.job_id == job.id)
                                .order_by(ImportReject.row).execution_options(yield_per=2000))

    def rows() -> Iterator[list[Any]]:
        for reject in rejects:
            message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                                for e in reject.errors)
            yield [reject.values.get(c.field) or None for c in cols] + \
                  [_("Row %(row)s: %(errors)s", row=reject.row, errors=message)]

    excel.write_rows(out, cols, rows(), error_column=True)


def forget_rejects(job: jobs.Job) -> None:
    session().execute(delete(ImportReject).where(ImportReject.job_id == job.id))


# -- export -------------------------------------------------------------------------------------

EXPORT_PAGE = 2000


_EXPORT_FIELDS = [f for f in members.FIELDS if f != "unit_id"] + ["id", "sort_key", "extra"]


def _export_values(row: Any, cols: list[Column], masked: bool) -> list[Any]:
    extra = row.extra or {}
    values = []
    for column in cols:
        name = column.field
        if name.startswith("extra."):
            value: Any = extra.get(name[6:])
        else:
            value = getattr(row, name)
        if name == "gender":
            value = excel.GENDER_VALUES.get(value, value)
        elif name == "party_member":
            value = "x" if value else None
        elif name == "id_type":
            value = excel.ID_TYPE_VALUES.get(value, value)
        elif masked and name in PERSONAL_FIELDS:
            value = mask(value)
        values.append(value)
    return values


def export(out: IO[bytes], clauses: list[Any]) -> int:
    """Members in scope matching `clauses`, in Vietnamese name order, as a workbook in the
    template's columns; keyset pages of plain rows keep memory flat. Audited. Returns the count."""
    cols, db = columns(), session()
    masked = not sees_personal_data()
    selected = [getattr(Member, f) for f in _EXPORT_FIELDS] + [Unit.code.label("unit_code")]
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        last: tuple[str, int] | None = None
        while True:
            query = (select(*selected).join(Unit, Unit.id == Member.unit_id)
                     .where(member_clause(), *clauses)
                     .order_by(Member.sort_key, Member.id).limit(EXPORT_PAGE))
            if last is not None:
                query = query.where(or_(Member.sort_key > last[0],
                                        and_(Member.sort_key == last[0], Member.id > last[1])))
            page = db.execute(query).all()
            for row in page:
                count += 1
                yield _export_values(row, cols, masked)
            if len(page) < EXPORT_PAGE:
                return
            last = (page[-1].sort_key, page[-1].id)

    excel.write_rows(out, cols, rows())
    audit.record("member.export", "member", None, current_actor().unit_path,
                 {"rows": count, "masked": masked})
    db.commit()
    return count


def count_in_scope() -> int:
    return session().scalar(select(func.count()).select_from(Member).where(member_clause())) or 0
