"""Member photos (issue #5): content checks, EXIF stripped, resized, events, audit, scope."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from tests.cards_helpers import allocate, as_system, carded_member, jpeg, pdf_text, png
from tests.helpers import api_headers, make_user
from unionadmin.core.cards.models import MemberPhoto
from unionadmin.core.cards.photos import PHOTO_SIZE


def _put(client, member_id, headers, data: bytes, name="anh.jpg"):
    return client.put(f"/api/v1/member/{member_id}/photo", headers=headers,
                      data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _officer(app, unit, client):
    return api_headers(client, make_user(app, unit, "Officer").username)


def test_upload_strips_exif_resizes_and_records(app, tree, client):
    from unionadmin.core.audit import AuditLog
    from unionadmin.core.members.models import MemberEvent

    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"], full_name="Bùi Thị Ảnh")
    headers = _officer(app, tree["G1"], client)
    resp = _put(client, member["id"], headers, jpeg(exif=True))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["id"] == member["id"] and resp.json["result"]["full_name"] == "Bùi Thị Ảnh"
    with app.app_context():
        db = app.appbuilder.session
        stored = db.get(MemberPhoto, member["id"]).image
        img = Image.open(io.BytesIO(stored))
        assert img.format == "JPEG" and img.size == PHOTO_SIZE
        assert not img.getexif() and b"SecretCam" not in stored
        kinds = db.scalars(select(MemberEvent.kind).where(MemberEvent.member_id == member["id"])).all()
        assert "photo_changed" in kinds
        assert db.scalar(select(AuditLog.id).where(AuditLog.action == "member.photo",
                                                   AuditLog.object_id == member["id"]))
    got = client.get(f"/api/v1/member/{member['id']}/photo", headers=headers)
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and got.data == stored
    # the card now carries the photo (an image besides the QR code)
    pdf = client.get(f"/api/v1/member/{member['id']}/card.pdf", headers=headers)
    assert pdf.status_code == 200 and b"/DCTDecode" in pdf.data
    assert "Bùi Thị Ảnh" in pdf_text(pdf.data)[0]


def test_png_is_accepted_and_replaces(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G2"])
    headers = _officer(app, tree["G2"], client)
    assert _put(client, member["id"], headers, jpeg()).status_code == 200
    assert _put(client, member["id"], headers, png(), "anh.png").status_code == 200


def test_bad_files_are_422_with_a_message(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    headers = _officer(app, tree["G1"], client)
    gif = io.BytesIO()
    Image.new("RGB", (300, 400)).save(gif, "GIF")
    huge = jpeg() + b"\0" * (5 * 1024 * 1024)
    for data, name in ((b"not an image at all", "anh.jpg"), (gif.getvalue(), "anh.gif"),
                       (jpeg()[:200], "cut.jpg"), (huge, "big.jpg"), (jpeg((20, 20)), "tiny.jpg")):
        resp = _put(client, member["id"], headers, data, name)
        assert resp.status_code == 422, (name, resp.status_code)
        assert resp.json["message"]["file"], name
    missing = client.put(f"/api/v1/member/{member['id']}/photo", headers=headers, data={},
                         content_type="multipart/form-data")
    assert missing.status_code == 422
    with app.app_context():
        assert app.appbuilder.session.get(MemberPhoto, member["id"]) is None


def test_bad_file_message_is_vietnamese_by_default_english_on_request(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    headers = _officer(app, tree["G1"], client)
    resp = client.put(f"/api/v1/member/{member['id']}/photo?_l_=en", headers=headers,
                      data={"file": (io.BytesIO(b"xx"), "a.jpg")}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "JPEG or PNG" in resp.json["message"]["file"][0]


def test_photo_scope(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    as_system(app, lambda: None)
    outside = _officer(app, tree["G3"], client)
    assert _put(client, member["id"], outside, jpeg()).status_code == 404
    assert client.get(f"/api/v1/member/{member['id']}/photo", headers=outside).status_code == 404
    viewer = api_headers(client, make_user(app, tree["G1"], "Viewer").username)
    assert _put(client, member["id"], viewer, jpeg()).status_code in (401, 403)


def test_photo_page_upload(app, tree, client):
    from tests.helpers import csrf_token, web_login, web_logout

    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"])
    officer = make_user(app, tree["G1"], "Officer")
    web_login(client, officer.username)
    page = client.get(f"/cards/photo/{member['id']}")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post(f"/cards/photo/{member['id']}", data={
        "csrf_token": token, "file": (io.BytesIO(b"xx"), "a.jpg")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and 'id="photo-error"' in bad.get_data(as_text=True)
    good = client.post(f"/cards/photo/{member['id']}", data={
        "csrf_token": token, "file": (io.BytesIO(jpeg()), "a.jpg")}, content_type="multipart/form-data")
    assert good.status_code == 302
    other = make_user(app, tree["G3"], "Officer")
    web_logout(client)
    web_login(client, other.username)
    assert client.get(f"/cards/photo/{member['id']}").status_code == 404
