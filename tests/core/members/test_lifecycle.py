"""The member's life: approval (steps, four eyes, race), transfers across provinces, suspension,
leaving, readmission, cards; through the services, the API and the pages, on both databases."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest

from tests.helpers import (
    ADMIN_PASSWORD,
    api_headers,
    cccd,
    csrf_token,
    make_user,
    member_data,
    uid,
    web_login,
    web_logout,
)
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.cards import numbering
from unionadmin.core.db import today
from unionadmin.core.errors import Conflict, ValidationError
from unionadmin.core.members import services
from unionadmin.plugins.hookspecs import hookimpl

TODAY = today()  # the business date: Viet Nam's, not the machine's (UTC)


# -- helpers ----------------------------------------------------------------------------------


def as_system(app, fn, *args: Any, **kwargs: Any) -> Any:
    with app.test_request_context(), acting_as(SYSTEM):
        return fn(*args, **kwargs)


def allocate(app, unit, prefix: str | None = None, size: int = 1000) -> str:
    from unionadmin.core.cards import services as cards

    prefix = prefix or uid()
    as_system(app, cards.create, {"unit_id": unit.id, "prefix": prefix, "end_serial": size})
    return prefix


def new_member(app, unit, **over: Any) -> int:
    return as_system(app, lambda: services.create(member_data(unit, **over)).id)


def province(app) -> dict[str, Any]:
    """A second province-level tree: P2 > U > G (> D)."""
    from unionadmin.core.units import services as units

    tag = uid()

    def unit(key, level, parent=None):
        made = units.create({"code": f"{key}-{tag}", "name": f"Tỉnh khác {key} {tag}",
                             "level": level, "parent_id": parent.id if parent else None})
        return type("U", (), {"id": made.id, "code": made.code, "name": made.name})()

    with app.test_request_context(), acting_as(SYSTEM):
        p = unit("P2", "province")
        u = unit("U", "upper", p)
        g = unit("G", "grassroots", u)
    return {"tag": tag, "P": p, "U": u, "G": g}


def periods(app, member_id: int) -> list[tuple]:
    from sqlalchemy import select

    from unionadmin.core.members.models import MembershipPeriod

    with app.app_context():
        rows = app.appbuilder.session.scalars(
            select(MembershipPeriod).where(MembershipPeriod.member_id == member_id)
            .order_by(MembershipPeriod.start_date, MembershipPeriod.id)).all()
        return [(r.unit_id, r.start_date, r.end_date, r.start_kind, r.end_kind) for r in rows]


def cards_of(app, member_id: int) -> list[tuple]:
    from sqlalchemy import select

    from unionadmin.core.cards.models import Card

    with app.app_context():
        rows = app.appbuilder.session.scalars(
            select(Card).where(Card.member_id == member_id).order_by(Card.id)).all()
        return [(c.number, c.token, c.revoked_on, c.reason, bool(c.qr_png)) for c in rows]


def kinds(client, h, member_id: int) -> list[str]:
    resp = client.get(f"/api/v1/member/{member_id}/events", headers=h)
    assert resp.status_code == 200, resp.json
    return [e["kind"] for e in resp.json["result"]]


def post(client, h, member_id: int, action: str, body: dict | None = None):
    return client.post(f"/api/v1/member/{member_id}/{action}", json=body or {}, headers=h)


@pytest.fixture
def admin_h(client):
    return api_headers(client, "admin", ADMIN_PASSWORD)


@pytest.fixture
def people(app, tree):
    """Accounts of the test province, by role and unit."""
    made = {}
    for key, unit, role in [("officer", "G1", "Officer"), ("approver", "G1", "Approver"),
                            ("approver_d1", "D1", "Approver"), ("approver_u1", "U1", "Approver"),
                            ("approver_g3", "G3", "Approver"), ("officer_g3", "G3", "Officer"),
                            ("officer_g2", "G2", "Officer"), ("viewer", "G1", "Viewer"),
                            ("unit_admin", "G1", "Unit Admin")]:
        made[key] = make_user(app, tree[unit], role)
    return made


@pytest.fixture
def h(client, people):
    cache: dict[str, dict] = {}

    def headers(key: str) -> dict[str, str]:
        if key not in cache:
            cache[key] = api_headers(client, people[key].username)
        return cache[key]

    return headers


@pytest.fixture
def prefix(app, tree):
    return allocate(app, tree["P"])


# -- approval ---------------------------------------------------------------------------------


def test_approve_activates_opens_period_and_issues_card(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"], joined_on=dt.date(2015, 3, 1))
    resp = post(client, h("approver"), mid, "approve")
    assert resp.status_code == 200, resp.json
    assert set(resp.json) == {"id", "result"} and resp.json["id"] == mid
    result = resp.json["result"]
    assert result == client.get(f"/api/v1/member/{mid}", headers=h("approver")).json["result"]
    assert result["status"] == "active"
    number = result["card_number"]
    assert number.startswith(prefix) and numbering.is_valid(number)
    token = cards_of(app, mid)[0][1]
    assert result["card_verify_url"] == f"{app.config['PUBLIC_BASE_URL']}/verify/{token}"
    assert len(token) >= 32 and cards_of(app, mid)[0][4]  # QR made at issue
    # joined in 2015, entered today: an existing member registered, not a new admission
    assert periods(app, mid) == [(tree["G1"].id, dt.date(2015, 3, 1), None, "registered", None)]
    assert kinds(client, h("approver"), mid) == ["created", "approved", "card_issued"]


def test_new_admission_period_kind(app, tree, prefix):
    mid = new_member(app, tree["G1"], joined_on=TODAY)
    as_system(app, lambda: services.approve(services.get(mid)))
    assert periods(app, mid)[0][3] == "admitted"


def test_state_that_does_not_allow_it_is_409_and_changes_nothing(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    assert post(client, h("approver"), mid, "approve").status_code == 200
    before = kinds(client, h("approver"), mid)
    for action, body in [("approve", {}), ("reject", {"reason": "x"}), ("resubmit", {}),
                         ("reinstate", {}), ("readmit", {}), ("cancel_transfer", {})]:
        perm = "approver" if action in ("approve", "reject") else "officer"
        resp = post(client, h(perm), mid, action, body)
        assert resp.status_code == 409, (action, resp.json)
        assert isinstance(resp.json["message"], str) and resp.json["message"]
    assert kinds(client, h("approver"), mid) == before
    assert len(cards_of(app, mid)) == 1


def test_409_message_is_vietnamese_by_default(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    resp = post(client, h("officer"), mid, "reinstate")
    assert resp.status_code == 409
    en = client.post(f"/api/v1/member/{mid}/reinstate?_l_=en", json={}, headers=h("officer"))
    assert en.json["message"].startswith("This action is not possible")


def test_core_step_needs_grassroots_or_above(client, app, tree, prefix, h):
    mid = new_member(app, tree["D1"])
    assert post(client, h("approver_d1"), mid, "approve").status_code == 403
    assert post(client, h("approver_u1"), mid, "approve").status_code == 200


def test_roles_and_scope(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    assert post(client, h("officer"), mid, "approve").status_code == 403  # no approve permission
    assert post(client, h("viewer"), mid, "approve").status_code == 403
    assert post(client, h("officer_g2"), mid, "reject", {"reason": "x"}).status_code == 403
    assert post(client, h("approver_g3"), mid, "approve").status_code == 404  # outside scope
    assert post(client, h("unit_admin"), mid, "approve").status_code == 200
    assert post(client, h("approver"), mid, "transfer", {"to_unit_id": tree["G3"].id}).status_code == 403
    assert post(client, h("viewer"), mid, "suspend", {}).status_code == 403
    assert post(client, h("officer_g2"), mid, "suspend",
                {"reason": "x", "until": TODAY.isoformat()}).status_code == 404
    assert client.post("/api/v1/member/99999999/approve", json={},
                       headers=h("approver")).status_code == 404


def test_reject_resubmit_approve(client, app, tree, prefix, people, h):
    mid = new_member(app, tree["G1"])
    resp = post(client, h("approver"), mid, "reject", {})
    assert resp.status_code == 422 and "reason" in resp.json["message"]
    resp = post(client, h("approver"), mid, "reject", {"reason": "Sai ngày vào"})
    assert resp.status_code == 200 and resp.json["result"]["status"] == "rejected"
    assert resp.json["result"]["card_number"] is None
    resp = post(client, h("officer"), mid, "resubmit")
    assert resp.status_code == 200 and resp.json["result"]["status"] == "pending"
    assert post(client, h("approver"), mid, "approve").json["result"]["status"] == "active"
    events = client.get(f"/api/v1/member/{mid}/events", headers=h("approver")).json["result"]
    assert [e["kind"] for e in events] == ["created", "rejected", "resubmitted", "approved",
                                           "card_issued"]
    assert events[1]["details"]["reason"] == "Sai ngày vào"
    assert events[1]["actor"] == people["approver"].username


def test_unknown_field_and_bad_body(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    resp = post(client, h("approver"), mid, "reject", {"reason": "x", "surprise": 1})
    assert resp.status_code == 422 and "surprise" in resp.json["message"]
    resp = client.post(f"/api/v1/member/{mid}/approve", data="[1]",
                       content_type="application/json", headers=h("approver"))
    assert resp.status_code == 400
    resp = client.post(f"/api/v1/member/{mid}/approve", headers=h("approver"))  # empty body
    assert resp.status_code == 200


def test_four_eyes(client, app, tree, prefix, people, h):
    app.config["UNIONADMIN_FOUR_EYES"] = True
    try:
        body = {"full_name": "Trần Văn Bốn", "date_of_birth": "1990-05-01", "gender": "male",
                "joined_on": "2015-01-01", "unit_id": tree["G1"].id, "citizen_id": cccd()}
        resp = client.post("/api/v1/member/", json=body, headers=h("unit_admin"))
        assert resp.status_code == 201, resp.json
        mid = resp.json["id"]
        resp = post(client, h("unit_admin"), mid, "approve")
        assert resp.status_code == 403 and "Four-eyes" in client.post(
            f"/api/v1/member/{mid}/approve?_l_=en", json={}, headers=h("unit_admin")).json["message"]
        assert post(client, h("approver"), mid, "approve").status_code == 200
    finally:
        app.config["UNIONADMIN_FOUR_EYES"] = False
    mid = client.post("/api/v1/member/", json=dict(body, citizen_id=cccd()),
                      headers=h("unit_admin")).json["id"]
    assert post(client, h("unit_admin"), mid, "approve").status_code == 200  # off by default


class UpperStep:
    @hookimpl
    def approval_steps(self, member):
        return [{"name": "upper_check", "label": "Kiểm tra của LĐLĐ huyện", "role": "Approver",
                 "level": "upper"}]


def test_plugin_approval_step(client, app, tree, prefix, h):
    pm = app.extensions["unionadmin.plugins"]
    pm.register(UpperStep(), name="test-upper-step")
    try:
        mid = new_member(app, tree["G1"])
    finally:
        pm.unregister(name="test-upper-step")
    resp = post(client, h("approver"), mid, "approve")
    assert resp.status_code == 200 and resp.json["result"]["status"] == "pending"
    assert resp.json["result"]["card_number"] is None
    assert post(client, h("approver"), mid, "approve").status_code == 403  # the upper level's step
    assert post(client, h("approver_g3"), mid, "approve").status_code == 404
    resp = post(client, h("approver_u1"), mid, "approve")
    assert resp.status_code == 200 and resp.json["result"]["status"] == "active"
    assert resp.json["result"]["card_number"]
    assert kinds(client, h("approver"), mid) == ["created", "approved", "card_issued"]
    from unionadmin.core.members.models import Member

    with app.app_context():
        steps = services.approval_steps(app.appbuilder.session.get(Member, mid))
        assert [(s.step, s.level, s.decision) for s in steps] == [
            ("core", "grassroots", "approved"), ("upper_check", "upper", "approved")]


def test_no_card_range_is_409_and_nothing_changes(client, app, tree, h):
    mid = new_member(app, tree["G1"])  # no range allocated to this province
    resp = post(client, h("approver"), mid, "approve")
    assert resp.status_code == 409 and "range" in client.post(
        f"/api/v1/member/{mid}/approve?_l_=en", json={}, headers=h("approver")).json["message"]
    assert client.get(f"/api/v1/member/{mid}", headers=h("approver")).json["result"]["status"] == "pending"
    assert periods(app, mid) == [] and cards_of(app, mid) == []
    allocate(app, tree["P"])
    assert post(client, h("approver"), mid, "approve").status_code == 200  # the step was not used


def _race(app, mid: int, action) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        with app.app_context(), acting_as(SYSTEM):
            member = services.get(mid)
            assert member.status == "pending"
            barrier.wait()
            try:
                action(member)
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion
                outcomes.append(repr(exc))
            finally:
                app.appbuilder.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(outcomes)


def test_two_approvals_at_once_issue_one_card(app, tree, prefix):
    for _ in range(3):
        mid = new_member(app, tree["G1"])
        assert _race(app, mid, services.approve) == ["conflict", "ok"]
        issued = cards_of(app, mid)
        assert len(issued) == 1 and issued[0][2] is None
        assert len(periods(app, mid)) == 1


def test_database_refuses_a_second_valid_card(app, tree, prefix):
    from sqlalchemy.exc import IntegrityError

    from unionadmin.core.cards.models import Card

    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    with app.app_context():
        db = app.appbuilder.session
        range_id = db.query(Card).filter_by(member_id=mid).one().range_id
        db.add(Card(member_id=mid, range_id=range_id, number="X" + uid(), token=uid(),
                    issued_on=TODAY))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()


# -- transfers ----------------------------------------------------------------------------------


def test_life_approve_transfer_leave_periods_and_events(client, app, tree, prefix, h):
    joined = dt.date(2015, 1, 1)
    moved, gone = TODAY - dt.timedelta(days=200), TODAY - dt.timedelta(days=10)
    mid = new_member(app, tree["G1"], joined_on=joined)
    assert post(client, h("approver"), mid, "approve").status_code == 200
    resp = post(client, h("officer"), mid, "transfer",
                {"to_unit_id": tree["G3"].id, "date": moved.strftime("%d/%m/%Y")})
    assert resp.status_code == 200, resp.json
    assert resp.json["result"]["status"] == "transfer_pending"
    assert resp.json["result"]["unit_id"] == tree["G1"].id
    # the receiver sees it and may accept, nothing else
    assert client.get(f"/api/v1/member/{mid}", headers=h("approver_g3")).status_code == 200
    assert client.put(f"/api/v1/member/{mid}", json={"phone": "0912345678"},
                      headers=h("officer_g3")).status_code in (403, 404)
    assert post(client, h("officer_g3"), mid, "cancel_transfer").status_code in (403, 404)
    assert post(client, h("officer_g3"), mid, "accept_transfer").status_code == 403  # role
    resp = post(client, h("approver_g3"), mid, "accept_transfer")
    assert resp.status_code == 200, resp.json
    assert resp.json["result"]["status"] == "active" and resp.json["result"]["unit_id"] == tree["G3"].id
    assert client.get(f"/api/v1/member/{mid}", headers=h("officer")).status_code == 404  # sender
    resp = post(client, h("officer_g3"), mid, "leave",
                {"kind": "left", "date": gone.isoformat(), "reason": "Nghỉ việc"})
    assert resp.status_code == 200, resp.json
    result = resp.json["result"]
    assert result["status"] == "left" and result["card_number"] is None
    assert result["card_verify_url"] is None
    assert [(p[0], p[1], p[2]) for p in periods(app, mid)] == [
        (tree["G1"].id, joined, moved), (tree["G3"].id, moved, gone)]
    assert [(p[3], p[4]) for p in periods(app, mid)] == [
        ("registered", "transferred_out"), ("transferred_in", "left")]
    events = client.get(f"/api/v1/member/{mid}/events", headers=h("officer_g3")).json["result"]
    assert [e["kind"] for e in events] == [
        "created", "approved", "card_issued", "transfer_requested", "transferred_out",
        "transferred_in", "card_revoked", "left"]
    out = events[4]
    assert (out["from_unit_id"], out["to_unit_id"], out["effective_date"]) == (
        tree["G1"].id, tree["G3"].id, moved.isoformat())
    assert events[-1]["details"] == {"reason": "Nghỉ việc"}
    assert all(c[2] is not None for c in cards_of(app, mid))


def test_transfer_between_provinces(client, app, tree, prefix):
    other = province(app)
    other_prefix = allocate(app, other["P"])
    sender = make_user(app, tree["G1"], "Officer")
    receiver = make_user(app, other["G"], "Approver")
    province_approver = make_user(app, other["P"], "Approver")
    hs, hr = api_headers(client, sender.username), api_headers(client, receiver.username)
    hp = api_headers(client, province_approver.username)
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    assert client.get(f"/api/v1/member/{mid}", headers=hr).status_code == 404  # not yet
    # the sender finds the target by code anywhere in the country
    found = client.get(f"/api/v1/unit/lookup?code={other['G'].code}", headers=hs).json
    resp = post(client, hs, mid, "transfer", {"to_unit_id": found["id"]})
    assert resp.status_code == 200, resp.json
    # visible to the receiving unit's subtree and above it, in lists and by id
    assert client.get(f"/api/v1/member/{mid}", headers=hr).status_code == 200
    assert client.get(f"/api/v1/member/{mid}/events", headers=hp).status_code == 200
    q = "(filters:!((col:status,opr:eq,value:transfer_pending)),page_size:100)"
    assert mid in client.get(f"/api/v1/member/?q={q}", headers=hr).json["ids"]
    assert post(client, hr, mid, "leave", {"kind": "left"}).status_code == 403  # not theirs yet
    resp = post(client, hr, mid, "accept_transfer")
    assert resp.status_code == 200 and resp.json["result"]["unit_id"] == other["G"].id
    assert client.get(f"/api/v1/member/{mid}", headers=hs).status_code == 404
    assert client.get(f"/api/v1/member/{mid}/events", headers=hs).status_code == 404
    # the card stays valid until re-issued; a re-issue takes the new province's range
    resp = post(client, api_headers(client, make_user(app, other["G"], "Officer").username),
                mid, "card", {"reason": "info_changed"})
    assert resp.status_code == 200 and resp.json["result"]["card_number"].startswith(other_prefix)


def test_cancel_and_refuse_transfer(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    assert post(client, h("officer"), mid, "transfer", {"to_unit_id": tree["G3"].id}).status_code == 200
    resp = post(client, h("officer"), mid, "cancel_transfer")
    assert resp.status_code == 200 and resp.json["result"]["status"] == "active"
    assert post(client, h("approver_g3"), mid, "accept_transfer").status_code == 404  # gone
    assert post(client, h("officer"), mid, "transfer", {"to_unit_id": tree["G3"].id}).status_code == 200
    assert post(client, h("approver_g3"), mid, "refuse_transfer", {}).status_code == 422
    resp = post(client, h("approver_g3"), mid, "refuse_transfer", {"reason": "Không đúng người"})
    assert resp.status_code == 200 and resp.json["result"]["status"] == "active"
    assert resp.json["result"]["unit_id"] == tree["G1"].id
    assert kinds(client, h("officer"), mid)[-4:] == [
        "transfer_requested", "transfer_cancelled", "transfer_requested", "transfer_refused"]
    assert len(periods(app, mid)) == 1 and periods(app, mid)[0][2] is None


def test_accepting_a_cancelled_transfer_is_refused(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    post(client, h("officer"), mid, "transfer", {"to_unit_id": tree["G3"].id})
    post(client, h("officer"), mid, "cancel_transfer")
    admin = api_headers(client, "admin", ADMIN_PASSWORD)
    resp = post(client, admin, mid, "accept_transfer")
    assert resp.status_code == 409


@pytest.mark.parametrize("body, field", [
    ({}, "to_unit_id"),
    ({"to_unit_id": 99999999}, "to_unit_id"),
    ({"to_unit_id": "U1"}, "to_unit_id"),
    ({"to_unit_id": "G2", "date": (TODAY + dt.timedelta(days=1)).isoformat()}, "date"),
    ({"to_unit_id": "G2", "date": "2000-01-01"}, "date"),
    ({"to_unit_id": "D1"}, "to_unit_id"),  # same grassroots union: an edit, not a transfer
    ({"to_unit_id": "G2", "date": "31/02/2020"}, "date"),
])
def test_transfer_field_errors(client, app, tree, prefix, h, body, field):
    mid = new_member(app, tree["G1"], joined_on=dt.date(2015, 1, 1))
    as_system(app, lambda: services.approve(services.get(mid)))
    body = {k: (tree[v].id if k == "to_unit_id" and isinstance(v, str) else v) for k, v in body.items()}
    resp = post(client, h("officer"), mid, "transfer", body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["message"]
    assert client.get(f"/api/v1/member/{mid}", headers=h("officer")).json["result"]["status"] == "active"


def test_transfer_to_dissolved_unit_refused(app, tree, prefix):
    from unionadmin.core.units import services as units

    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    as_system(app, lambda: units.dissolve(units.get(tree["G2"].id)))
    with pytest.raises(ValidationError) as err:
        as_system(app, lambda: services.transfer(services.get(mid), to_unit_id=tree["G2"].id))
    assert "to_unit_id" in err.value.errors


# -- suspension, leaving, readmission ---------------------------------------------------------


def test_suspend_and_reinstate(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    start = TODAY - dt.timedelta(days=30)
    too_long = start.replace(year=start.year + 1) + dt.timedelta(days=1)
    resp = post(client, h("officer"), mid, "suspend",
                {"reason": "Nghỉ thai sản", "date": start.isoformat(), "until": too_long.isoformat()})
    assert resp.status_code == 422 and "until" in resp.json["message"]
    resp = post(client, h("officer"), mid, "suspend",
                {"reason": "Nghỉ thai sản", "date": start.isoformat(), "until": start.isoformat()})
    assert resp.status_code == 422 and "until" in resp.json["message"]
    assert post(client, h("officer"), mid, "suspend", {"date": start.isoformat(),
                                                       "until": TODAY.isoformat()}).status_code == 422
    ok_until = start.replace(year=start.year + 1) if not (start.month == 2 and start.day == 29) \
        else start + dt.timedelta(days=365)
    resp = post(client, h("officer"), mid, "suspend",
                {"reason": "Nghỉ thai sản", "date": start.isoformat(), "until": ok_until.isoformat()})
    assert resp.status_code == 200 and resp.json["result"]["status"] == "suspended"
    assert resp.json["result"]["card_number"]  # still a member
    resp = post(client, h("officer"), mid, "reinstate", {})
    assert resp.status_code == 200 and resp.json["result"]["status"] == "active"
    events = client.get(f"/api/v1/member/{mid}/events", headers=h("officer")).json["result"]
    assert [e["kind"] for e in events][-2:] == ["suspended", "reinstated"]
    assert events[-2]["details"] == {"reason": "Nghỉ thai sản", "until": ok_until.isoformat()}
    assert events[-2]["effective_date"] == start.isoformat()
    assert len(periods(app, mid)) == 1 and periods(app, mid)[0][2] is None


@pytest.mark.parametrize("body, field", [
    ({"kind": "retired"}, "kind"),
    ({}, "kind"),
    ({"kind": "expelled"}, "reason"),
    ({"kind": "left", "date": "2100-01-01"}, "date"),
    ({"kind": "left", "date": "2014-12-31"}, "date"),
])
def test_leave_field_errors(client, app, tree, prefix, h, body, field):
    mid = new_member(app, tree["G1"], joined_on=dt.date(2015, 1, 1))
    as_system(app, lambda: services.approve(services.get(mid)))
    resp = post(client, h("officer"), mid, "leave", body)
    assert resp.status_code == 422 and field in resp.json["message"], resp.json


@pytest.mark.parametrize("kind", ["left", "expelled", "deceased"])
def test_leave_kinds_close_period_and_revoke_card(client, app, tree, prefix, h, kind):
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    resp = post(client, h("officer"), mid, "leave", {"kind": kind, "reason": "Lý do"})
    assert resp.status_code == 200 and resp.json["result"]["status"] == kind
    assert periods(app, mid)[0][2] == TODAY and periods(app, mid)[0][4] == kind
    assert cards_of(app, mid)[0][2] == TODAY
    assert kinds(client, h("officer"), mid)[-2:] == ["card_revoked", kind]
    readmit = post(client, h("officer"), mid, "readmit", {})
    assert readmit.status_code == (409 if kind == "deceased" else 200)


def test_readmit_starts_a_new_period_on_the_same_record(client, app, tree, prefix, h):
    joined = dt.date(2015, 1, 1)
    left_on, back_on = TODAY - dt.timedelta(days=100), TODAY - dt.timedelta(days=20)
    mid = new_member(app, tree["G1"], joined_on=joined)
    as_system(app, lambda: services.approve(services.get(mid)))
    first_card = cards_of(app, mid)[0][0]
    post(client, h("officer"), mid, "leave", {"kind": "left", "date": left_on.isoformat()})
    resp = post(client, h("officer"), mid, "readmit",
                {"date": (left_on - dt.timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and "date" in resp.json["message"]
    resp = post(client, h("officer"), mid, "readmit", {"date": back_on.isoformat()})
    assert resp.status_code == 200 and resp.json["result"]["status"] == "pending"
    resp = post(client, h("approver"), mid, "approve")
    assert resp.status_code == 200 and resp.json["result"]["status"] == "active"
    assert resp.json["result"]["card_number"] != first_card
    assert periods(app, mid) == [(tree["G1"].id, joined, left_on, "registered", "left"),
                                 (tree["G1"].id, back_on, None, "readmitted", None)]
    assert kinds(client, h("officer"), mid)[-3:] == ["readmitted", "approved", "card_issued"]


def test_readmit_refused_when_the_number_is_taken_again(client, app, tree, prefix, h):
    number = cccd()
    mid = new_member(app, tree["G1"], citizen_id=number)
    as_system(app, lambda: services.approve(services.get(mid)))
    post(client, h("officer"), mid, "leave", {"kind": "left"})
    new_member(app, tree["G3"], citizen_id=number)  # entered again elsewhere meanwhile
    resp = post(client, h("officer"), mid, "readmit", {})
    assert resp.status_code == 422 and "citizen_id" in resp.json["message"]
    assert client.get(f"/api/v1/member/{mid}", headers=h("officer")).json["result"]["status"] == "left"


# -- cards ------------------------------------------------------------------------------------


def test_reissue_and_revoke_card(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    first = post(client, h("approver"), mid, "approve").json["result"]
    resp = post(client, h("officer"), mid, "card", {"reason": "lost"})
    assert resp.status_code == 200, resp.json
    second = resp.json["result"]
    assert second["card_number"] != first["card_number"] and numbering.is_valid(second["card_number"])
    assert second["card_verify_url"] != first["card_verify_url"]
    history = cards_of(app, mid)
    assert [(c[0], c[2] is None, c[3]) for c in history] == [
        (first["card_number"], False, "new"), (second["card_number"], True, "lost")]
    events = client.get(f"/api/v1/member/{mid}/events", headers=h("officer")).json["result"]
    assert [e["kind"] for e in events][-2:] == ["card_revoked", "card_issued"]
    assert events[-2]["details"] == {"number": first["card_number"], "reason": "lost"}
    assert post(client, h("officer"), mid, "card", {"reason": "stolen"}).status_code == 422
    assert post(client, h("officer"), mid, "revoke_card", {}).status_code == 422
    resp = post(client, h("officer"), mid, "revoke_card", {"reason": "Hỏng"})
    assert resp.status_code == 200
    assert resp.json["result"]["card_number"] is None and resp.json["result"]["card_verify_url"] is None
    assert post(client, h("officer"), mid, "revoke_card", {"reason": "x"}).status_code == 409
    resp = post(client, h("officer"), mid, "card", {})  # a new card after a revocation
    assert resp.status_code == 200 and resp.json["result"]["card_number"]
    assert post(client, h("approver"), mid, "card", {}).status_code == 403  # Approver: no lifecycle


def test_card_on_pending_member_is_409(client, app, tree, prefix, h):
    mid = new_member(app, tree["G1"])
    assert post(client, h("officer"), mid, "card", {}).status_code == 409


def test_exhausted_range_is_409(client, app, tree, h):
    allocate(app, tree["P"], size=1)
    ids = [new_member(app, tree["G1"]) for _ in range(2)]
    assert post(client, h("approver"), ids[0], "approve").status_code == 200
    assert post(client, h("approver"), ids[1], "approve").status_code == 409
    allocate(app, tree["P"], size=10)  # a second range of the same province takes over
    assert post(client, h("approver"), ids[1], "approve").status_code == 200


# -- duplicates -------------------------------------------------------------------------------


def test_duplicate_across_branches_does_not_reveal_the_unit(client, app, tree, h):
    number = cccd()
    holder = new_member(app, tree["G1"], citizen_id=number)
    body = {"full_name": "Lê Thị Lan", "date_of_birth": "1990-05-01", "gender": "male",
            "joined_on": "2016-01-01", "unit_id": tree["G3"].id, "citizen_id": number}
    resp = client.post("/api/v1/member/?_l_=en", json=body, headers=h("officer_g3"))
    assert resp.status_code == 422
    text = " ".join(resp.json["message"]["citizen_id"])
    assert "another unit" in text and "transfer" in text
    assert str(holder) not in text and tree["G1"].name not in text and tree["G1"].code not in text
    admin = api_headers(client, "admin", ADMIN_PASSWORD)
    resp = client.post("/api/v1/member/?_l_=en", json=body, headers=admin)
    assert f"#{holder}" in " ".join(resp.json["message"]["citizen_id"])  # in scope: say who


def test_duplicate_between_citizen_id_and_old_number(client, app, tree):
    old = "1" + uid()[:0] + str(int(uid(), 16) % 10**8).zfill(8)
    new_member(app, tree["G1"], old_id_number=old)
    with pytest.raises(ValidationError) as err:
        new_member(app, tree["G2"], id_type="cmnd", citizen_id=old)
    assert "citizen_id" in err.value.errors
    number = cccd()
    new_member(app, tree["G1"], citizen_id=number)
    with pytest.raises(ValidationError) as err:
        new_member(app, tree["G2"], old_id_number=number[:12])
    assert "old_id_number" in err.value.errors


def test_closed_records_free_the_number(app, tree, prefix):
    number = cccd()
    mid = new_member(app, tree["G1"], citizen_id=number)
    as_system(app, lambda: services.reject(services.get(mid), "Nhập nhầm"))
    assert new_member(app, tree["G2"], citizen_id=number)
    with pytest.raises(ValidationError):  # and the rejected one cannot come back now
        as_system(app, lambda: services.resubmit(services.get(mid)))


def test_partial_unique_index_backs_the_check(app, tree):
    from sqlalchemy.exc import IntegrityError

    from unionadmin.core.members.models import Member

    number = cccd()
    new_member(app, tree["G1"], citizen_id=number)
    with app.app_context():
        db = app.appbuilder.session
        db.add(Member(**member_data(tree["G2"], citizen_id=number), status="pending"))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("over, field", [
    ({"id_type": "cmnd", "citizen_id": "12345678"}, "citizen_id"),
    ({"id_type": "cmnd", "citizen_id": "1234567890"}, "citizen_id"),
    ({"id_type": "passport", "citizen_id": "AB"}, "citizen_id"),
    ({"id_type": "passport", "citizen_id": "B1234567!"}, "citizen_id"),
    ({"citizen_id": "999090123456"}, "citizen_id"),  # not a province code
    ({"citizen_id": "075190123456"}, "citizen_id"),  # 4th digit: female for a man
    ({"citizen_id": "075091123456"}, "citizen_id"),  # digits 5-6: 91 for 1990
    ({"old_id_number": "12345"}, "old_id_number"),
    ({"ethnicity": "99"}, "ethnicity"),
    ({"phone": "+8412345"}, "phone"),
    ({"full_name": "A"}, "full_name"),
    ({"full_name": "Nguyễn_Văn"}, "full_name"),
    ({"date_of_birth": dt.date(2005, 1, 1), "joined_on": dt.date(2015, 1, 1),
      "citizen_id": cccd(2005)}, "joined_on"),
    ({"joined_on": TODAY + dt.timedelta(days=1)}, "joined_on"),
])
def test_validation_rules(app, tree, over, field):
    with pytest.raises(ValidationError) as err:
        new_member(app, tree["G1"], **over)
    assert field in err.value.errors, err.value.errors


def _digits(n: int) -> str:
    return str(int(uid(), 16) % 10**n).zfill(n)


_N9, _N12, _P7 = _digits(9), _digits(12), _digits(7)


@pytest.mark.parametrize("over, expect", [
    ({"id_type": "cmnd", "citizen_id": f"{_N9[:3]} {_N9[3:6]} {_N9[6:]}"}, {"citizen_id": _N9}),
    ({"id_type": "cmnd", "citizen_id": f"{_N12[:3]}.{_N12[3:]}"}, {"citizen_id": _N12}),
    ({"id_type": "passport", "citizen_id": f"c {_P7}"}, {"citizen_id": f"C{_P7}"}),
    ({"ethnicity": "1"}, {"ethnicity": "Kinh"}),
    ({"ethnicity": "04"}, {"ethnicity": "Hoa"}),
    ({"ethnicity": "khmer"}, {"ethnicity": "Khơ-me"}),
    ({"ethnicity": "KHO ME"}, {"ethnicity": "Khơ-me"}),
    ({"ethnicity": "ê đê"}, {"ethnicity": "Ê-đê"}),
    ({"ethnicity": "H'Mông"}, {"ethnicity": "Mông"}),
    ({"phone": "+84 912.345.678"}, {"phone": "0912345678"}),
    ({"full_name": "Nguyễn Thị Ngọc-Ánh"}, {"full_name": "Nguyễn Thị Ngọc-Ánh"}),
])
def test_validation_normalises(app, tree, over, expect):
    from unionadmin.core.members.models import Member

    mid = new_member(app, tree["G1"], **over)
    with app.app_context():
        member = app.appbuilder.session.get(Member, mid)
        assert {k: getattr(member, k) for k in expect} == expect


# -- pages ------------------------------------------------------------------------------------


def _page_login(client, user) -> None:
    resp = web_login(client, user.username)
    assert resp.status_code == 302


def test_member_page_buttons_and_actions(client, app, tree, prefix, people):
    mid = new_member(app, tree["G1"])
    _page_login(client, people["approver"])
    html = client.get(f"/members/show/{mid}").get_data(as_text=True)
    assert 'id="ua-action-approve"' in html and 'id="ua-action-reject"' in html
    assert 'id="ua-action-transfer"' not in html  # Approver: no lifecycle permission
    token = csrf_token(html)
    resp = client.post(f"/members/approval/{mid}/approve", data={})
    assert resp.status_code == 400  # no CSRF token
    resp = client.post(f"/members/approval/{mid}/approve", data={"csrf_token": token})
    assert resp.status_code == 302
    html = client.get(f"/members/show/{mid}").get_data(as_text=True)
    number = cards_of(app, mid)[0][0]
    assert number in html and 'class="table table-condensed table-striped ua-cards"' in html
    assert 'id="ua-action-approve"' not in html
    web_logout(client)
    _page_login(client, people["officer"])
    html = client.get(f"/members/show/{mid}").get_data(as_text=True)
    for name in ("transfer", "suspend", "leave", "card", "revoke_card"):
        assert f'id="ua-action-{name}"' in html, name
    assert 'data-purpose="transfer"' in html
    token = csrf_token(html)
    resp = client.post(f"/members/lifecycle/{mid}/card", data={"csrf_token": token, "reason": "damaged"})
    assert resp.status_code == 302
    assert len(cards_of(app, mid)) == 2
    resp = client.post(f"/members/lifecycle/{mid}/transfer",
                       data={"csrf_token": token, "to_unit_id": str(tree["G3"].id),
                             "date": TODAY.strftime("%d/%m/%Y")})
    assert resp.status_code == 302
    # approve through the wrong permission group is not a way round
    assert client.post(f"/members/lifecycle/{mid}/approve", data={"csrf_token": token}).status_code in (
        403, 404)
    web_logout(client)
    _page_login(client, people["approver_g3"])
    html = client.get(f"/members/show/{mid}").get_data(as_text=True)
    assert 'id="ua-action-accept_transfer"' in html and 'id="ua-action-leave"' not in html
    assert client.get(f"/members/edit/{mid}").status_code in (403, 404)  # the receiver edits nothing
    resp = client.post(f"/members/transfer_decision/{mid}/accept_transfer",
                       data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302
    with app.app_context():
        from unionadmin.core.members.models import Member

        member = app.appbuilder.session.get(Member, mid)
        assert (member.status, member.unit_id) == ("active", tree["G3"].id)


def test_page_action_errors_are_flashed(client, app, tree, prefix, people):
    mid = new_member(app, tree["G1"])
    as_system(app, lambda: services.approve(services.get(mid)))
    _page_login(client, people["officer"])
    html = client.get(f"/members/show/{mid}?_l_=en").get_data(as_text=True)
    resp = client.post(f"/members/lifecycle/{mid}/suspend?_l_=en",
                       data={"csrf_token": csrf_token(html), "reason": "x", "until": "01/01/2000"},
                       follow_redirects=True)
    assert resp.status_code == 200
    assert "suspension" in resp.get_data(as_text=True)
    with app.app_context():
        from unionadmin.core.members.models import Member

        assert app.appbuilder.session.get(Member, mid).status == "active"


def test_bulk_approve_ignores_ids_outside_scope(client, app, tree, prefix, people):
    mine = [new_member(app, tree["G1"]) for _ in range(2)]
    foreign = new_member(app, tree["G3"])
    _page_login(client, people["approver"])
    html = client.get("/members/list/").get_data(as_text=True)
    assert 'id="ua-filter-pending"' in html and "_flt_0_status=pending" in html
    pending = client.get("/members/list/?_flt_0_status=pending").get_data(as_text=True)
    assert f"/members/show/{mine[0]}" in pending
    token = csrf_token(client.get(f"/members/show/{mine[0]}").get_data(as_text=True))
    from unionadmin.core.members.models import Member

    def statuses():
        with app.app_context():
            db = app.appbuilder.session
            return [db.get(Member, i).status for i in (*mine, foreign)]

    # an id outside the scope: the whole request is refused, nothing is approved
    resp = client.post("/members/action_post", data={"action": "approve", "csrf_token": token,
                                                     "rowid": [str(i) for i in (*mine, foreign)]})
    assert resp.status_code == 404
    assert statuses() == ["pending", "pending", "pending"]
    resp = client.post("/members/action_post", data={"action": "approve", "csrf_token": token,
                                                     "rowid": [str(i) for i in mine]})
    assert resp.status_code == 302
    assert statuses() == ["active", "active", "pending"]
    resp = client.post("/members/action_post", data={"action": "approve", "rowid": [str(mine[0])]})
    assert resp.status_code == 400  # CSRF


def test_transfer_picker_finds_any_unit_in_the_country(client, app, tree, people):
    other = province(app)
    _page_login(client, people["officer"])
    found = client.get(f"/units/choose?purpose=transfer&q={other['G'].code}").json["results"]
    assert [r["id"] for r in found] == [other["G"].id]
    assert client.get("/units/choose?purpose=transfer&q=").json["results"] == []
    scoped = client.get(f"/units/choose?purpose=member&q={other['G'].code}").json["results"]
    assert scoped == []


def test_roles_hold_the_lifecycle_permissions(app):
    with app.app_context():
        sm = app.appbuilder.sm

        def perms(role):
            return {(p.view_menu.name, p.permission.name) for p in sm.find_role(role).permissions}

        approver, officer = perms("Approver"), perms("Officer")
        unit_admin, viewer = perms("Unit Admin"), perms("Viewer")
        assert {("MemberApi", "can_approve"), ("MemberApi", "can_accept_transfer"),
                ("MemberView", "can_approve")} <= approver
        assert ("MemberApi", "can_lifecycle") not in approver
        assert ("MemberApi", "can_lifecycle") in officer and ("MemberApi", "can_approve") not in officer
        lifecycle = ("can_approve", "can_lifecycle", "can_accept_transfer")
        assert {("MemberApi", p) for p in lifecycle} <= unit_admin
        assert not any(p in ("can_approve", "can_lifecycle", "can_accept_transfer") for _, p in viewer)
        assert not any(v.startswith("CardRange") for v, _ in unit_admin)


def test_card_verify_url_in_lists_without_extra_queries(client, app, tree, prefix, h):
    ids = [new_member(app, tree["G2"]) for _ in range(3)]
    for mid in ids:
        as_system(app, lambda mid=mid: services.approve(services.get(mid)))
    q = f"(filters:!((col:unit_id,opr:eq,value:{tree['G2'].id})))"
    rows = client.get(f"/api/v1/member/?q={q}", headers=h("approver_u1")).json["result"]
    assert len(rows) == 3 and all(re.match(r"^http.*/verify/[\w-]{32}$", r["card_verify_url"]) for r in rows)
