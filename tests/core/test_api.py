"""REST API for units and members: shapes, filters, ordering, counts, 422 not 500."""

import datetime as dt

import pytest

from tests.helpers import api_headers, cccd, make_user
from unionadmin.core.members import services as members


@pytest.fixture
def admin_h(client):
    from tests.helpers import ADMIN_PASSWORD

    return api_headers(client, "admin", ADMIN_PASSWORD)


UNIT_KEYS = {"id", "code", "name", "level", "parent_id", "sector", "member_target",
             "worker_count", "address", "founded_on", "dissolved_on", "active"}
MEMBER_KEYS = {"id", "full_name", "date_of_birth", "gender", "ethnicity", "religion", "id_type",
               "citizen_id", "old_id_number", "phone", "email", "hometown", "address",
               "education_level", "qualification", "occupation", "union_position",
               "party_member", "joined_on", "unit_id", "status", "card_number",
               "card_verify_url"}


def test_unit_crud_shapes(client, admin_h, tree):
    body = {"code": f"NEW-{tree['tag']}", "name": "Công đoàn cơ sở Công ty Mới",
            "level": "grassroots", "parent_id": tree["U1"].id, "sector": "fdi",
            "member_target": 120, "founded_on": "01/02/2020"}
    resp = client.post("/api/v1/unit/", json=body, headers=admin_h)
    assert resp.status_code == 201, resp.json
    assert set(resp.json["result"]) == UNIT_KEYS
    assert resp.json["result"]["founded_on"] == "2020-02-01"
    uid = resp.json["id"]
    resp = client.put(f"/api/v1/unit/{uid}", json={"member_target": 150}, headers=admin_h)
    assert resp.status_code == 200 and resp.json["result"]["member_target"] == 150
    assert client.get(f"/api/v1/unit/{uid}", headers=admin_h).json["result"]["code"] == body["code"]


@pytest.mark.parametrize("body, field", [
    ({"name": "Thiếu mã", "level": "grassroots"}, "code"),
    ({"code": "DUP", "name": "Trùng mã", "level": "grassroots"}, "code"),
    ({"code": "Z1", "name": "Cha không có", "level": "grassroots", "parent_id": 99999999}, "parent_id"),
    ({"code": "Z2", "name": "Cấp sai", "level": "nation"}, "level"),
    ({"code": "Z3", "name": "Số âm", "level": "grassroots", "member_target": -1}, "member_target"),
    ({"code": "Z4", "name": "Chữ", "level": "grassroots", "member_target": "many"}, "member_target"),
])
def test_unit_bad_input_is_422_in_vietnamese(client, admin_h, tree, body, field):
    body = dict(body)
    body.setdefault("parent_id", tree["U1"].id)
    if body.get("code") == "DUP":
        body["code"] = tree["G1"].code
    elif "code" in body:
        body["code"] += tree["tag"]
    resp = client.post("/api/v1/unit/", json=body, headers=admin_h)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["message"]
    text = " ".join(resp.json["message"][field])
    assert any(ch in text for ch in "ăâđêôơưàảãáạ"), text  # Vietnamese


def test_unit_errors_in_english_on_request(client, admin_h, tree):
    resp = client.post("/api/v1/unit/?_l_=en", json={"name": "x", "level": "grassroots",
                                                     "parent_id": tree["U1"].id}, headers=admin_h)
    assert resp.status_code == 422
    assert resp.json["message"]["code"] == ["This field is required."]


def test_unit_filters(client, admin_h, tree):
    q = f"(filters:!((col:subtree_of,opr:eq,value:{tree['U1'].id})),page_size:100)"
    ids = set(client.get(f"/api/v1/unit/?q={q}", headers=admin_h).json["ids"])
    assert ids == {tree["U1"].id, tree["G1"].id, tree["G2"].id, tree["D1"].id}
    q = f"(filters:!((col:parent_id,opr:eq,value:{tree['P'].id})))"
    assert set(client.get(f"/api/v1/unit/?q={q}", headers=admin_h).json["ids"]) == {
        tree["U1"].id, tree["U2"].id}
    q = f"(filters:!((col:code,opr:eq,value:'{tree['G3'].code}'),(col:level,opr:in,value:!(grassroots))))"
    assert client.get(f"/api/v1/unit/?q={q}", headers=admin_h).json["ids"] == [tree["G3"].id]
    q = f"(filters:!((col:name,opr:ct,value:'don vi g3 {tree['tag'].lower()}')))"
    assert client.get(f"/api/v1/unit/?q={q}", headers=admin_h).json["ids"] == [tree["G3"].id]
    resp = client.get("/api/v1/unit/?q=(filters:!((col:path,opr:eq,value:x)))", headers=admin_h)
    assert resp.status_code == 400


def test_unit_lookup_any_unit(client, tree):
    user = make_user(client.application, tree["G1"], "Officer")
    h = api_headers(client, user.username)
    resp = client.get(f"/api/v1/unit/lookup?code={tree['G3'].code}", headers=h)
    assert resp.status_code == 200
    assert resp.json == {"id": tree["G3"].id, "code": tree["G3"].code, "name": tree["G3"].name,
                         "level": "grassroots"}
    assert client.get("/api/v1/unit/lookup?code=NOPE-X", headers=h).status_code == 404


def _create(client, h, unit, **over):
    body = {"full_name": "Nguyễn Văn An", "date_of_birth": "1990-05-01", "gender": "male",
            "joined_on": "2015-01-01", "unit_id": unit.id}
    body.update(over)
    body.setdefault("citizen_id", cccd(1990, body["gender"]))
    return client.post("/api/v1/member/", json=body, headers=h)


def test_member_create_shape_and_event(client, admin_h, tree):
    resp = _create(client, admin_h, tree["G1"], full_name="  Đỗ   Đức Đạt ",
                   citizen_id="075 090.1234 56"[:0] + cccd(1990, "male"), ethnicity="01")
    assert resp.status_code == 201, resp.json
    result = resp.json["result"]
    assert MEMBER_KEYS <= set(result)  # plugins may add fields
    assert result["full_name"] == "Đỗ Đức Đạt" and result["status"] == "pending"
    assert result["ethnicity"] == "Kinh" and result["card_number"] is None
    events = client.get(f"/api/v1/member/{resp.json['id']}/events", headers=admin_h).json
    assert [e["kind"] for e in events["result"]] == ["created"]
    assert events["result"][0]["actor"] == "admin"


@pytest.mark.parametrize("over, field", [
    ({"full_name": None}, "full_name"),
    ({"unit_id": 99999999}, "unit_id"),
    ({"unit_id": "abc"}, "unit_id"),
    ({"date_of_birth": "31/02/1990"}, "date_of_birth"),
    ({"date_of_birth": "2100-01-01"}, "date_of_birth"),
    ({"citizen_id": "12345"}, "citizen_id"),
    ({"full_name": "Nguyễn V4n An"}, "full_name"),
    ({"joined_on": "2000-01-01"}, "joined_on"),
    ({"phone": "12345"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"ethnicity": "Atlantis"}, "ethnicity"),
    ({"gender": "other"}, "gender"),
    ({"surprise": 1}, "surprise"),
])
def test_member_bad_input_is_422(client, admin_h, tree, over, field):
    body = {k: v for k, v in over.items() if v is not None}
    resp = _create(client, admin_h, tree["G1"], **body)
    if over.get("full_name", "x") is None:
        payload = {"date_of_birth": "1990-05-01", "gender": "male", "joined_on": "2015-01-01",
                   "unit_id": tree["G1"].id, "citizen_id": cccd()}
        resp = client.post("/api/v1/member/", json=payload, headers=admin_h)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["message"], resp.json


def test_member_cccd_must_match_birth_and_gender(client, admin_h, tree):
    wrong_gender = cccd(1990, "female")
    resp = _create(client, admin_h, tree["G1"], citizen_id=wrong_gender)
    assert resp.status_code == 422 and "citizen_id" in resp.json["message"]


def test_member_in_upper_unit_refused(client, admin_h, tree):
    resp = _create(client, admin_h, tree["U1"])
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]


def test_member_list_filters_order_and_count(client, admin_h, ctx, tree):
    names = ["Đỗ Đức Đạt", "Nguyễn Thị Bình", "Lê Văn Ân", "Trần Văn An"]
    from unionadmin.core.actor import SYSTEM, acting_as

    for name in names:
        gender = "female" if "Thị" in name else "male"
        with acting_as(SYSTEM):
            members.create({"full_name": name, "date_of_birth": dt.date(1990, 1, 1),
                            "gender": gender, "citizen_id": cccd(1990, gender),
                            "joined_on": dt.date(2015, 1, 1), "unit_id": tree["G2"].id})
    q = (f"(filters:!((col:unit_id,opr:eq,value:{tree['G2'].id})),"
         "order_column:full_name,order_direction:asc)")
    resp = client.get(f"/api/v1/member/?q={q}", headers=admin_h)
    assert resp.status_code == 200
    assert [m["full_name"] for m in resp.json["result"]] == [
        "Trần Văn An", "Lê Văn Ân", "Nguyễn Thị Bình", "Đỗ Đức Đạt"]
    assert resp.json["count"] == 4 and resp.json["count_exact"] is True
    assert set(resp.json) == {"count", "count_exact", "ids", "result"}
    q = (f"(filters:!((col:subtree_of,opr:eq,value:{tree['U1'].id}),"
         "(col:full_name,opr:ct,value:'do duc dat')))")
    resp = client.get(f"/api/v1/member/?q={q}", headers=admin_h)
    assert [m["full_name"] for m in resp.json["result"]] == ["Đỗ Đức Đạt"]
    q = (f"(filters:!((col:unit_id,opr:eq,value:{tree['G2'].id}),"
         "(col:status,opr:in,value:!(pending))),page_size:500)")
    resp = client.get(f"/api/v1/member/?q={q}", headers=admin_h)
    assert resp.json["count"] == 4 and len(resp.json["result"]) == 4
    resp = client.get("/api/v1/member/search?q=ĐỖ ĐỨC", headers=admin_h)
    assert resp.status_code == 200 and resp.json["count"] >= 1


def test_count_is_capped(client, admin_h, tree):
    app = client.application
    app.config["UNIONADMIN_COUNT_CAP"] = 2
    try:
        q = f"(filters:!((col:subtree_of,opr:eq,value:{tree['P'].id})))"
        resp = client.get(f"/api/v1/unit/?q={q}", headers=admin_h)
        assert resp.json["count"] == 3 and resp.json["count_exact"] is False
    finally:
        app.config["UNIONADMIN_COUNT_CAP"] = 10_000


def test_member_update_and_move_inside_grassroots_only(client, admin_h, tree):
    mid = _create(client, admin_h, tree["G1"]).json["id"]
    resp = client.put(f"/api/v1/member/{mid}", json={"phone": "+84 912 345 678",
                                                     "unit_id": tree["D1"].id}, headers=admin_h)
    assert resp.status_code == 200, resp.json
    assert resp.json["result"]["phone"] == "0912345678"
    assert resp.json["result"]["unit_id"] == tree["D1"].id
    resp = client.put(f"/api/v1/member/{mid}", json={"unit_id": tree["G2"].id}, headers=admin_h)
    assert resp.status_code == 422 and "unit_id" in resp.json["message"]
    kinds = [e["kind"] for e in
             client.get(f"/api/v1/member/{mid}/events", headers=admin_h).json["result"]]
    assert kinds == ["created", "edited"]


def test_duplicate_citizen_id_refused(client, admin_h, tree):
    number = cccd()
    assert _create(client, admin_h, tree["G1"], citizen_id=number).status_code == 201
    resp = _create(client, admin_h, tree["G3"], citizen_id=number)
    assert resp.status_code == 422 and "citizen_id" in resp.json["message"]


def test_openapi_and_swagger(client, admin_h):
    spec = client.get("/api/v1/_openapi", headers=admin_h)
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert {"/api/v1/member/", "/api/v1/unit/", "/api/v1/member/search"} <= set(paths)
    assert client.get("/swagger/v1").status_code in (200, 302)


def test_not_logged_in_is_401(client):
    assert client.get("/api/v1/member/").status_code == 401
