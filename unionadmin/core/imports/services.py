"""Importing members from Excel in batches, and exporting them in the same columns.

Every row is checked by the member rules of `members.validation` and the plugins'
`validate_member`, its unit by the members service's unit check (scope, level, dissolved), and
identity numbers by the national duplicate rule, applied per batch with one IN query. Valid rows
are inserted in bulk, `pending`, with a `created` event each; the job's counters are committed
in the same transaction as the batch, so a job cut off between batches resumes exactly where it
stopped, and a row whose citizen ID is already registered is a duplicate, never a second member.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Connection, Table, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from unionadmin.core import audit, jobs
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.errors import FieldErrors, ValidationError
from unionadmin.core.imports import excel
from unionadmin.core.imports.excel import BadFile, Column
from unionadmin.core.imports.models import ImportReject
from unionadmin.core.members import services as members
from unionadmin.core.members import validation
from unionadmin.core.members.models import CLOSED_STATUSES, Member, MemberEvent
from unionadmin.core.privacy import PERSONAL_FIELDS, sees_personal_data
from unionadmin.core.refdata import ethnicity_name
from unionadmin.core.scope import member_clause, require_unit_in_scope, unit_id_clause
from unionadmin.core.text import fold, mask, sort_key
from unionadmin.core.units.models import Unit
from unionadmin.plugins.manager import get_pm

KIND = "member_import"
BATCH_SIZE = 2000
#: How many bad rows the job API lists (the error file has them all).
ERRORS_LISTED = 1000
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
    archive = excel.check_container(data, max_mb())
    sheet_path = excel.first_sheet_path(archive)
    counted = excel.count_rows(archive, sheet_path)
    if counted - 1 > max_rows():
        limit = f"{max_rows():,}".replace(",", ".")  # Vietnamese thousands separator
        raise BadFile(_("The file has more than %(n)s rows. Split it into several files.", n=limit))
    header_row, positions = _read_header(excel.head_rows(data, archive, sheet_path))
    return Plan(header_row, positions, max(counted - header_row, 0))


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


@dataclass
class Record:
    row: int
    data: dict[str, Any]
    extra: dict[str, Any]
    raw: list[tuple[Column, Any]]  # the cells as read (a list: hashing a Column costs)
    errors: list[dict[str, str]] = field(default_factory=list)
    unit_id: int | None = None

    def fail(self, label: str, message: str) -> None:
        self.errors.append({"field": label, "message": str(message)})


class _Units:
    """Unit codes of a job, each checked once by the members service's unit rule."""

    def __init__(self, default_id: int | None) -> None:
        self.default_id = default_id
        self.cache: dict[str | None, tuple[int | None, str | None]] = {}
        # Looked up once per job: calling an empty hook costs as much as a row's own checks.
        self.plugin_checks = bool(get_pm().hook.validate_member.get_hookimpls())

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


def _read_record(number: int, values: tuple[Any, ...], positions: dict[int, Column],
                 layout: list[tuple[int, Column, str, bool]] | None = None) -> Record:
    record = Record(number, {}, {}, [])
    data, extra, raw_values = record.data, record.extra, record.raw
    width = len(values)
    for index, column, name, is_extra in layout or _layout(positions):
        raw = values[index] if index < width else None
        raw_values.append((column, raw))
        if raw.__class__ is str and column.kind == "text":  # most cells: skip excel.convert
            value = raw.strip() or None
        else:
            try:
                value = excel.convert(column, raw)
            except ValueError as exc:
                record.fail(column.label, str(exc))
                value = None
        if is_extra:
            extra[name] = value
        else:
            data[name] = value
    return record


def _layout(positions: dict[int, Column]) -> list[tuple[int, Column, str, bool]]:
    """(position, column, key, plugin field?) per column: worked out once per file, not per row."""
    return [(i, c, c.field[6:] if c.field.startswith("extra.") else c.field, c.field.startswith("extra."))
            for i, c in positions.items()]


def _identity(record: Record) -> set[str]:
    return {str(n).replace(" ", "").replace(".", "").upper()
            for n in (record.data.get("citizen_id"), record.data.get("old_id_number")) if n}


def _validate(record: Record, units: _Units, cols: list[Column]) -> None:
    """The member rules, the plugins' checks and the unit rule; errors go on the record."""
    failed = {e["field"] for e in record.errors}
    unit_id, unit_error = units.resolve(record.data.pop("unit_code", None) or None)
    if unit_error:
        record.fail("Mã đơn vị", unit_error)
    data = dict(record.data, unit_id=unit_id or units.default_id or 0)
    for column in cols:
        if column.required and column.field.startswith("extra.") and \
                record.extra.get(column.field[6:]) in (None, "") and column.label not in failed:
            record.fail(column.label, _("This field is required."))
    ethnicity = _ethnicity(data.pop("ethnicity", None), record, cols)
    try:
        cleaned = validation.clean(data)
    except ValidationError as exc:
        for name, messages in exc.errors.items():
            label = label_of(name, cols)
            if label not in failed and name != "unit_id":
                for message in messages:
                    record.fail(label, message)
        return
    if ethnicity is False:
        return
    cleaned["ethnicity"] = ethnicity
    if units.plugin_checks:
        errors = FieldErrors()
        get_pm().hook.validate_member(member=dict(cleaned, id=None, extra=record.extra, **record.extra),
                                      errors=errors)
        for name, messages in errors.errors.items():
            for message in messages:
                record.fail(label_of(name, cols), message)
    record.data, record.unit_id = cleaned, unit_id


@functools.lru_cache(maxsize=512)
def _ethnicity_name(value: str) -> str | None:
    return ethnicity_name(value)


def _ethnicity(value: Any, record: Record, cols: list[Column]) -> str | None | bool:
    """`members.validation`'s ethnic-group check, memoised (it rebuilds its table per call:
    a third of the import's time); False when the value is unknown."""
    if not value:
        return None
    name = _ethnicity_name(str(value))
    if name is None:
        record.fail(label_of("ethnicity", cols), _("Unknown ethnic group."))
        return False
    return name


def _existing(numbers: set[str]) -> dict[str, tuple[int, int, str]]:
    """Live members holding any of these numbers: number -> (member id, unit id, its column)."""
    found: dict[str, tuple[int, int, str]] = {}
    numbers_list = sorted(numbers)
    for start in range(0, len(numbers_list), 5000):
        chunk = numbers_list[start:start + 5000]
        rows = session().execute(
            select(Member.id, Member.unit_id, Member.citizen_id, Member.old_id_number).where(
                or_(Member.citizen_id.in_(chunk), Member.old_id_number.in_(chunk)),
                Member.status.not_in(CLOSED_STATUSES)))
        for row in rows:
            if row.citizen_id in numbers:
                found[row.citizen_id] = (row.id, row.unit_id, "citizen_id")
            if row.old_id_number and row.old_id_number in numbers:
                found.setdefault(row.old_id_number, (row.id, row.unit_id, "old_id_number"))
    return found


def _visible_units(unit_ids: set[int]) -> set[int]:
    if not unit_ids:
        return set()
    return set(session().scalars(select(Unit.id).where(Unit.id.in_(unit_ids), unit_id_clause(Unit.id))))


def _classify(valid: list[Record], cols: list[Column]) -> tuple[list[Record], int]:
    """Split valid rows into new members and duplicates of registered ones (the national
    one-live-member-per-number rule, as the members service applies it, one query per batch)."""
    existing = _existing(set().union(*(_identity(r) for r in valid)) if valid else set())
    visible = _visible_units({holder[1] for holder in existing.values()})
    new, duplicates = [], 0
    for record in valid:
        holder = existing.get(record.data["citizen_id"])
        if holder is not None and holder[2] == "citizen_id" and holder[1] in visible:
            duplicates += 1  # already registered: same file again, or a resumed job
            continue
        holder = holder or next((existing[n] for n in _identity(record) if n in existing), None)
        if holder is None:
            new.append(record)
        elif holder[1] in visible:
            record.fail(label_of("old_id_number", cols),
                        _("This ID number is already registered to member #%(id)s.", id=holder[0]))
        else:
            record.fail(label_of("citizen_id", cols),
                        _("This person is registered in another unit. Ask that unit to transfer "
                          "the member instead of entering them again."))
    return new, duplicates


def _insert(job: jobs.Job, records: list[Record]) -> list[int]:
    """Bulk insert (ORM events do not run: derived columns are computed here)."""
    if not records:
        return []
    db, now, actor_id = session(), utcnow(), current_actor().user_id
    rows = []
    for record in records:
        data = record.data
        row = {f: data.get(f) for f in members.FIELDS}
        row.update(unit_id=record.unit_id, id_type=data.get("id_type") or "cccd",
                   party_member=bool(data.get("party_member")), status="pending",
                   search_name=fold(data["full_name"]), sort_key=sort_key(data["full_name"]),
                   extra={k: (v.isoformat() if isinstance(v, date) else v)
                          for k, v in record.extra.items()} or None,
                   card_number=None, created_by_id=actor_id, created_at=now, updated_at=now)
        rows.append(row)
    # One executemany per batch. (RETURNING in parameter order makes SQLite insert row by row;
    # the new ids are read back by citizen ID instead, unique among live members.)
    _bulk_insert(Member.__table__, rows)
    numbers = [r.data["citizen_id"] for r in records]
    by_number = dict(db.execute(select(Member.citizen_id, Member.id).where(
        Member.citizen_id.in_(numbers), Member.status.not_in(CLOSED_STATUSES))).all())
    ids = [by_number[n] for n in numbers]
    effective = today()
    details = {"import_job": job.id}
    _bulk_insert(MemberEvent.__table__, [
        {"member_id": member_id, "kind": "created", "effective_date": effective, "recorded_at": now,
         "actor_id": actor_id, "from_unit_id": None, "to_unit_id": record.unit_id, "details": details}
        for member_id, record in zip(ids, records, strict=True)])
    return ids


def _bulk_insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction, for a fraction of SQLAlchemy's per-row cost:
    COPY on PostgreSQL (psycopg), else the driver's executemany with the statement compiled once
    and each value converted by the column type's own bind processor (run once for a value that
    every row shares, like the timestamp)."""
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
        json_columns = {i for i, k in enumerate(keys) if isinstance(table.c[k].type, JSON)}
        names = ", ".join(conn.dialect.identifier_preparer.quote(k) for k in keys)
        target = conn.dialect.identifier_preparer.format_table(table)
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = [row[k] for k in keys]
                for i in json_columns:  # None too: SQLAlchemy stores it as JSON null
                    values[i] = json.dumps(values[i])
                copy.write_row(values)
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    processors = [compiled._bind_processors.get(k) for k in order]
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    memo: dict[int, tuple[Any, Any]] = {}

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        out = [row[k] for k in order]
        for i, process in converted:
            value, last = out[i], memo.get(i)
            if last is None or last[0] is not value:
                memo[i] = last = (value, process(value))
            out[i] = last[1]
        return tuple(out)

    params = [convert(r) for r in rows]
    if not compiled.positional:
        params = [dict(zip(order, p, strict=True)) for p in params]
    cursor = dbapi.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _reject(job: jobs.Job, records: list[Record]) -> None:
    if records:
        session().execute(ImportReject.__table__.insert(), [
            {"job_id": job.id, "row": r.row, "errors": r.errors,
             "values": {c.field: excel.cell_text(c, v) for c, v in r.raw}} for r in records])


def _commit_batch(job_id: int, batch: list[Record], done: int, units: _Units, cols: list[Column],
                  dry_run: bool) -> list[int]:
    """Validate, insert and count one batch, all in one transaction with the job's progress."""
    db = session()
    for attempt in range(3):
        job = db.get(jobs.Job, job_id)
        records = [Record(r.row, dict(r.data), dict(r.extra), r.raw, list(r.errors)) for r in batch]
        for record in records:
            if not record.errors:
                _validate(record, units, cols)
        new, duplicates = _classify([r for r in records if not r.errors], cols)
        rejected = [r for r in records if r.errors]
        try:
            ids = [] if dry_run else _insert(job, new)
            _reject(job, rejected)
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


def _notify(ids: list[int]) -> None:
    """Tell plugins about the committed `created` events (only if one listens)."""
    if not ids or not get_pm().hook.member_event.get_hookimpls():
        return
    events = session().scalars(select(MemberEvent).where(
        MemberEvent.member_id.in_(ids), MemberEvent.kind == "created").order_by(MemberEvent.id))
    members.notify(*events)


@jobs.register(KIND)
def run_import(job: jobs.Job, progress: Callable[[int, int], None] | None = None) -> None:
    """Import the job's file; resumes after the rows a previous run committed."""
    db = session()
    job_id, skip = job.id, job.done
    dry_run = bool((job.params or {}).get("dry_run"))
    data = job.input_data
    rows = excel.fast_rows(data)
    header_row, positions = _read_header(rows)
    cols, units, layout = columns(), _Units(job.unit_id), _layout(positions)
    seen: dict[str, int] = {}
    batch: list[Record] = []
    done, number_of_batch = 0, 0
    for number, values in rows:
        if excel.is_blank(values):
            continue
        done += 1
        record = _read_record(number, values, positions, layout)
        for identity in _identity(record):
            first = seen.setdefault(identity, number)
            if first != number and not record.errors:
                record.fail(label_of("citizen_id", cols),
                            _("This ID number is already in row %(row)s of this file.", row=first))
        if done <= skip:
            continue  # committed by an earlier run of this job
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            number_of_batch += 1
            _after(_commit_batch(job_id, batch, done, units, cols, dry_run), job_id,
                   number_of_batch, progress)
            batch = []
    if batch:
        number_of_batch += 1
        _after(_commit_batch(job_id, batch, done, units, cols, dry_run), job_id,
               number_of_batch, progress)
    job = db.get(jobs.Job, job_id)
    jobs.touch(job, total=done, done=done)
    db.commit()


def _after(ids: list[int], job_id: int, number: int, progress: Callable[[int, int], None] | None) -> None:
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
