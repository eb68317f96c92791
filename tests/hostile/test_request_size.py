"""A request body far larger than any upload is refused before it is parsed or spooled to disk:
413 with a Vietnamese message, on the pages (session cookie) and the API (JWT) alike."""

from __future__ import annotations

import io

from tests.helpers import api_headers, csrf_token, make_user, web_login

HUGE = b"\0" * (40 * 1024 * 1024)


def test_a_huge_form_post_is_refused_in_vietnamese(app, prod_app, tree):
    officer = make_user(app, tree["G1"], "Officer")
    client = prod_app.test_client()
    web_login(client, officer.username)
    token = csrf_token(client.get("/imports/").get_data(as_text=True))
    # (Just past its limit the import names it: tests/hostile/test_uploads.py.)
    for path in ("/imports/", "/members/add"):
        resp = client.post(path, content_type="multipart/form-data",
                           data={"csrf_token": token, "unit_id": str(tree["G1"].id),
                                 "file": (io.BytesIO(HUGE), "m.xlsx")})
        assert resp.status_code == 413
        assert "quá lớn" in resp.get_data(as_text=True)
    resp = client.post("/members/add", content_type="multipart/form-data",
                       data={"csrf_token": token, "full_name": (io.BytesIO(HUGE), "x")})
    assert resp.status_code == 413
    assert "quá lớn" in resp.get_data(as_text=True)


def test_a_huge_api_body_is_413_in_vietnamese(app, prod_app, tree):
    client = prod_app.test_client()
    headers = api_headers(client, make_user(app, tree["G1"], "Officer").username)
    resp = client.post("/api/v1/member/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(HUGE), "m.xlsx"), "unit_id": str(tree["G1"].id)})
    assert resp.status_code == 413 and "quá lớn" in resp.json["message"]
    resp = client.post("/api/v1/member/", headers={**headers, "Content-Type": "application/json"},
                       data=b'{"full_name": "' + HUGE + b'"}')
    assert resp.status_code == 413 and "quá lớn" in resp.json["message"]
