"""Hostile uploads against the app as `make run` configures it (issue #15, points 3, 7, 10, 12):
workbooks that would make the Excel reader allocate hundreds of gigabytes, zip bombs, encrypted
and malformed files, formula cells, formula injection in every xlsx the app writes, and photos
that are bombs, truncated, polyglots or not images at all."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import func, select

from tests.helpers import PASSWORD, api_headers, cccd, csrf_token, make_user, web_login

ROOT = Path(__file__).resolve().parents[2]  # the repository: `tests.helpers` imports from it
HEADERS = ["Họ và tên *", "Ngày sinh *", "Giới tính *", "Số CCCD *", "Ngày vào Công đoàn *"]
EVIL = '=HYPERLINK("http://evil.example","x")'


def _book(cells: dict[str, object], headers: bool = True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if headers:
        sheet.append(HEADERS)
        sheet.append(["Nguyễn Văn An", "01/05/1990", "Nam", cccd(), "01/02/2015"])
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _edit_sheet(data: bytes, edit) -> bytes:
    """The same workbook with its first sheet's XML passed through `edit`."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = edit(content)
            copy.writestr(info, content)
    return out.getvalue()


def _declared(ref: bytes):
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', xml)


def _unpositioned_far_cell(xml: bytes) -> bytes:
    """A cell with no `r`: calamine places it after the row's previous cell, in row 1048576."""
    far = b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace(b"</sheetData>", far + b"</sheetData>")


#: Workbooks of a few KB whose cells (or declared size) span a grid of up to 549 GB.
HUGE = {
    "cell_XFD1048576_with_headers": (lambda: _book({"XFD1048576": "x"}), "XFD1048576"),
    "only_cell_XFD1048576": (lambda: _book({"XFD1048576": "x"}, headers=False), "XFD1048576"),
    "cell_A1048576_with_headers": (lambda: _book({"A1048576": "x"}), "E1048576"),  # the corner
    "declared_A1_XFD1048576": (lambda: _edit_sheet(_book({}), _declared(b"A1:XFD1048576")),
                               "XFD1048576"),
    "cell_without_position_in_row_1048576": (lambda: _edit_sheet(_book({}), _unpositioned_far_cell),
                                             "E1048576"),
}

#: Run in a child process whose address space is capped: a reader that tries to allocate the
#: grid dies there (calamine aborts the process, no exception), not in the test run; the peak
#: RSS shows that the refusal came before any read.
CHILD = r"""
import json, resource, sys
args = json.loads(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (args["rlimit"], args["rlimit"]))
sys.path.insert(0, args["root"])
from tests.helpers import csrf_token, web_login
from unionadmin import create_app
from unionadmin.core.imports.cli import import_members

app = create_app({"SQLALCHEMY_DATABASE_URI": args["db_url"], "INSTANCE_PATH": args["instance"],
                  "UNIONADMIN_ADMIN_PASSWORD": args["admin_password"]})
client = app.test_client()
data = open(args["file"], "rb").read()
token = client.post("/api/v1/security/login", json={"username": args["username"],
    "password": args["password"], "provider": "db"}).json["access_token"]
bearer = {"Authorization": "Bearer " + token}
client.get("/api/v1/member/import_template", headers=bearer)  # warm up: openpyxl, calamine
client.post("/api/v1/member/import", headers=bearer, data={"unit_id": str(args["unit_id"])})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for dry in (True, False):
    resp = client.post("/api/v1/member/import", headers=bearer, content_type="multipart/form-data",
                       data={"file": (__import__("io").BytesIO(data), "m.xlsx"),
                             "unit_id": str(args["unit_id"]), "dry_run": "true" if dry else "false"})
    body = resp.get_json(silent=True)
    out[f"api dry={dry}"] = [resp.status_code, json.dumps(body, ensure_ascii=False) if body
                             else resp.get_data(as_text=True)]
web = app.test_client()
web_login(web, args["username"], args["password"])
page = web.get("/imports/").get_data(as_text=True)
for dry in (True, False):
    form = {"csrf_token": csrf_token(page), "unit_id": str(args["unit_id"]),
            "file": (__import__("io").BytesIO(data), "m.xlsx")}
    if dry:
        form["dry_run"] = "y"
    resp = web.post("/imports/", data=form, content_type="multipart/form-data")
    out[f"web dry={dry}"] = [resp.status_code, resp.get_data(as_text=True)]
for dry in (True, False):
    result = app.test_cli_runner().invoke(import_members, [args["file"], "--unit", args["unit_code"],
                                          "--as", args["username"]] + (["--dry-run"] if dry else []))
    out[f"cli dry={dry}"] = [result.exit_code, result.output]
out["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print("RESULT " + json.dumps(out))
"""


def _jobs_and_members(app, unit_id: int) -> tuple[int, int]:
    from unionadmin.core.members.models import Member
    from unionadmin.core.models import Job

    with app.app_context():
        db = app.appbuilder.session
        return (db.scalar(select(func.count()).select_from(Job)),
                db.scalar(select(func.count()).select_from(Member).where(Member.unit_id == unit_id)))


@pytest.mark.parametrize("case", sorted(HUGE))
def test_a_workbook_spanning_a_huge_grid_is_refused_before_any_read(app, db_url, tmp_path, tree, case):
    """Point 3: web form (CSRF), API (JWT) and command line, dry run and real: 422 (or a failed
    command) naming the cell in Vietnamese, nothing written, the process alive and its memory
    flat."""
    from tests.helpers import ADMIN_PASSWORD

    build, cell = HUGE[case]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(build())
    assert path.stat().st_size < 20_000
    officer = make_user(app, tree["G1"], "Officer")
    before = _jobs_and_members(app, tree["G1"].id)
    args = {"rlimit": 3 << 30, "root": str(ROOT), "db_url": db_url, "instance": str(tmp_path),
            "admin_password": ADMIN_PASSWORD, "file": str(path), "username": officer.username,
            "password": PASSWORD, "unit_id": tree["G1"].id, "unit_code": tree["G1"].code}
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True,
                           text=True, timeout=300, cwd=ROOT)
    assert child.returncode == 0, f"the import process died ({child.returncode}): {child.stderr[-2000:]}"
    out = json.loads(child.stdout.split("RESULT ", 1)[1])
    for surface in ("api", "web"):
        for dry in (True, False):
            status, body = out[f"{surface} dry={dry}"]
            assert status == 422, (surface, dry, status, body[:500])
            assert cell in body and "vượt xa" in body, (surface, dry, body[:2000])
    for dry in (True, False):
        code, output = out[f"cli dry={dry}"]
        assert code != 0 and cell in output, (dry, output)
    assert out["rss_growth_mb"] < 150, out["rss_growth_mb"]
    assert _jobs_and_members(app, tree["G1"].id) == before


# -- other hostile workbooks, through the web form as a browser sends it -------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


MALFORMED = {
    "zip_bomb": lambda: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                              "xl/worksheets/sheet1.xml": b"<c>" * (120 << 20)}),
    "truncated": lambda: _book({})[:1500],
    "not_a_workbook_with_xlsx_name": lambda: b"<html><script>alert(1)</script></html>",
    "zip_without_workbook": lambda: _zip({"hello.txt": b"hello"}),
    "workbook_xml_broken": lambda: _zip({"xl/workbook.xml": b"<workbook><sheets><sheet",
                                         "xl/_rels/workbook.xml.rels": b"<Relationships/>"}),
    "sheet_xml_broken": lambda: _edit_sheet(_book({}), lambda xml: xml[: len(xml) // 2]),
}


@pytest.fixture
def officer_web(prod_app, app, tree):
    officer = make_user(app, tree["G1"], "Officer")
    client = prod_app.test_client()
    web_login(client, officer.username)
    return client


def _web_upload(client, unit_id: int, data: bytes, dry_run: bool = False):
    page = client.get("/imports/")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token(page.get_data(as_text=True)), "unit_id": str(unit_id),
            "file": (io.BytesIO(data), "m.xlsx")}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/imports/", data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_workbooks_are_422_in_vietnamese(app, officer_web, tree, case):
    before = _jobs_and_members(app, tree["G1"].id)
    resp = _web_upload(officer_web, tree["G1"].id, MALFORMED[case]())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, (case, resp.status_code)
    assert "ua-error" in html and ("Excel" in html or "tệp" in html.lower()), case
    assert _jobs_and_members(app, tree["G1"].id) == before


def test_an_encrypted_workbook_is_refused_by_the_api(app, prod_client, tree):
    """A real OLE/CFB container (as Excel writes a password-protected xlsx) with the
    EncryptionInfo and EncryptedPackage streams."""
    data = _cfb({"EncryptionInfo": (b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * 200).ljust(4096, b"\0"),
                 "EncryptedPackage": b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"\x5a" * 4096})
    officer = make_user(app, tree["G1"], "Officer")
    headers = api_headers(prod_client, officer.username)
    before = _jobs_and_members(app, tree["G1"].id)
    for dry in ("true", "false"):
        resp = prod_client.post("/api/v1/member/import", headers=headers, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), "m.xlsx"), "unit_id": str(tree["G1"].id),
                                      "dry_run": dry})
        assert resp.status_code == 422
        assert "mật khẩu" in resp.json["message"]["file"][0]
    assert _jobs_and_members(app, tree["G1"].id) == before


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (MS-CFB v3, 512-byte sectors) with these streams, each stored in
    regular sectors (so each must be 4,096 bytes or more: smaller ones live in a mini stream)."""
    import struct

    sector = 512
    names = list(streams)
    assert all(len(body) >= 4096 for body in streams.values())
    bodies = [streams[n].ljust(-(-len(streams[n]) // sector) * sector, b"\0") for n in names]
    data_sectors: list[tuple[int, int]] = []  # (first sector, count) per stream
    next_free = 2  # sector 0: FAT, sector 1: directory
    for body in bodies:
        count = -(-len(body) // sector)
        data_sectors.append((next_free, count))
        next_free += count
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # FAT sector, end of the directory chain
    for first, count in data_sectors:
        fat += [first + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    assert len(fat) <= sector // 4
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<iii", -1, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<iI", start, size) + b"\0" * 4)

    directory = entry("Root Entry", 5, 1, -1, -2, 0)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else -1
        directory += entry(name, 2, -1, right, data_sectors[index][0], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)
    body = b"".join(bodies)
    return header.ljust(sector, b"\0") + struct.pack(f"<{sector // 4}I", *fat) + directory + body


def test_an_oversized_upload_is_422_before_it_is_read(app, prod_app, officer_web, tree):
    big = b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024)
    resp = _web_upload(officer_web, tree["G1"].id, big)
    assert resp.status_code == 422 and "20 MB" in resp.get_data(as_text=True)
    client = prod_app.test_client()
    headers = api_headers(client, make_user(app, tree["G1"], "Officer").username)
    resp = client.post("/api/v1/member/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(big), "m.xlsx"), "unit_id": str(tree["G1"].id)})
    assert resp.status_code == 422 and "20 MB" in resp.json["message"]["file"][0]


# -- formulas: refused on the way in, never written on the way out -------------------------------


def test_formula_cells_in_an_import_are_errors_on_their_cell(app, officer_web, tree):
    """Point 10, through the web form: a formula is an error on its row and column (with or
    without a value computed by the program that saved it); the other rows are imported."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["Nguyễn Văn An", "01/05/1990", "Nam", cccd(), "01/02/2015"])
    sheet.append(['="Trần Thị "&"Bích"', "01/05/1990", "Nữ", cccd(1990, "female"), "01/02/2015"])
    sheet.append(["Lê Văn Cường", "01/05/1990", "Nam", cccd(), "01/02/2015"])
    out = io.BytesIO()
    workbook.save(out)
    cached = b'<c r="A4" t="str"><f>UPPER("le van cuong")</f><v>LE VAN CUONG</v></c>'
    data = _edit_sheet(out.getvalue(), lambda xml: re.sub(rb'<c r="A4"[^>]*>.*?</c>', cached, xml))
    resp = _web_upload(officer_web, tree["G1"].id, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    state = _wait_for_job(officer_web, int(resp.location.rstrip("/").split("/")[-1]))
    assert state["created"] == 1 and state["error_rows"] == 2, state
    assert [(e["row"], e["field"]) for e in state["errors"]] == [(3, "Họ và tên"), (4, "Họ và tên")]
    assert all("công thức" in e["message"] for e in state["errors"]), state["errors"]


def _wait_for_job(client, job_id: int) -> dict:
    import time

    for _ in range(100):
        state = client.get(f"/api/v1/member/import/{job_id}").json
        if state["status"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError(state)


HOSTILE_TEXT = [EVIL, "+1+2", "-3+4", "@SUM(A1:A9)", "\t=1+2", "\r=1+2", "\uff1d1+2"]


def _member_with(client, headers, unit, **fields):
    body = {"full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-01", "gender": "male",
            "joined_on": "2015-01-01", "unit_id": unit.id, "citizen_id": cccd(1990, "male")}
    body.update(fields)
    resp = client.post("/api/v1/member/", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json["id"]


def _no_formula(data: bytes) -> list:
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return [c.value for c in cells]


def test_no_xlsx_the_app_writes_holds_a_formula(app, prod_app, tree):
    """Point 7: the member export, a report export, the import template and the error file of
    rejected rows, each read back with openpyxl: hostile text is text (with OWASP's leading
    apostrophe), numbers and dates stay typed."""
    import datetime as dt

    client = prod_app.test_client()
    officer = make_user(app, tree["G2"], "Officer")
    headers = api_headers(client, officer.username)
    stored = set()
    for index, text in enumerate(HOSTILE_TEXT):
        member_id = _member_with(client, headers, tree["G2"], address=text, hometown=text,
                                 occupation=text if index else "Công nhân")
        stored.add(client.get(f"/api/v1/member/{member_id}", headers=headers).json["result"]["address"])
    assert len(stored) >= 5  # (the form trims the tab and carriage return)
    exported = client.get("/api/v1/member/export", headers=headers)
    assert exported.status_code == 200
    values = _no_formula(exported.data)
    for text in stored:
        assert "'" + text in values
    assert dt.datetime(1990, 5, 1) in values  # dates stay dates

    report = client.get(f"/api/v1/report/members?unit_id={tree['G2'].id}&format=xlsx"
                        "&columns=full_name,address,date_of_birth", headers=headers)
    assert report.status_code == 200
    values = _no_formula(report.data)
    assert "'" + EVIL in values and dt.datetime(1990, 5, 1) in values

    template = client.get("/api/v1/member/import_template", headers=headers)
    _no_formula(template.data)

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS + ["Nơi ở hiện nay"])
    sheet.append(["Nguyễn Văn An", "01/05/1990", "Khác", cccd(), "01/02/2015", "x"])
    out = io.BytesIO()
    workbook.save(out)
    # a text cell (not a formula) whose text is a formula: the error file must not make it one
    data = _edit_sheet(out.getvalue(), lambda xml: xml.replace(b"<t>x</t>", b"<t>" + EVIL.replace(
        '"', "&quot;").encode() + b"</t>"))
    body = client.post("/api/v1/member/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "m.xlsx"), "unit_id": str(tree["G2"].id)}).json
    state = _wait_for_job(_bearer(client, headers), body["job_id"])
    assert state["error_rows"] == 1, state
    errors = client.get(f"/api/v1/member/import/{body['job_id']}/errors.xlsx", headers=headers)
    assert errors.status_code == 200
    assert "'" + EVIL in _no_formula(errors.data)


class _bearer:
    """A client whose GETs carry the token (for `_wait_for_job`)."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def get(self, url):
        return self.client.get(url, headers=self.headers)


def test_an_exported_hostile_address_imports_back_unchanged(app, prod_app, tree):
    """The apostrophe the export adds is taken off by the import: the same member comes back."""
    from unionadmin.core.members.models import Member

    client = prod_app.test_client()
    officer = make_user(app, tree["G3"], "Officer")
    headers = api_headers(client, officer.username)
    member_id = _member_with(client, headers, tree["G3"], address=EVIL, phone="0912345678")
    exported = client.get("/api/v1/member/export", headers=headers).data
    with app.app_context():
        db = app.appbuilder.session
        from unionadmin.core.members.models import MemberApproval, MemberEvent

        db.execute(MemberEvent.__table__.delete().where(MemberEvent.member_id == member_id))
        db.execute(MemberApproval.__table__.delete().where(MemberApproval.member_id == member_id))
        db.execute(Member.__table__.delete().where(Member.id == member_id))
        db.commit()
    body = client.post("/api/v1/member/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(exported), "m.xlsx"),
                             "unit_id": str(tree["G3"].id)}).json
    state = _wait_for_job(_bearer(client, headers), body["job_id"])
    assert state["created"] == 1, state
    with app.app_context():
        addresses = app.appbuilder.session.scalars(
            select(Member.address).where(Member.unit_id == tree["G3"].id)).all()
    assert addresses == [EVIL]


# -- member photos ------------------------------------------------------------------------------


def _jpeg(size=(300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 80)).save(out, "JPEG")
    return out.getvalue()


def _png(size=(300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 80)).save(out, "PNG")
    return out.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring a huge image, with a few bytes of data (a decompression
    bomb as a probe sends it)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(
        b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(_jpeg((64, 64)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def _zip_polyglot() -> bytes:
    return _jpeg() + _zip({"evil.html": b"<script>alert(1)</script>"})


BAD_PHOTOS = {
    "oversized": lambda: _jpeg() + b"\0" * (5 * 1024 * 1024),
    "truncated_jpeg": lambda: _jpeg()[:600],
    "truncated_png": lambda: _png()[:300],
    "png_bomb_declared_65535x65535": lambda: _png_declaring(65535, 65535),
    "png_bomb_declared_20000x20000": lambda: _png_declaring(20000, 20000),
    "png_declared_8000x8000": lambda: _png_declaring(8000, 8000),
    "png_declared_10000x10000": lambda: _png_declaring(10000, 10000),
    "jpeg_declared_65000x65000": lambda: _jpeg_declaring(65000, 65000),
    "html_named_jpg": lambda: b"<html><body><script>alert(document.cookie)</script></body></html>",
    "svg_named_png": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "zip_named_jpg": lambda: _zip({"a.txt": b"hello"}),
    "gif": lambda: _gif(),
    "empty": lambda: b"",
    "pdf": lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
}


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400)).save(out, "GIF")
    return out.getvalue()


@pytest.fixture
def photo_member(app, tree):
    from tests.cards_helpers import allocate, carded_member

    allocate(app, tree["P"])
    return carded_member(app, tree["G1"])


def _photo_page_post(client, member_id: int, data: bytes, name: str):
    page = client.get(f"/cards/photo/{member_id}")
    assert page.status_code == 200
    return client.post(f"/cards/photo/{member_id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("case", sorted(BAD_PHOTOS))
def test_hostile_photos_are_a_clear_4xx_in_vietnamese(app, prod_app, tree, photo_member, case):
    from unionadmin.core.cards.models import MemberPhoto

    data = BAD_PHOTOS[case]()
    name = "anh.png" if "png" in case else "anh.jpg"
    officer = make_user(app, tree["G1"], "Officer")
    api = prod_app.test_client()
    headers = api_headers(api, officer.username)
    resp = api.put(f"/api/v1/member/{photo_member['id']}/photo", headers=headers,
                   data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert resp.status_code == 422, (case, resp.status_code, resp.get_data(as_text=True)[:300])
    message = resp.json["message"]["file"][0]
    assert re.search(r"[À-ỹ]", message), message  # Vietnamese
    web = prod_app.test_client()
    web_login(web, officer.username)
    page = _photo_page_post(web, photo_member["id"], data, name)
    assert page.status_code == 422 and message in page.get_data(as_text=True), case
    with app.app_context():
        assert app.appbuilder.session.get(MemberPhoto, photo_member["id"]) is None


POLYGLOTS = {
    "jpeg_then_zip": _zip_polyglot,
    "jpeg_with_html_comment": lambda: _jpeg_with_comment(b"<html><script>alert(1)</script></html>"),
    "png_then_html": lambda: _png() + b"<html><script>alert(1)</script></html>",
}


def _jpeg_with_comment(comment: bytes) -> bytes:
    data = _jpeg()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return data[:2] + segment + data[2:]


@pytest.mark.parametrize("case", sorted(POLYGLOTS))
def test_a_polyglot_photo_is_stored_re_encoded(app, prod_app, tree, photo_member, case):
    """A picture that is also HTML or a zip is accepted as the picture it shows, and what comes
    back is a new JPEG: none of the smuggled bytes."""
    data = POLYGLOTS[case]()
    officer = make_user(app, tree["G1"], "Officer")
    web = prod_app.test_client()
    web_login(web, officer.username)
    resp = _photo_page_post(web, photo_member["id"], data, "anh.png" if "png" in case else "anh.jpg")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    got = web.get(f"/api/v1/member/{photo_member['id']}/photo",
                  headers=api_headers(prod_app.test_client(), officer.username))
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert got.data != data and b"<script" not in got.data and b"evil.html" not in got.data
    assert got.data.startswith(b"\xff\xd8") and Image.open(io.BytesIO(got.data)).format == "JPEG"
