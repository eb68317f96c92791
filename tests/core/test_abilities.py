"""core/abilities.py is the one home of what a role may do: for each kind of account, what it
answers is what the API does (personal data, approval, accounts, card ranges)."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, api_headers, cccd, make_user, member_data, uid
from unionadmin.core import abilities
from unionadmin.core.actor import SYSTEM, Actor, acting_as, actor_for_user
from unionadmin.core.roles import ROLE_APPROVER, ROLE_RANK

#: (role, unit): every role, and an Approver below the grassroots union (it sees the member but
#: may not decide the core step).
ACCOUNTS = [("Admin", None), ("Unit Admin", "U1"), ("Approver", "U1"), ("Approver", "D1"),
            ("Officer", "G1"), ("Viewer", "G1")]


def _actor(app, user_id: int) -> Actor:
    with app.test_request_context():
        return actor_for_user(app.appbuilder.sm.get_user_by_id(user_id))


def _as_system(app, fn, *args):
    with app.test_request_context(), acting_as(SYSTEM):
        return fn(*args)


@pytest.fixture
def member(app, tree):
    """A pending member of D1 (inside G1, U1, P), with a card range for P so approval can end."""
    from unionadmin.core.cards import services as cards
    from unionadmin.core.members import services as members

    _as_system(app, cards.create, {"unit_id": tree["P"].id, "prefix": uid(), "end_serial": 100})
    number = cccd()
    mid = _as_system(app, lambda: members.create(member_data(tree["D1"], citizen_id=number)).id)
    return mid, number


@pytest.mark.parametrize(("role", "unit"), ACCOUNTS)
def test_abilities_match_the_api(client, app, tree, member, role, unit):
    user = make_user(app, tree[unit] if unit else None, role)
    actor = _actor(app, user.id)
    h = api_headers(client, user.username)
    mid, number = member

    seen = client.get(f"/api/v1/member/{mid}", headers=h)
    assert seen.status_code == 200, seen.json
    assert (seen.json["result"]["citizen_id"] == number) == abilities.can_see_personal_data(actor)

    approved = client.post(f"/api/v1/member/{mid}/approve", json={}, headers=h)
    assert approved.status_code in (200, 403), approved.json
    with app.app_context():  # it reads the units
        decides = abilities.can_approve(tree["D1"].id, ROLE_APPROVER, "grassroots", core=True,
                                        actor=actor)
    assert (approved.status_code == 200) == decides

    for granted in ROLE_RANK:
        body = {"username": f"a{uid().lower()}", "first_name": "Cán bộ", "last_name": "Mới",
                "unit_id": tree["G1"].id, "role": granted, "password": PASSWORD}
        made = client.post("/api/v1/account/", json=body, headers=h)
        allowed = abilities.can_manage_accounts(actor) and granted in abilities.assignable_roles(actor)
        assert made.status_code == (201 if allowed else 422 if abilities.can_manage_accounts(actor)
                                    else 403), (granted, made.json)

    card_range = client.post("/api/v1/card_range/", headers=h, json={
        "unit_id": tree["P"].id, "prefix": uid(), "end_serial": 100})
    assert card_range.status_code in (201, 403), card_range.json
    assert (card_range.status_code == 201) == abilities.can_allocate_card_ranges(actor)


def test_an_admin_account_is_managed_by_admins_only(client, app, tree):
    """To a Unit Admin an Admin's account in its subtree does not exist (404), as the ability says."""
    admin = make_user(app, tree["G1"], "Admin")
    unit_admin = make_user(app, tree["U1"], "Unit Admin")
    assert not abilities.can_manage_account("Admin", _actor(app, unit_admin.id))
    h = api_headers(client, unit_admin.username)
    resp = client.put(f"/api/v1/account/{admin.id}", json={"first_name": "Khác"}, headers=h)
    assert resp.status_code == 404
    assert abilities.can_manage_account("Officer", _actor(app, unit_admin.id))
