"""Running an import job: the checked batches (`checking`) written in bulk with what
`members.create` writes (the member, `pending`, with its derived name columns; its `created`
event; its approval steps). The job's counters are committed in the same transaction as the
batch, so a job cut off between batches resumes exactly where it stopped, and a row whose
citizen ID is already registered is a duplicate, never a second member.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app, g
from flask_babel import force_locale, get_locale
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from unionadmin.core import audit, jobs
from unionadmin.core.actor import acting_as, current_actor
from unionadmin.core.bulk import bulk_insert, reserve_ids
from unionadmin.core.db import session, today, utcnow
from unionadmin.core.imports import excel, upload
from unionadmin.core.imports.checking import Layout, Record, checked_batches, classify, make_layout
from unionadmin.core.imports.columns import columns, max_mb, max_rows, read_header
from unionadmin.core.imports.excel import Column
from unionadmin.core.imports.models import ImportReject
from unionadmin.core.members import services as members
from unionadmin.core.members.models import CLOSED_STATUSES, Member, MemberApproval, MemberEvent, name_columns
from unionadmin.core.units.models import Unit
from unionadmin.plugins.manager import get_pm

KIND = "member_import"
_T = TypeVar("_T")


@jobs.register(KIND)
def run_import(job: jobs.Job, progress: Callable[[int, int], None] | None = None) -> None:
    """Import the job's file; resumes after the rows a previous run committed. On PostgreSQL a
    thread reads and checks the rows a batch ahead while this one writes the batch before."""
    db = session()
    job_id, skip = job.id, job.done
    dry_run = bool((job.params or {}).get("dry_run"))
    sheet = upload.open_checked(job.input_data, max_mb(), max_rows())  # never trust a stored file
    rows = sheet.rows()
    header_row, positions = read_header(rows)
    cols, layout = columns(), make_layout(positions)
    formulas = sheet.extent.formulas
    done = 0
    # Not on SQLite: its inserts leave and take back the GIL at every row, and each time wait
    # for the other thread's turn to end (a convoy: the inserts took five times as long).
    threaded = db.get_bind().dialect.name != "sqlite"
    with _young_collections_only(), _read_ahead(
            lambda: checked_batches(rows, layout, cols, job.unit_id, skip, formulas), job_id,
            threaded) as batches:
        for batch, done in batches:
            if batch:
                _after(_commit_batch(job_id, batch, done, cols, layout, dry_run), job_id, progress)
    job = db.get(jobs.Job, job_id)
    jobs.touch(job, total=done, done=done)
    db.commit()


def _commit_batch(job_id: int, batch: list[Record], done: int, cols: list[Column], layout: Layout,
                  dry_run: bool) -> list[int]:
    """Check the identity numbers of a validated batch, insert it and count it, all in one
    transaction with the job's progress."""
    db = session()
    valid = [r for r in batch if r.errors is None]
    for attempt in range(3):
        job = db.get(jobs.Job, job_id)
        new, duplicates, refused = classify(valid, cols)
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


def _insert(job: jobs.Job, records: list[Record]) -> list[int]:
    """Bulk insert what `members.create` writes for each new member: the member (pending, with
    its derived columns), its `created` event and its approval steps. ORM events do not run."""
    if not records:
        return []
    conn = session().connection()
    now, actor_id = utcnow(), current_actor().user_id
    ids = reserve_ids(conn, Member.__table__, len(records))
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
    bulk_insert(Member.__table__, rows)
    if ids is None:
        ids = _inserted_ids(conn, records)
    effective, details = today(), {"import_job": job.id}
    bulk_insert(MemberEvent.__table__, [
        {"member_id": member_id, "kind": "created", "effective_date": effective, "recorded_at": now,
         "actor_id": actor_id, "from_unit_id": None, "to_unit_id": record.unit_id, "details": details}
        for member_id, record in zip(ids, records, strict=True)])
    bulk_insert(MemberApproval.__table__, members.submission_rows(
        (member_id, record.data, record.extra) for member_id, record in zip(ids, records, strict=True)))
    return ids


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


def _reject(job: jobs.Job, rejected: list[tuple[Record, list[dict[str, str]]]], layout: Layout) -> None:
    if rejected:
        session().execute(ImportReject.__table__.insert(), [
            {"job_id": job.id, "row": r.row, "errors": errors,
             "values": {c.field: excel.cell_text(c, r.cells[i] if i < len(r.cells) else None)
                        for i, c, *_rest in layout}}
            for r, errors in rejected])


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


def _after(ids: list[int], job_id: int, progress: Callable[[int, int], None] | None) -> None:
    """After each committed batch: collect, tell plugins, report progress."""
    gc.collect(1)  # the young generations: what the batch left (see _young_collections_only)
    _notify(ids)
    if progress is not None:
        job = session().get(jobs.Job, job_id)
        progress(job.done, job.total)
