"""Old jobs: `unionadmin jobs purge` deletes finished ones with their files and rejected rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from unionadmin.core import jobs
from unionadmin.core.db import session, utcnow
from unionadmin.core.imports.models import ImportReject


def _job(tree, status: str, age_days: int) -> int:
    job = jobs.create("import_members", unit_id=tree["G1"].id, input_name="a.xlsx", input_data=b"x")
    job.status = status
    job.created_at = utcnow() - timedelta(days=age_days)
    session().add(ImportReject(job_id=job.id, row=2, values={},
                               errors=[{"field": "Họ và tên", "message": "x"}]))
    session().commit()
    return job.id


def test_purge_deletes_only_old_finished_jobs_and_their_rows(app, system, tree):
    old_done, old_failed = _job(tree, "done", 120), _job(tree, "failed", 100)
    old_running, recent = _job(tree, "running", 120), _job(tree, "done", 10)
    from unionadmin.cli import jobs_group

    result = app.test_cli_runner().invoke(jobs_group, ["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 " in result.output
    left = set(session().scalars(select(jobs.Job.id).where(
        jobs.Job.id.in_([old_done, old_failed, old_running, recent]))))
    assert left == {old_running, recent}
    rejects = session().scalar(select(func.count()).select_from(ImportReject).where(
        ImportReject.job_id.in_([old_done, old_failed])))
    assert rejects == 0
    result = app.test_cli_runner().invoke(jobs_group, ["purge", "--days", "5"])
    assert "Deleted 1 " in result.output
