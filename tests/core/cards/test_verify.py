"""The public /verify/<token> page (issue #5): valid, then not after re-issue, revocation or
leaving; unknown tokens; JSON; phone layout; rate limit."""

from __future__ import annotations

from tests.cards_helpers import allocate, as_system, carded_member
from tests.helpers import build_app

JSON = {"Accept": "application/json"}


def _json(client, token):
    resp = client.get(f"/verify/{token}", headers=JSON)
    assert resp.status_code == 200
    return resp.json


def test_valid_card_then_invalid_after_reissue(app, tree, client):
    from unionadmin.core.members import services

    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"], full_name="Nguyễn Văn An")
    assert _json(client, member["token"]) == {
        "valid": True, "card_number": member["number"], "unit": tree["G1"].name,
        "holder": "Nguyễn V. A."}
    as_system(app, lambda: services.card(services.get(member["id"]), "lost"))
    old = _json(client, member["token"])
    assert old["valid"] is False and old["card_number"] == member["number"]
    new_token = as_system(app, lambda: services.get(member["id"]).card_token)
    assert new_token != member["token"] and _json(client, new_token)["valid"] is True


def test_invalid_after_revoke_and_after_leaving(app, tree, client):
    from unionadmin.core.members import services

    allocate(app, tree["P"])
    revoked = carded_member(app, tree["G2"])
    as_system(app, lambda: services.revoke_card(services.get(revoked["id"]), "hỏng"))
    assert _json(client, revoked["token"])["valid"] is False
    leaving = carded_member(app, tree["G2"])
    assert _json(client, leaving["token"])["valid"] is True
    as_system(app, lambda: services.leave(services.get(leaving["id"]), "left", None, "nghỉ việc"))
    assert _json(client, leaving["token"])["valid"] is False


def test_unknown_token_is_200_invalid(client):
    assert _json(client, "khong-co-the-nay") == {"valid": False}
    page = client.get("/verify/khong-co-the-nay")
    assert page.status_code == 200 and 'data-valid="false"' in page.get_data(as_text=True)


def test_page_needs_no_login_and_fits_a_phone(app, tree, client):
    allocate(app, tree["P"])
    member = carded_member(app, tree["G1"], full_name="Trần Thị Bích Ngọc")
    resp = client.get(f"/verify/{member['token']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'lang="vi"' in html and 'data-valid="true"' in html
    assert "Trần T. B. N." in html and member["number"] in html
    assert "Trần Thị Bích Ngọc" not in html  # the full name is never shown
    assert "max-width" in html and "login" not in resp.headers.get("Location", "")


def test_verify_is_rate_limited(db_url, tmp_path):
    limited = build_app(db_url, tmp_path, RATELIMIT_ENABLED=True,
                        UNIONADMIN_VERIFY_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.get("/verify/abc", headers=JSON).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429
