"""Card numbers: Luhn check digit over prefix + serial, national uniqueness, ranges (admin only)."""

from __future__ import annotations

import pytest

from tests.helpers import ADMIN_PASSWORD, api_headers, make_user, uid
from unionadmin.core.cards import numbering


def test_luhn_known_values():
    assert numbering.luhn_digit("7992739871") == "3"  # the textbook example
    assert numbering.format_number("75", 1) == "750000001" + numbering.luhn_digit("750000001")
    # letters count as two digits, A=10 ... Z=35 (IBAN style)
    assert numbering.luhn_digit("DN0000001") == numbering.luhn_digit("13230000001")


def test_check_digit_catches_single_errors_and_most_swaps():
    number = numbering.format_number("DN", 1234567)
    assert numbering.is_valid(number) and len(number) == 2 + numbering.SERIAL_DIGITS + 1
    for i, ch in enumerate(number):
        for other in "0123456789":
            if other != ch and (ch.isdigit() or i >= 2):
                assert not numbering.is_valid(number[:i] + other + number[i + 1:])
    swapped = number[:3] + number[4] + number[3] + number[5:]
    assert swapped == number or not numbering.is_valid(swapped)
    assert not numbering.is_valid("") and not numbering.is_valid("dn12345678")


def test_numbers_of_different_prefixes_never_collide():
    seen = {numbering.format_number(p, s) for p in ("7", "75", "750", "DN") for s in range(200)}
    assert len(seen) == 800


@pytest.fixture
def admin_h(client):
    return api_headers(client, "admin", ADMIN_PASSWORD)


def test_range_api_admin_only_and_rules(client, admin_h, app, tree):
    prefix = uid()
    body = {"unit_id": tree["P"].id, "prefix": prefix.lower(), "end_serial": 500}
    resp = client.post("/api/v1/card_range/", json=body, headers=admin_h)
    assert resp.status_code == 201, resp.json
    result = resp.json["result"]
    assert (result["prefix"], result["start_serial"], result["next_serial"], result["size"]) == (
        prefix, 1, 1, 500)
    assert client.post("/api/v1/card_range/", json=body, headers=admin_h).status_code == 422  # dup
    for bad, field in [({"unit_id": tree["G1"].id}, "unit_id"), ({"prefix": "A-1"}, "prefix"),
                       ({"end_serial": 10**numbering.SERIAL_DIGITS}, "end_serial"),
                       ({"unit_id": 99999999}, "unit_id")]:
        resp = client.post("/api/v1/card_range/", json={**body, "prefix": uid(), **bad}, headers=admin_h)
        assert resp.status_code == 422 and field in resp.json["message"], (bad, resp.json)
    rid = result["id"]
    resp = client.put(f"/api/v1/card_range/{rid}", json={"end_serial": 900}, headers=admin_h)
    assert resp.status_code == 200 and resp.json["result"]["end_serial"] == 900
    unit_admin = make_user(app, tree["P"], "Unit Admin")
    h = api_headers(client, unit_admin.username)
    assert client.get("/api/v1/card_range/", headers=h).status_code == 403
    assert client.post("/api/v1/card_range/", json={**body, "prefix": uid()}, headers=h).status_code == 403


def test_range_page_for_admin(client, app, tree):
    from tests.helpers import web_login, web_logout

    web_login(client, "admin", ADMIN_PASSWORD)
    assert client.get("/card_ranges/list/").status_code == 200
    assert client.get("/card_ranges/add").status_code == 200
    officer = make_user(app, tree["G1"], "Officer")
    web_logout(client)
    web_login(client, officer.username)
    assert client.get("/card_ranges/list/").status_code in (302, 403)


def test_serials_are_taken_once(app, tree):
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.cards import services as cards

    with app.test_request_context(), acting_as(SYSTEM):
        item = cards.create({"unit_id": tree["P"].id, "prefix": uid(), "end_serial": 3})
        rid = item.id
        taken = [numbering.take_serial(rid) for _ in range(4)]
        app.appbuilder.session.commit()
    assert taken == [1, 2, 3, None]
