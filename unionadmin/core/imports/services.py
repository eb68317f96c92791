"""Member imports as the pages, the API and the command line use them: starting a job (the
file and the unit checked first), reading its state and its rejected rows, the error file.
The work itself is in `runner` (writing) and `checking` (reading and checking the rows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from unionadmin.core import jobs
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session
from unionadmin.core.errors import ValidationError
from unionadmin.core.imports import excel, upload
from unionadmin.core.imports.columns import columns, max_mb, max_rows, read_header
from unionadmin.core.imports.excel import Column
from unionadmin.core.imports.models import ImportReject
from unionadmin.core.imports.runner import KIND
from unionadmin.core.scope import require_unit_in_scope

#: How many bad rows the job API lists (the error file has them all).
ERRORS_LISTED = 1000
STATUS_LABELS = {"running": _l("Running"), "done": _l("Finished"), "failed": _l("Stopped with an error")}

@dataclass
class Plan:
    """What the header row says about the file."""

    header_row: int
    positions: dict[int, Column]
    rows: int


def check_upload_size(content_length: int | None) -> None:
    """Refuse a request that announces far more than the file limit, before its body is
    parsed (and spooled to disk)."""
    if content_length and content_length > max_mb() * 1024 * 1024 + 1024 * 1024:
        raise ValidationError.single("file", _("The file is larger than %(n)s MB. Split it into "
                                               "several files.", n=max_mb()))


def inspect(data: bytes) -> Plan:
    """Check the file as a whole; BadFile (nothing written) when it cannot be imported."""
    sheet = upload.open_checked(data, max_mb(), max_rows())
    header_row, positions = read_header(sheet.head_rows())
    return Plan(header_row, positions, max(sheet.extent.rows - header_row, 0))


def start_import(data: bytes, filename: str | None, unit_id: Any, dry_run: bool = False) -> jobs.Job:
    """Check the file and the unit, then start the job (it may be done when this returns)."""
    unit = require_unit_in_scope(unit_id if isinstance(unit_id, int) else None, "unit_id")
    plan = inspect(data)
    locale = str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi"))
    job = jobs.create(KIND, unit_id=unit.id, input_name=(filename or "")[:255] or None,
                      input_data=data, total=plan.rows,
                      params={"dry_run": bool(dry_run), "locale": locale})
    return jobs.start(job)


def get_job(job_id: int) -> jobs.Job:
    return jobs.get(job_id, KIND)


def resume(job_id: int) -> jobs.Job:
    """Run an interrupted or failed import of the actor's scope again (a live one is left alone)."""
    return jobs.resume(get_job(job_id))


def recent_jobs(limit: int = 10) -> list[jobs.Job]:
    """The current account's latest imports, newest first."""
    return list(session().scalars(
        select(jobs.Job).where(jobs.Job.kind == KIND, jobs.Job.created_by_id == current_actor().user_id)
        .order_by(jobs.Job.id.desc()).limit(limit)))


def job_errors(job: jobs.Job, limit: int = ERRORS_LISTED) -> list[dict[str, Any]]:
    rejects = session().scalars(select(ImportReject).where(ImportReject.job_id == job.id)
                                .order_by(ImportReject.row).limit(limit))
    return [{"row": r.row, "field": e["field"], "message": e["message"]} for r in rejects for e in r.errors]


def job_state(job: jobs.Job) -> dict[str, Any]:
    """What the API answers for an import job (docs/api.md#imports-and-jobs)."""
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
