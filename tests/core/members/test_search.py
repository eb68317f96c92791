"""Member search: accent- and case-free names, exact ID, card and phone numbers, within scope."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import api_headers, cccd, make_user, member_data
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.members import services


def _make(app, unit, **over) -> int:
    with app.test_request_context(), acting_as(SYSTEM):
        return services.create(member_data(unit, **over)).id


def _ids(client, h, q: str) -> list[int]:
    resp = client.get("/api/v1/member/search", query_string={"q": q}, headers=h)
    assert resp.status_code == 200, resp.json
    return [m["id"] for m in resp.json["result"]]


def test_search_by_name_id_card_phone_within_scope(client, app, tree):
    from tests.cards_helpers import allocate

    tag = tree["tag"]
    name = f"Đỗ Đức Đạt {''.join(chr(ord('a') + int(c, 16)) for c in tag)}"
    number, phone = cccd(), f"09{tag[:0]}{int(tag, 16) % 10**8:08d}"
    mid = _make(app, tree["G1"], full_name=name, citizen_id=number, phone=phone,
                date_of_birth=dt.date(1990, 5, 1))
    other = _make(app, tree["G3"], full_name=name)
    allocate(app, tree["P"])
    with app.test_request_context(), acting_as(SYSTEM):
        card = services.approve(services.get(mid)).card_number
    officer = make_user(app, tree["G1"], "Officer")
    h = api_headers(client, officer.username)
    folded = "do duc dat " + name.split()[-1]
    assert _ids(client, h, folded) == [mid]  # G3's namesake is outside the scope
    assert _ids(client, h, folded.upper()) == [mid]
    assert _ids(client, h, number) == [mid]
    assert _ids(client, h, f"{number[:4]} {number[4:8]} {number[8:]}") == [mid]
    assert _ids(client, h, phone) == [mid] and _ids(client, h, "+84" + phone[1:]) == [mid]
    assert _ids(client, h, card) == [mid] and _ids(client, h, card.lower()) == [mid]
    upper = make_user(app, tree["P"], "Viewer")
    assert set(_ids(client, api_headers(client, upper.username), folded)) == {mid, other}
    assert client.get("/api/v1/member/search?q=a", headers=h).status_code == 400
    assert client.get("/api/v1/member/search?q=ab&page_size=x", headers=h).status_code == 400
    resp = client.get("/api/v1/member/search", query_string={"q": folded, "page_size": 500}, headers=h)
    assert resp.status_code == 200 and set(resp.json) == {"count", "result"}


def test_incoming_transfer_found_by_receiver(client, app, tree):
    from tests.cards_helpers import allocate

    allocate(app, tree["P"])
    mid = _make(app, tree["G1"], full_name="Vũ Thị Chuyển", gender="female",
                citizen_id=cccd(1990, "female"))
    with app.test_request_context(), acting_as(SYSTEM):
        services.approve(services.get(mid))
        services.transfer(services.get(mid), to_unit_id=tree["G3"].id)
    receiver = make_user(app, tree["G3"], "Approver")
    assert mid in _ids(client, api_headers(client, receiver.username), "vu thi chuyen")


@pytest.mark.parametrize("as_array", [False, True], ids=["unit-list", "unit-array"])
def test_transfers_seen_once_by_receiver_and_never_outside(client, app, tree, monkeypatch, as_array):
    """Scope of members with a pending transfer, with the subtree's unit ids passed as a list of
    parameters and (as for a district or a province) as one array."""
    from tests.cards_helpers import allocate
    from unionadmin.core import scope

    if as_array:
        monkeypatch.setattr(scope, "_LIST_UNITS", 0)
    allocate(app, tree["P"])
    tag = "".join(chr(ord("a") + int(c, 16)) for c in tree["tag"])
    inside = _make(app, tree["G1"], full_name=f"Lê Văn Nội {tag}", citizen_id=cccd())
    across = _make(app, tree["G1"], full_name=f"Lê Văn Ngoại {tag}", citizen_id=cccd())
    with app.test_request_context(), acting_as(SYSTEM):
        for mid in (inside, across):
            services.approve(services.get(mid))
        services.transfer(services.get(inside), to_unit_id=tree["G2"].id)  # both under U1
        services.transfer(services.get(across), to_unit_id=tree["G3"].id)  # from U1 to U2
    folded = "le van"
    upper = api_headers(client, make_user(app, tree["U1"], "Viewer").username)
    assert sorted(_ids(client, upper, folded)) == sorted([inside, across])
    resp = client.get("/api/v1/member/", headers=upper)
    assert resp.status_code == 200 and resp.json["count"] == len(set(resp.json["ids"]))
    receiver = api_headers(client, make_user(app, tree["U2"], "Viewer").username)
    assert _ids(client, receiver, folded) == [across]  # the incoming transfer, nothing else
    assert client.get(f"/api/v1/member/{inside}", headers=receiver).status_code == 404
    assert client.get(f"/api/v1/member/{across}", headers=receiver).status_code == 200
    outsider = api_headers(client, make_user(app, tree["D1"], "Viewer").username)
    assert _ids(client, outsider, folded) == []
    assert client.get(f"/api/v1/member/{across}", headers=outsider).status_code == 404
