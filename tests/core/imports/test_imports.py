"""Excel import and export of members (issue #8)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.helpers import ADMIN_PASSWORD, api_headers, build_app, cccd, csrf_token, make_user, web_login
from tests.plugin_fixtures import plugin_app  # noqa: F401 - the fixture
from unionadmin.core import jobs
from unionadmin.core.actor import SYSTEM, acting_as, actor_for_user
from unionadmin.core.audit import AuditLog
from unionadmin.core.imports import checking, excel, runner, services
from unionadmin.core.members.models import Member, MemberApproval, MemberEvent

HEADERS = ["Họ và tên *", "Ngày sinh *", "Giới tính *", "Số CCCD *", "Ngày vào Công đoàn *",
           "Dân tộc", "Đảng viên", "Số điện thoại", "Mã đơn vị"]


@pytest.fixture(autouse=True)
def inline_jobs(app):
    app.config["UNIONADMIN_JOBS"] = "inline"
    yield
    app.config["UNIONADMIN_JOBS"] = "inline"


@pytest.fixture
def server_killed_after_batch():
    """A context manager: inside it, an import's runner raises after committing batch `number`
    (the server killed between two batches)."""
    after = runner._after

    @contextlib.contextmanager
    def killed(number: int):
        batches = 0

        def after_then_crash(*args):
            nonlocal batches
            after(*args)
            batches += 1
            if batches == number:
                raise RuntimeError("server killed")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(runner, "_after", after_then_crash)
            yield

    return killed


def row(name="Nguyễn Văn An", born=dt.date(1990, 5, 1), gender="Nam", number=None, joined="01/02/2015",
        ethnic="Kinh", party="", phone="0912345678", unit=""):
    g = "female" if gender in ("Nữ", "nu") else "male"
    return [name, born, gender, number or cccd(born.year if isinstance(born, dt.date) else 1990, g),
            joined, ethnic, party, phone, unit]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def officer(app, ctx, tree):
    return make_user(app, tree["G1"], "Officer")


@pytest.fixture
def officer_h(client, officer):
    return api_headers(client, officer.username)


def upload(client, headers, data, unit_id, dry_run=False, name="members.xlsx", query=""):
    return client.post(f"/api/v1/member/import{query}", headers=headers,
                       data={"file": (io.BytesIO(data), name), "unit_id": str(unit_id),
                             "dry_run": "true" if dry_run else "false"},
                       content_type="multipart/form-data")


def members_in(unit) -> list[Member]:
    from unionadmin.core.db import session

    session().expire_all()
    return list(session().scalars(select(Member).where(Member.unit_id == unit.id).order_by(Member.id)))


# -- template -----------------------------------------------------------------------------------


def test_template_has_labels_dropdowns_dates_example_and_instructions(client, officer_h):
    resp = client.get("/api/v1/member/import_template", headers=officer_h)
    assert resp.status_code == 200
    assert resp.mimetype == api_xlsx()
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:18] == [
        "Họ và tên *", "Ngày sinh *", "Giới tính *", "Số CCCD *", "Số CMND cũ", "Ngày vào Công đoàn *",
        "Dân tộc", "Tôn giáo", "Số điện thoại", "Email", "Quê quán", "Nơi ở hiện nay",
        "Trình độ học vấn", "Trình độ chuyên môn", "Nghề nghiệp", "Chức vụ công đoàn", "Đảng viên",
        "Mã đơn vị"]
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"Nam,Nữ"' in formulas and '"x,Có"' in formulas
    assert any("Danh mục" in f for f in formulas)
    lists = wb["Danh mục"]
    from unionadmin.core.refdata import ethnicity_names

    assert len([c for c in lists["A"] if c.value]) == len(ethnicity_names()) >= 54
    assert ws["B2"].number_format == "dd/mm/yyyy" and ws["B2"].value.year == 1992
    assert "Hướng dẫn" in wb.sheetnames


def api_xlsx():
    from unionadmin.core.imports.api import XLSX

    return XLSX


def test_template_imports_as_is(client, officer_h, tree, ctx):
    data = client.get("/api/v1/member/import_template", headers=officer_h).data
    wb = load_workbook(io.BytesIO(data))
    wb.worksheets[0]["D2"] = cccd(1992, "female")
    out = io.BytesIO()
    wb.save(out)
    resp = upload(client, officer_h, out.getvalue(), tree["G1"].id)
    assert resp.status_code == 200 and resp.json["created"] == 1, resp.json


# -- reading and validating ---------------------------------------------------------------------


def test_headers_match_without_diacritics_case_or_spacing(client, officer_h, tree):
    headers = ["HO VA TEN", "ngay  sinh*", "gioi tinh", "so cccd", "Ngay vao cong doan", "dan toc",
               "DANG VIEN", "so dien thoai", "ma don vi"]
    resp = upload(client, officer_h, xlsx([row(party="x")], headers), tree["G1"].id)
    assert resp.status_code == 200 and resp.json["created"] == 1, resp.json
    member = members_in(tree["G1"])[-1]
    assert member.status == "pending" and member.party_member and member.joined_on == dt.date(2015, 2, 1)


def test_header_key():
    assert excel.header_key("Ngày vào  Công đoàn *") == excel.header_key("ngay vao cong doan")


def test_every_bad_row_is_reported_with_row_column_and_message(client, officer_h, tree):
    rows = [
        row(),                                             # 2 ok
        row(name="An 3"),                                  # 3 name has a digit
        row(born="31/02/1990"),                            # 4 bad date
        row(gender="Khác"),                                # 5 gender
        row(number="123"),                                 # 6 short citizen id
        row(joined="01/01/2000", born=dt.date(1990, 1, 1)),  # 7 under 15 when joining
        row(ethnic="Sao Hỏa"),                             # 8 unknown ethnic group
        row(party="có lẽ"),                                # 9 party member
        row(phone="12345"),                                # 10 phone
        row(name=""),                                      # 11 missing name
        row(joined=dt.date(2099, 1, 1)),                   # 12 future
    ]
    resp = upload(client, officer_h, xlsx(rows), tree["G1"].id, query="?_l_=en")
    body = resp.json
    assert body["status"] == "done" and body["created"] == 1 and body["error_rows"] == 10, body
    by_row = {}
    for e in body["errors"]:
        by_row.setdefault(e["row"], set()).add(e["field"])
        assert e["message"]
    assert by_row == {3: {"Họ và tên"}, 4: {"Ngày sinh"}, 5: {"Giới tính"}, 6: {"Số CCCD"},
                      7: {"Ngày vào Công đoàn"}, 8: {"Dân tộc"}, 9: {"Đảng viên"},
                      10: {"Số điện thoại"}, 11: {"Họ và tên"}, 12: {"Ngày vào Công đoàn"}}


def test_numbers_typed_as_numbers_keep_their_leading_zero(client, officer_h, tree):
    number = cccd(1990, "male")
    resp = upload(client, officer_h, xlsx([row(number=int(number), phone=912345678)]), tree["G1"].id)
    assert resp.json["created"] == 1, resp.json
    member = members_in(tree["G1"])[-1]
    assert member.citizen_id == number and member.phone == "0912345678"


def test_excel_dates_and_text_dates(client, officer_h, tree):
    resp = upload(client, officer_h, xlsx([row(born="14/03/1992", number=cccd(1992),
                                                joined=dt.datetime(2018, 6, 1))]),
                  tree["G1"].id)
    assert resp.json["created"] == 1
    member = members_in(tree["G1"])[-1]
    assert member.date_of_birth == dt.date(1992, 3, 14) and member.joined_on == dt.date(2018, 6, 1)


# -- never twice --------------------------------------------------------------------------------


def create_member(unit):
    from tests.helpers import member_data
    from unionadmin.core.actor import SYSTEM
    from unionadmin.core.members import services as members

    with acting_as(SYSTEM):
        return members.create(member_data(unit))


def test_duplicates_within_file_and_against_database(client, officer_h, tree):
    existing = create_member(tree["G1"])
    twice = cccd()
    rows = [row(number=twice), row(number=twice), row(number=existing.citizen_id)]
    body = upload(client, officer_h, xlsx(rows), tree["G1"].id).json
    assert body["created"] == 1 and body["duplicates"] == 1 and body["error_rows"] == 1, body
    assert body["errors"][0]["row"] == 3 and body["errors"][0]["field"] == "Số CCCD"


def test_same_file_twice_creates_nothing_the_second_time(client, officer_h, tree):
    data = xlsx([row() for _ in range(5)])
    first = upload(client, officer_h, data, tree["G1"].id).json
    second = upload(client, officer_h, data, tree["G1"].id).json
    assert first["created"] == 5 and second["created"] == 0 and second["duplicates"] == 5
    assert len(members_in(tree["G1"])) == 5


def test_number_held_as_someone_elses_old_number_is_reported_like_the_form(client, officer_h, tree):
    from tests.helpers import member_data
    from unionadmin.core.members import services as members

    old = cccd()
    with acting_as(SYSTEM):
        holder = members.create(member_data(tree["G1"], old_id_number=old))
    body = upload(client, officer_h, xlsx([row(number=old)]), tree["G1"].id).json
    assert body["created"] == 0 and body["duplicates"] == 0 and body["error_rows"] == 1, body
    assert body["errors"][0]["field"] == "Số CCCD" and f"#{holder.id}" in body["errors"][0]["message"]


def test_member_registered_outside_scope_is_an_error_not_a_duplicate(client, officer_h, tree):
    other = create_member(tree["G3"])
    body = upload(client, officer_h, xlsx([row(number=other.citizen_id)]), tree["G1"].id).json
    assert body["created"] == 0 and body["duplicates"] == 0 and body["error_rows"] == 1


def test_resume_after_a_crash_between_batches(app, client, officer, officer_h, tree, monkeypatch,
                                              server_killed_after_batch):
    monkeypatch.setattr(checking, "BATCH_SIZE", 3)
    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "queue")
    rows = [row() for _ in range(10)] + [row(gender="?")]
    body = upload(client, officer_h, xlsx(rows), tree["G1"].id).json
    job_id = body["job_id"]

    with server_killed_after_batch(2), acting_as(actor_for_user(officer)):
        job = jobs.run(job_id)
    assert job.status == "failed" and job.done == 6 and job.created == 6
    assert len(members_in(tree["G1"])) == 6
    with acting_as(actor_for_user(officer)):
        job = jobs.run(job_id)
    assert job.status == "done", job.message
    assert (job.done, job.created, job.duplicates, job.error_count) == (11, 10, 0, 1)
    created = members_in(tree["G1"])
    assert len(created) == 10 and len({m.citizen_id for m in created}) == 10
    from unionadmin.core.db import session

    events = session().scalar(select(func.count()).select_from(MemberEvent).where(
        MemberEvent.member_id.in_([m.id for m in created]), MemberEvent.kind == "created"))
    assert events == 10


def test_read_ahead_thread_passes_items_and_errors_and_stops(system):
    """The reader thread of PostgreSQL imports: items in order, its error raised in the job, and
    leaving early stops it."""
    import threading

    from unionadmin.core.actor import current_actor

    def failing():
        yield 1
        yield current_actor().username  # the job's actor in the thread
        raise RuntimeError("broken row")

    with pytest.raises(RuntimeError, match="broken row"), runner._read_ahead(failing, 0) as items:
        assert [next(items), next(items)] == [1, current_actor().username]
        next(items)

    def endless():
        n = 0
        while True:
            n += 1
            yield n

    with runner._read_ahead(endless, 0) as items:
        assert next(items) == 1
    assert not [t for t in threading.enumerate() if t.name == "import-0-reader"]


def test_interrupted_job_is_taken_over_only_when_stale(app, officer, tree, ctx):
    from unionadmin.core.db import session

    with acting_as(actor_for_user(officer)):
        job = jobs.create(services.KIND, unit_id=tree["G1"].id, input_data=xlsx([row()]))
        job.status = "running"
        session().commit()
        assert jobs.run(job.id).created == 0  # a live runner holds it
        job.updated_at = dt.datetime(2000, 1, 1)
        session().commit()
        assert jobs.run(job.id).created == 1


# -- bad files ----------------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


BAD_FILES = {
    "text": b"Ho va ten,Ngay sinh\nAn,01/01/1990\n",
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
    "encrypted": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le"),
    "corrupt": None,
    "bomb": None,
    "not_a_workbook": None,
    "no_headers": None,
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_and_nothing_is_written(client, officer_h, tree, case):
    data = BAD_FILES[case]
    if case == "corrupt":
        good = xlsx([row() for _ in range(50)])
        data = good[: len(good) // 2]
    elif case == "bomb":
        data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * (300 << 20)})
    elif case == "not_a_workbook":
        data = _zip({"hello.txt": b"hello"})
    elif case == "no_headers":
        data = xlsx([row()], headers=["a", "b", "c"])
    before = jobs_count()
    resp = upload(client, officer_h, data, tree["G1"].id)
    assert resp.status_code == 422, resp.json
    assert resp.json["message"]["file"][0]
    assert jobs_count() == before and members_in(tree["G1"]) == []


def jobs_count() -> int:
    from unionadmin.core.db import session

    return session().scalar(select(func.count()).select_from(jobs.Job))


def test_size_and_row_limits(app, client, officer_h, tree, monkeypatch):
    monkeypatch.setitem(app.config, "UNIONADMIN_IMPORT_MAX_ROWS", 5)
    resp = upload(client, officer_h, xlsx([row() for _ in range(6)]), tree["G1"].id)
    assert resp.status_code == 422 and "5" in resp.json["message"]["file"][0]
    monkeypatch.setitem(app.config, "UNIONADMIN_IMPORT_MAX_ROWS", 200_000)
    monkeypatch.setitem(app.config, "UNIONADMIN_IMPORT_MAX_MB", 1)
    big = b"PK\x03\x04" + os.urandom(1100 * 1024)
    resp = upload(client, officer_h, big, tree["G1"].id)
    assert resp.status_code == 422 and "1 MB" in resp.json["message"]["file"][0]
    assert members_in(tree["G1"]) == []


# -- error file ---------------------------------------------------------------------------------


def test_error_file_round_trip(client, officer_h, tree):
    rows = [row(), row(gender="Khác"), row(born="1990/31/12")]
    body = upload(client, officer_h, xlsx(rows), tree["G1"].id).json
    assert body["error_rows"] == 2
    resp = client.get(f"/api/v1/member/import/{body['job_id']}/errors.xlsx", headers=officer_h)
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "Họ và tên *" and headers[-1] == "Lỗi"
    assert ws.max_row == 3 and "Giới tính" in ws.cell(2, len(headers)).value
    ws.cell(2, headers.index("Giới tính *") + 1).value = "Nam"
    ws.cell(3, headers.index("Ngày sinh *") + 1).value = "01/05/1990"
    out = io.BytesIO()
    wb.save(out)
    again = upload(client, officer_h, out.getvalue(), tree["G1"].id).json
    assert again["created"] == 2 and again["error_rows"] == 0, again
    assert len(members_in(tree["G1"])) == 3


# -- scope, dry run, jobs -----------------------------------------------------------------------


def test_scope_of_the_chosen_unit_and_of_unit_codes(client, officer_h, tree):
    resp = upload(client, officer_h, xlsx([row()]), tree["G3"].id)
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]
    rows = [row(unit=tree["D1"].code), row(unit=tree["G3"].code), row(unit="NO-SUCH-UNIT")]
    body = upload(client, officer_h, xlsx(rows), tree["G1"].id).json
    assert body["created"] == 1 and [e["row"] for e in body["errors"]] == [3, 4]
    assert {e["field"] for e in body["errors"]} == {"Mã đơn vị"}
    assert len(members_in(tree["D1"])) == 1 and members_in(tree["G3"]) == []


def test_upper_unit_rows_need_a_grassroots_code(app, client, tree, ctx):
    user = make_user(app, tree["U1"], "Unit Admin")
    h = api_headers(client, user.username)
    body = upload(client, h, xlsx([row(), row(unit=tree["G2"].code)]), tree["U1"].id).json
    assert body["created"] == 1 and body["errors"][0]["row"] == 2
    assert len(members_in(tree["G2"])) == 1


def test_dry_run_writes_nothing(client, officer_h, tree):
    body = upload(client, officer_h, xlsx([row(), row(), row(gender="?")]), tree["G1"].id,
                  dry_run=True).json
    assert body["dry_run"] and body["created"] == 0 and body["valid"] == 2 and body["error_rows"] == 1
    assert members_in(tree["G1"]) == []


def test_viewer_cannot_import_and_jobs_are_scoped(app, client, officer_h, tree, ctx):
    viewer = make_user(app, tree["G1"], "Viewer")
    vh = api_headers(client, viewer.username)
    assert upload(client, vh, xlsx([row()]), tree["G1"].id).status_code == 403
    job_id = upload(client, officer_h, xlsx([row()]), tree["G1"].id).json["job_id"]
    other = make_user(app, tree["G3"], "Officer")
    oh = api_headers(client, other.username)
    assert client.get(f"/api/v1/member/import/{job_id}", headers=oh).status_code == 404
    assert client.get(f"/api/v1/member/import/{job_id}/errors.xlsx", headers=oh).status_code == 404


def test_job_state_is_read_from_another_app_server(app, db_url, tmp_path, client, officer, officer_h, tree):
    body = upload(client, officer_h, xlsx([row(), row(gender="?")]), tree["G1"].id).json
    second = build_app(db_url, tmp_path)
    with second.app_context():
        c2 = second.test_client()
        resp = c2.get(f"/api/v1/member/import/{body['job_id']}", headers=api_headers(c2, officer.username))
    assert resp.status_code == 200
    for key in ("job_id", "status", "total", "done", "created", "duplicates", "errors"):
        assert resp.json[key] == body[key]


def test_thread_mode_runs_in_the_background(app, client, officer_h, tree, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "UNIONADMIN_JOBS", "thread")
    body = upload(client, officer_h, xlsx([row() for _ in range(20)]), tree["G1"].id).json
    assert body["status"] in ("running", "done")
    for _ in range(100):
        state = client.get(f"/api/v1/member/import/{body['job_id']}", headers=officer_h).json
        if state["status"] != "running":
            break
        time.sleep(0.1)
    assert state["status"] == "done" and state["created"] == 20, state


# -- web page and CLI ---------------------------------------------------------------------------


def test_import_page_upload_and_job_page(client, officer, tree):
    web_login(client, officer.username)
    page = client.get("/imports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/member/import_template" in html
    resp = client.post("/imports/", data={
        "csrf_token": csrf_token(html), "unit_id": str(tree["G1"].id),
        "file": (io.BytesIO(xlsx([row()])), "m.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 302 and "/imports/job/" in resp.location
    job_page = client.get(resp.location)
    assert job_page.status_code == 200 and "ua-progress" in job_page.get_data(as_text=True)
    assert len(members_in(tree["G1"])) == 1
    bad = client.post("/imports/", data={
        "csrf_token": csrf_token(html), "unit_id": str(tree["G1"].id),
        "file": (io.BytesIO(b"not excel"), "m.xlsx")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "ua-error" in bad.get_data(as_text=True)


def test_cli_import_with_error_file(app, tree, tmp_path, ctx):
    from unionadmin.core.imports.cli import import_members

    source = tmp_path / "list.xlsx"
    source.write_bytes(xlsx([row(), row(), row(gender="?")]))
    result = app.test_cli_runner().invoke(import_members, [str(source), "--unit", tree["G1"].code])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    errors = tmp_path / "list-loi.xlsx"
    assert errors.exists() and load_workbook(errors).worksheets[0].max_row == 2
    assert len(members_in(tree["G1"])) == 2
    result = app.test_cli_runner().invoke(import_members, [str(source), "--unit", "NOPE", "--dry-run"])
    assert result.exit_code != 0


# -- export -------------------------------------------------------------------------------------


def test_export_reimports_as_the_same_members(client, officer_h, tree, ctx):
    from unionadmin.core.db import session

    rows = [row(name="Trần Thị Bích", gender="Nữ", born=dt.date(1985, 7, 9), party="x"),
            row(name="Lê Văn Cường", ethnic="Tày"), row(name="Đỗ Minh", unit=tree["D1"].code)]
    upload(client, officer_h, xlsx(rows), tree["G1"].id)
    fields = ["full_name", "date_of_birth", "gender", "citizen_id", "joined_on", "ethnicity",
              "party_member", "phone", "unit_id", "id_type", "status"]
    units = (tree["G1"].id, tree["D1"].id)

    def snapshot():
        session().expire_all()
        found = session().scalars(select(Member).where(Member.unit_id.in_(units)))
        return sorted(tuple(getattr(m, f) for f in fields) for m in found)

    before = snapshot()
    q = f"(filters:!((col:subtree_of,opr:eq,value:{tree['G1'].id})))"
    resp = client.get(f"/api/v1/member/export?q={q}", headers=officer_h)
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.data)).worksheets[0].max_row == 4
    ids = [m.id for u in (tree["G1"], tree["D1"]) for m in members_in(u)]
    session().execute(MemberEvent.__table__.delete().where(MemberEvent.member_id.in_(ids)))
    session().execute(MemberApproval.__table__.delete().where(MemberApproval.member_id.in_(ids)))
    session().execute(Member.__table__.delete().where(Member.id.in_(ids)))
    session().commit()
    body = upload(client, officer_h, resp.data, tree["G1"].id).json
    assert body["created"] == 3, body
    assert snapshot() == before
    audit = session().scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "member.export"))
    assert audit >= 1


def test_export_is_masked_for_viewers(app, client, officer_h, tree, ctx):
    number = cccd()
    upload(client, officer_h, xlsx([row(number=number)]), tree["G1"].id)
    viewer = make_user(app, tree["G1"], "Viewer")
    resp = client.get("/api/v1/member/export", headers=api_headers(client, viewer.username))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    values = [c.value for c in ws[2]]
    assert number not in values and any(isinstance(v, str) and "***" in v for v in values)
    full = client.get("/api/v1/member/export", headers=officer_h)
    assert number in [c.value for c in load_workbook(io.BytesIO(full.data)).worksheets[0][2]]


def test_members_list_has_an_export_button_with_its_filters(client, officer, tree):
    web_login(client, officer.username)
    html = client.get("/members/list/?_flt_0_status=pending").get_data(as_text=True)
    assert 'id="ua-export"' in html
    import html as html_lib
    import re
    from urllib.parse import urlsplit

    href = html_lib.unescape(re.search(r'id="ua-export"\s+href="([^"]+)"', html).group(1))
    assert "status" in href
    resp = client.get(urlsplit(href).path + "?" + urlsplit(href).query)
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")


# -- the fast paths store what SQLAlchemy would -------------------------------------------------


def test_bulk_insert_stores_values_as_sqlalchemy_does(client, officer_h, tree):
    from sqlalchemy import text

    from unionadmin.core.db import session

    resp = upload(client, officer_h, xlsx([row(party="x"), row(name="Trần Thị Mai", gender="Nữ")]),
                  tree["G1"].id)
    assert resp.status_code == 200 and resp.json["created"] == 2, resp.json
    first, second = members_in(tree["G1"])[-2:]
    assert first.date_of_birth == dt.date(1990, 5, 1) and first.party_member and not second.party_member
    assert first.created_at is not None and first.search_name == "nguyen van an"
    # Python None in a JSON column is JSON null (not SQL NULL) when SQLAlchemy writes it.
    assert session().execute(text("SELECT extra IS NULL FROM member WHERE id = :id"),
                             {"id": first.id}).scalar() in (0, False)
    event = session().scalars(select(MemberEvent).where(MemberEvent.member_id == first.id)).one()
    assert event.kind == "created" and event.details == {"import_job": resp.json["job_id"]}
    assert isinstance(event.recorded_at, dt.datetime) and isinstance(event.effective_date, dt.date)


def test_header_found_below_blank_rows_in_a_long_file(client, officer_h, tree):
    wb = Workbook()
    ws = wb.active
    ws.cell(row=2, column=1, value=" ")  # rows 1-3 blank
    for index, header in enumerate(HEADERS, start=1):
        ws.cell(row=4, column=index, value=header)
    for i in range(40):  # more rows than the header check reads
        ws.append(row(born=dt.date(1960 + i, 5, 1)))
    out = io.BytesIO()
    wb.save(out)
    resp = upload(client, officer_h, out.getvalue(), tree["G1"].id)
    assert resp.status_code == 200 and resp.json["created"] == 40, resp.json
    assert len(members_in(tree["G1"])) >= 40


# -- plugins: the same fields, checks, approval steps and events as the form --------------------


def test_import_applies_plugin_fields_checks_and_approval_steps(plugin_app, tree):  # noqa: F811
    import ua_sample_plugin

    from unionadmin.core.db import session
    from unionadmin.core.members import services as members

    papp = plugin_app("ua_sample_plugin", UNIONADMIN_JOBS="inline",  # the tree is its province
                      UNIONADMIN_UA_SAMPLE_PROVINCE_CODE=tree["P"].code)
    client = papp.test_client()
    headers = api_headers(client, "admin", ADMIN_PASSWORD)
    rows = [row() + ["M", None],                        # 2 ok
            row(name="Cấm Văn Tên") + ["M", None],      # 3 refused by validate_member
            row() + ["XL", None],                       # 4 XL needs a badge number
            row() + ["XXL", None],                      # 5 not a choice
            row() + [None, 7]]                          # 6 ok
    body = upload(client, headers, xlsx(rows, HEADERS + ["Shirt size", "Badge number"]),
                  tree["G1"].id, query="?_l_=en").json
    assert body["created"] == 2 and body["error_rows"] == 3, body
    assert {(e["row"], e["field"]) for e in body["errors"]} == {
        (3, "Họ và tên"), (4, "Badge number"), (5, "Shirt size")}
    with papp.test_request_context(), acting_as(SYSTEM):
        created = list(session().scalars(select(Member).where(Member.unit_id == tree["G1"].id)
                                         .order_by(Member.id.desc()).limit(2)))
        assert [m.extra for m in created] == [{"badge_no": 7}, {"shirt_size": "M"}]
        assert [[s.step for s in members.approval_steps(m)] for m in created] == \
            [[members.CORE_STEP, "sample_check"]] * 2
        assert all(("created", m.id) in ua_sample_plugin.EVENTS for m in created)


def test_import_gives_members_what_the_form_gives(client, officer_h, tree, ctx):
    from unionadmin.core.db import session
    from unionadmin.core.members import services as members

    body = upload(client, officer_h, xlsx([row(name="Đỗ  Thị Ánh", gender="Nữ")]), tree["G1"].id).json
    assert body["created"] == 1, body
    member = members_in(tree["G1"])[-1]
    assert (member.full_name, member.search_name, member.status) == ("Đỗ Thị Ánh", "do thi anh", "pending")
    assert member.sort_key == members.Member(full_name="Đỗ Thị Ánh").sort_key
    steps = members.approval_steps(member)
    assert [(s.step, s.round, s.position, s.decision) for s in steps] == [(members.CORE_STEP, 1, 0, None)]
    assert steps[0].submitted_at is not None
    assert [e.kind for e in members.events_of(member)] == ["created"]
    session().rollback()


# -- formulas (issue #15) -----------------------------------------------------------------------


def _with_sheet_xml(data: bytes, edit) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            content = source.read(info)
            copy.writestr(info, edit(content) if info.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


def test_formula_cells_are_errors_on_their_cell_not_empty_values(client, officer_h, tree):
    """A formula is refused on its own row and column, whether the file carries the value the
    program computed last (Excel) or none (openpyxl), shared or not; a formula in a column the
    import does not read is left alone; the other rows are imported."""
    number = cccd()
    rows = [row(),                                              # 2 ok
            row(name='="Trần Văn "&"Bình"'),                    # 3 formula, no cached value
            row(),                                              # 4 formula with a cached value
            row(),                                              # 5 shared formula (a dependent cell)
            row(number=number) + ["=1+1"]]                      # 6 formula in an unknown column
    data = xlsx(rows, HEADERS + ["Ghi chú"])

    def edit(xml: bytes) -> bytes:
        import re

        cached = b'<c r="A4" t="str"><f>UPPER("an")</f><v>AN</v></c>'
        shared = b'<c r="F5" t="str"><f t="shared" si="0"/><v>Kinh</v></c>'
        xml = re.sub(rb'<c r="A4"[^>]*>.*?</c>', cached, xml)
        return re.sub(rb'<c r="F5"[^>]*>.*?</c>', shared, xml)

    body = upload(client, officer_h, _with_sheet_xml(data, edit), tree["G1"].id).json
    assert body["created"] == 2 and body["error_rows"] == 3, body
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "Họ và tên"), (4, "Họ và tên"),
                                                                 (5, "Dân tộc")]
    assert all("công thức" in e["message"] for e in body["errors"])
    assert {m.citizen_id for m in members_in(tree["G1"])} >= {number}
