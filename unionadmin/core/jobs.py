"""Background jobs: state in the database, so any app server answers for a job.

A job is a row of the `job` table (kind, status, counters, parameters, the uploaded file) and a
function registered for its kind. `start()` runs it in a thread of the server process (the
embedded default; `UNIONADMIN_JOBS=inline` runs it in the caller, `queue` leaves it for a
worker). `run()` is what a thread, a CLI command or a real queue worker (RQ, Celery) calls with
the job id; job functions commit their progress with their data, so running an interrupted job
again resumes it without losing or repeating work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from unionadmin.core.actor import SYSTEM, Actor, acting_as, actor_for_user, current_actor
from unionadmin.core.db import session, utcnow
from unionadmin.core.errors import NotFound
from unionadmin.core.models import STALE_AFTER, Job
from unionadmin.core.scope import unit_id_in_scope

log = logging.getLogger(__name__)


#: kind -> function(job) that does the work and commits progress through `progress()`.
_RUNNERS: dict[str, Callable[..., None]] = {}


def register(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorator: the function that runs jobs of `kind` (called with the job)."""

    def wrap(fn: Callable[..., None]) -> Callable[..., None]:
        _RUNNERS[kind] = fn
        return fn

    return wrap


def create(kind: str, *, unit_id: int | None, params: dict[str, Any] | None = None,
           input_name: str | None = None, input_data: bytes | None = None, total: int = 0) -> Job:
    """A new queued job owned by the current actor (committed)."""
    job = Job(kind=kind, status="queued", unit_id=unit_id, params=params or {},
              input_name=input_name, input_data=input_data, total=total,
              created_by_id=current_actor().user_id)
    session().add(job)
    session().commit()
    return job


def get(job_id: int, kind: str | None = None) -> Job:
    """A job the current actor may see (its unit in scope, or its own); NotFound otherwise."""
    db = session()
    job = db.get(Job, job_id)
    if job is None or (kind and job.kind != kind):
        raise NotFound()
    if job.created_by_id is not None and job.created_by_id == current_actor().user_id:
        return job
    if not unit_id_in_scope(job.unit_id):
        raise NotFound()
    return job


def touch(job: Job, **counters: int | str) -> None:
    """Set counters and the heartbeat on the job (committed with the caller's transaction)."""
    for key, value in counters.items():
        setattr(job, key, value)
    job.updated_at = utcnow()


def _actor_of(job: Job) -> Actor:
    if job.created_by_id is None:
        return SYSTEM
    user = current_app.appbuilder.sm.get_user_by_id(job.created_by_id)
    return actor_for_user(user)


def _claim(job_id: int) -> bool:
    """Mark the job running unless another runner holds it (fresh heartbeat): one runner at a time."""
    now = utcnow()
    result = session().execute(
        update(Job)
        .where(Job.id == job_id,
               (Job.status.in_(("queued", "failed", "done")) | (Job.updated_at < now - STALE_AFTER)))
        .values(status="running", updated_at=now, message=None, finished_at=None)
    )
    session().commit()
    return result.rowcount == 1


def run(job_id: int, *, force: bool = False, **options: Any) -> Job:
    """Run (or resume) a job in the current app context, as the account that created it.
    `options` go to the job function (a CLI passes a progress callback)."""
    db = session()
    if not force and not _claim(job_id):
        return db.get(Job, job_id)
    job = db.get(Job, job_id)
    if force:
        touch(job, status="running")
        db.commit()
    runner = _RUNNERS[job.kind]
    g.job_id = job_id  # flask-babel translates only when `g` holds something (a bare thread)
    locale = (job.params or {}).get("locale") or current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")
    with acting_as(_actor_of(job)), force_locale(locale):
        try:
            runner(job, **options)
        except Exception as exc:  # noqa: BLE001 - the job records the failure; committed work stays
            db.rollback()
            log.exception("job %s failed", job_id)
            job = db.get(Job, job_id)
            message = getattr(exc, "message", None) or _("The job stopped because of an error: %(error)s",
                                                          error=type(exc).__name__)
            touch(job, status="failed", message=str(message))
            job.finished_at = utcnow()
            db.commit()
            if current_app.config.get("UNIONADMIN_JOBS_RAISE"):
                raise
            return job
    job = db.get(Job, job_id)
    if job.status == "running":
        touch(job, status="done")
        job.finished_at = utcnow()
        db.commit()
    return job


def _thread_main(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        except Exception:  # noqa: BLE001 - a thread has nobody to raise to
            log.exception("job %s crashed", job_id)


def start(job: Job) -> Job:
    """Run the job in the way the deployment is configured to (see the module docstring)."""
    mode = current_app.config.get("UNIONADMIN_JOBS", "thread")
    if mode == "inline":
        return run(job.id)
    if mode == "thread":
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_thread_main, args=(app, job.id), name=f"job-{job.id}",
                         daemon=True).start()
    return job


def purge(older_than: timedelta) -> int:
    """Delete finished jobs (done or failed) older than `older_than`, with their uploaded files
    and rejected rows (which cascade); jobs still queued or running are kept. Returns how many."""
    cutoff = utcnow() - older_than
    result = session().execute(
        Job.__table__.delete().where(Job.status.in_(("done", "failed")), Job.created_at < cutoff))
    session().commit()
    return result.rowcount or 0


def resume(job: Job) -> Job:
    """Start an interrupted (stale) or failed job again; a live one is left alone."""
    if job.status in ("running", "queued") and not job.stale:
        return job
    return start(job)
