"""Background jobs (core/jobs.py): start, state, progress, failure, resume, scope; and old jobs:
`unionadmin jobs purge` deletes finished ones with their files and rejected rows."""

from __future__ import annotations

import time
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


# -- the runner (core/jobs.py) with a job kind of its own: items 0..total-1, one commit each --

STEPS: list[tuple[int, int]] = []  # (job id, item) in the order the items were done


@jobs.register("test_count")
def _count(job: jobs.Job) -> None:
    """Count from where the job stopped; `fail_at` in the params raises at that item."""
    for item in range(job.done, job.total):
        if item == (job.params or {}).get("fail_at"):
            raise RuntimeError("boom")
        STEPS.append((job.id, item))
        jobs.touch(job, done=item + 1)
        session().commit()


def _steps(job_id: int) -> list[int]:
    return [item for jid, item in STEPS if jid == job_id]


def _fresh(job_id: int) -> jobs.Job:
    session().expire_all()
    return session().get(jobs.Job, job_id)


def test_inline_job_runs_to_done_with_its_progress(app, system, tree, monkeypatch):
    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "inline")
    job = jobs.create("test_count", unit_id=tree["G1"].id, total=4)
    assert job.status == "queued" and job.finished_at is None
    job = jobs.start(job)
    assert (job.status, job.done, job.message) == ("done", 4, None)
    assert job.finished_at is not None and not job.stale
    assert _steps(job.id) == [0, 1, 2, 3]


def test_thread_job_runs_in_the_background_and_records_done(app, system, tree, monkeypatch):
    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "thread")
    job_id = jobs.start(jobs.create("test_count", unit_id=tree["G1"].id, total=3)).id
    deadline = time.monotonic() + 30
    while _fresh(job_id).status != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    job = _fresh(job_id)
    assert (job.status, job.done) == ("done", 3) and job.finished_at is not None
    assert _steps(job_id) == [0, 1, 2]


def test_queue_mode_leaves_the_job_queued_for_a_worker(app, system, tree, monkeypatch):
    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "queue")
    job = jobs.start(jobs.create("test_count", unit_id=tree["G1"].id, total=2))
    assert _fresh(job.id).status == "queued" and _steps(job.id) == []
    assert jobs.run(job.id).status == "done"  # what a worker calls
    assert _steps(job.id) == [0, 1]


def test_failure_is_recorded_and_resume_continues_without_repeating(app, system, tree, monkeypatch):
    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "inline")
    job = jobs.start(jobs.create("test_count", unit_id=tree["G1"].id, total=5,
                                 params={"fail_at": 3}))
    assert (job.status, job.done) == ("failed", 3)  # the committed progress stays
    assert "RuntimeError" in job.message and job.finished_at is not None
    job.params = {}
    session().commit()
    job = jobs.resume(job)
    assert (job.status, job.done, job.message) == ("done", 5, None)
    assert _steps(job.id) == [0, 1, 2, 3, 4]  # no item done twice


def test_an_interrupted_job_resumes_and_a_live_one_is_left_alone(app, system, tree, monkeypatch):
    from unionadmin.core.models import STALE_AFTER

    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "inline")
    live = jobs.create("test_count", unit_id=tree["G1"].id, total=3)
    dead = jobs.create("test_count", unit_id=tree["G1"].id, total=3)
    jobs.touch(live, status="running", done=1)
    jobs.touch(dead, status="running", done=1)  # its server stopped after item 0
    dead.updated_at = utcnow() - STALE_AFTER - timedelta(seconds=5)
    session().commit()
    assert not live.stale and dead.stale
    assert jobs.resume(live).status == "running"
    assert jobs.run(live.id).status == "running"  # another runner holds it: not claimed
    assert _steps(live.id) == []
    job = jobs.resume(dead)
    assert (job.status, job.done) == ("done", 3) and _steps(dead.id) == [1, 2]


def test_an_import_job_is_seen_within_scope_or_by_its_creator(app, client, tree):
    """Through the imports API: an Officer of U1 sees the jobs of G1 (below U1), not those of
    G3 (under U2), except one they started themselves."""
    from tests.helpers import api_headers, make_user
    from unionadmin.core.actor import SYSTEM, acting_as, actor_for_user
    from unionadmin.core.imports.runner import KIND

    officer = make_user(app, tree["U1"], "Officer")
    with app.test_request_context():
        with acting_as(SYSTEM):
            below = jobs.create(KIND, unit_id=tree["G1"].id, input_name="a.xlsx").id
            beside = jobs.create(KIND, unit_id=tree["G3"].id, input_name="b.xlsx").id
            other_kind = jobs.create("test_count", unit_id=tree["G1"].id).id
        user = app.appbuilder.sm.get_user_by_id(officer.id)
        with acting_as(actor_for_user(user)):
            own = jobs.create(KIND, unit_id=tree["G3"].id, input_name="c.xlsx").id
    headers = api_headers(client, officer.username)

    def status(job_id: int) -> int:
        return client.get(f"/api/v1/member/import/{job_id}", headers=headers).status_code

    assert status(below) == 200
    assert client.get(f"/api/v1/member/import/{below}", headers=headers).json["file_name"] == "a.xlsx"
    assert status(beside) == 404
    assert status(own) == 200
    assert status(other_kind) == 404  # an import URL shows import jobs only
