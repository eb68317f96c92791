"""The receiver of a pending transfer (issue #15, point 8) sees the member and may accept or
refuse; it may not change the photo nor print the card, by any route, until it accepts. The
sender keeps every right meanwhile."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.cards_helpers import allocate, as_system, carded_member, jpeg
from tests.helpers import PASSWORD, csrf_token, make_user, web_login
from unionadmin.core.cards.models import MemberPhoto


@pytest.fixture
def pending(prod_app, tree):
    """A carded member of G1 whose transfer to G3 (another district) waits for G3."""
    from unionadmin.core.members import services

    allocate(prod_app, tree["P"])
    member = carded_member(prod_app, tree["G1"])
    as_system(prod_app, lambda: services.transfer(services.get(member["id"]),
                                                  to_unit_id=tree["G3"].id))
    return member


def bearer(client, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def photo_count(app, member_id: int) -> int:
    with app.app_context():
        return len(app.appbuilder.session.scalars(
            select(MemberPhoto.member_id).where(MemberPhoto.member_id == member_id)).all())


def put_photo(client, member_id: int, headers: dict[str, str]):
    return client.put(f"/api/v1/member/{member_id}/photo", headers=headers,
                      data={"file": (io.BytesIO(jpeg()), "anh.jpg")},
                      content_type="multipart/form-data")


def is_pdf(resp) -> bool:
    return resp.status_code == 200 and resp.data.startswith(b"%PDF")


def test_receiver_api_sees_but_cannot_change_photo_or_print(prod_app, tree, pending):
    client = prod_app.test_client()
    receiver = bearer(client, make_user(prod_app, tree["G3"], "Unit Admin").username)
    mid = pending["id"]
    # It sees the member (to decide on the transfer).
    assert client.get(f"/api/v1/member/{mid}", headers=receiver).status_code == 200
    resp = put_photo(client, mid, receiver)
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert "chuyển" in resp.json["message"]  # Vietnamese: accept or refuse the transfer
    assert photo_count(prod_app, mid) == 0
    resp = client.get(f"/api/v1/member/{mid}/card.pdf", headers=receiver)
    assert resp.status_code == 403 and not is_pdf(resp)
    for action, body in (("card", {"reason": "lost"}), ("revoke_card", {"reason": "x"})):
        resp = client.post(f"/api/v1/member/{mid}/{action}", json=body, headers=receiver)
        assert resp.status_code == 403, (action, resp.status_code)
    resp = client.put(f"/api/v1/member/{mid}", json={"address": "Nơi khác"}, headers=receiver)
    assert resp.status_code in (403, 404), resp.status_code


def test_receiver_pages_cannot_change_photo_or_print(prod_app, tree, pending):
    client = prod_app.test_client()
    user = make_user(prod_app, tree["G3"], "Unit Admin")
    assert web_login(client, user.username).status_code == 302
    mid = pending["id"]
    assert client.get(f"/members/show/{mid}").status_code == 200
    page = client.get(f"/cards/photo/{mid}")
    assert page.status_code in (302, 403), page.status_code
    token = csrf_token(client.get("/members/list/").get_data(as_text=True))
    resp = client.post(f"/cards/photo/{mid}", data={
        "csrf_token": token, "file": (io.BytesIO(jpeg()), "a.jpg")},
        content_type="multipart/form-data")
    assert resp.status_code in (302, 403) and photo_count(prod_app, mid) == 0
    assert not is_pdf(client.get(f"/cards/member/{mid}/card.pdf"))
    resp = client.post("/cards/print", data={"csrf_token": token, "rowid": [str(mid)]})
    assert not is_pdf(resp), resp.status_code
    resp = client.post(f"/members/lifecycle/{mid}/card", data={"csrf_token": token,
                                                                "reason": "lost"})
    assert resp.status_code in (302, 403, 404)
    with prod_app.app_context():
        from unionadmin.core.members.models import Member

        member = prod_app.appbuilder.session.get(Member, mid)
        assert member.card_number == pending["number"]  # no new card issued


def test_sender_keeps_its_rights_and_receiver_gains_them_on_accepting(prod_app, tree, pending):
    client = prod_app.test_client()
    sender = bearer(client, make_user(prod_app, tree["G1"], "Unit Admin").username)
    receiver = bearer(client, make_user(prod_app, tree["G3"], "Unit Admin").username)
    mid = pending["id"]
    assert put_photo(client, mid, sender).status_code == 200
    assert is_pdf(client.get(f"/api/v1/member/{mid}/card.pdf", headers=sender))
    assert client.post(f"/api/v1/member/{mid}/accept_transfer", json={},
                       headers=receiver).status_code == 200
    assert put_photo(client, mid, receiver).status_code == 200
    assert client.get(f"/api/v1/member/{mid}/card.pdf", headers=receiver).status_code in (200, 409)
    # The sender no longer reaches the member at all.
    assert put_photo(client, mid, sender).status_code == 404


def test_receiver_member_page_offers_no_card_or_photo_buttons(prod_app, tree, pending):
    """The member page shows the receiver what it may do (accept or refuse), not buttons that
    lead to a refusal; the sender still gets them."""
    mid = pending["id"]
    for unit, shown in ((tree["G3"], False), (tree["G1"], True)):
        client = prod_app.test_client()
        web_login(client, make_user(prod_app, unit, "Unit Admin").username)
        html = client.get(f"/members/show/{mid}").get_data(as_text=True)
        assert ('id="card-pdf"' in html) is shown and ('id="card-photo"' in html) is shown
