"""The demo data set (unionadmin/core/demo/): a consistent province with fictional members.

These tests build their own apps and databases (SQLite always; PostgreSQL too when
TEST_DATABASE_URL is set, and only PostgreSQL when UNIONADMIN_TEST_DB=postgres), so they do not
depend on the shared fixtures.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased

from unionadmin.core.db import today as vn_today

SEED_MEMBERS = 2000


def _backends() -> list[str]:
    backends = [] if os.environ.get("UNIONADMIN_TEST_DB") == "postgres" else ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgres")
    return backends


def _server_dsn() -> str:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    return url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


def _create_database(backend: str, tmp_path: Path) -> tuple[str, str | None]:
    """A fresh, empty database: (SQLAlchemy URL, PostgreSQL database name to drop or None)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/demo.db", None
    import psycopg

    name = f"test_demo_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_server_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(os.environ["TEST_DATABASE_URL"]).set(database=name)
    return url.render_as_string(hide_password=False), name


def _drop_database(app, name: str | None) -> None:
    with app.app_context():
        app.appbuilder.session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    if name:
        import psycopg

        with psycopg.connect(_server_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _make_app(backend: str, tmp_path: Path):
    from unionadmin import create_app
    from unionadmin.core.setup import upgrade_database

    url, name = _create_database(backend, tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade_database(app)
    return app, name


def _seed(app, members: int, seed: int) -> dict[str, Any]:
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.demo import seed_demo

    with app.app_context(), acting_as(SYSTEM):
        return seed_demo(members=members, seed=seed)


@pytest.fixture(scope="module", params=_backends())
def seeded(request, tmp_path_factory) -> Iterator[tuple[Any, dict[str, Any]]]:
    app, name = _make_app(request.param, tmp_path_factory.mktemp(f"demo_{request.param}"))
    try:
        summary = _seed(app, SEED_MEMBERS, 1)
        yield app, summary
    finally:
        _drop_database(app, name)


@pytest.fixture
def db(seeded):
    app, _summary = seeded
    with app.app_context():
        yield app.appbuilder.session
        app.appbuilder.session.rollback()


def test_counts(seeded, db):
    from unionadmin.core.accounts.models import UnionUser
    from unionadmin.core.members.models import Member
    from unionadmin.core.units.models import Unit, UnitEvent

    _app, summary = seeded
    assert summary["members"] == SEED_MEMBERS
    assert db.scalar(select(func.count()).select_from(Member)) == SEED_MEMBERS
    assert db.scalar(select(func.count()).select_from(Unit)) == summary["units"]
    assert db.scalar(select(func.count()).select_from(UnitEvent)
                     .where(UnitEvent.kind == "created")) == summary["units"]
    assert db.scalar(select(func.count()).select_from(UnionUser)
                     .where(UnionUser.unit_id.is_not(None))) == summary["accounts"]
    assert summary["password"]
    levels = Counter(db.scalars(select(Unit.level)))
    assert levels["province"] == 1
    assert 6 <= levels["upper"] <= 10
    assert 35 <= levels["grassroots"] <= 50
    assert levels["department"] >= 3 and levels["group"] >= 2


def test_tree_is_consistent(db):
    from unionadmin.core.text import fold, text_sort_key
    from unionadmin.core.units.models import LEVEL_RANK, Unit

    units = {u.id: u for u in db.scalars(select(Unit))}
    codes = [u.code for u in units.values()]
    assert len(set(codes)) == len(codes)
    roots = [u for u in units.values() if u.parent_id is None]
    assert [(r.code, r.level, r.name) for r in roots] == [
        ("DNA", "province", "Liên đoàn Lao động tỉnh Đồng Nai")]
    for unit in units.values():
        assert unit.code.isascii() and unit.code == unit.code.upper()
        assert unit.level_rank == LEVEL_RANK[unit.level]
        assert unit.name_search == fold(unit.name)
        assert unit.name_key == text_sort_key(unit.name)
        if unit.parent_id is None:
            assert unit.path == f"/{unit.id}/" and unit.depth == 0
            continue
        parent = units[unit.parent_id]
        assert parent.level_rank < unit.level_rank, unit.code
        assert unit.path == f"{parent.path}{unit.id}/"
        assert unit.depth == parent.depth + 1
        if unit.level == "grassroots":
            assert unit.sector in ("state", "non_state", "fdi", "cooperative", "other")
            assert unit.member_target and unit.worker_count >= unit.member_target
            assert unit.address and unit.founded_on <= vn_today()


def test_members_are_valid(db):
    from unionadmin.core.errors import FieldErrors, ValidationError
    from unionadmin.core.members import services, validation
    from unionadmin.core.members.models import Member
    from unionadmin.core.refdata import ethnicity_names
    from unionadmin.core.text import fold, sort_key
    from unionadmin.core.units.models import GRASSROOTS_RANK, Unit

    members = list(db.scalars(select(Member)))
    ranks = dict(db.execute(select(Unit.id, Unit.level_rank)).all())
    ids = [m.citizen_id for m in members]
    assert len(set(ids)) == len(ids)
    old_ids = [m.old_id_number for m in members if m.old_id_number]
    assert len(set(old_ids)) == len(old_ids)
    names = ethnicity_names()
    for m in members:
        errors = FieldErrors()
        validation.check_cccd(m.citizen_id, m.date_of_birth, m.gender, errors)
        assert not errors, (m.citizen_id, m.date_of_birth, m.gender, errors.errors)
        assert m.id_type == "cccd"
        assert ranks[m.unit_id] >= GRASSROOTS_RANK
        assert m.ethnicity in names
        assert m.search_name == fold(m.full_name)
        assert m.sort_key == sort_key(m.full_name)
        assert m.joined_on <= m.created_at.date() + timedelta(days=1)
        try:  # everything the forms and the API check holds for the demo data too
            validation.clean(services.values_of(m))
        except ValidationError as exc:  # pragma: no cover - shows the failing member
            pytest.fail(f"member {m.id} {m.full_name}: {exc.errors}")
    today = vn_today()
    ages = [(today - m.date_of_birth).days / 365.25 for m in members]
    assert min(ages) >= 18 and max(ages) <= 61
    assert all(m.joined_on >= _years_after(m.date_of_birth, 18) for m in members)
    female = sum(m.gender == "female" for m in members) / len(members)
    assert 0.45 <= female <= 0.7
    ethnic = Counter(m.ethnicity for m in members)
    assert ethnic["Kinh"] / len(members) > 0.8 and len(ethnic) >= 4
    assert Counter(m.citizen_id[:3] for m in members).most_common(1)[0][0] == "075"
    assert sum(bool(m.phone) for m in members) / len(members) > 0.8
    assert all(len(m.phone) == 10 and m.phone[:2] in ("03", "07", "08", "09")
               for m in members if m.phone)
    assert any(m.religion for m in members) and any(m.party_member for m in members)
    assert any(m.union_position for m in members) and any(m.occupation for m in members)
    # A few huge factories hold a large share; many units are small.
    per_unit = Counter(m.unit_id for m in members)
    biggest = sorted(per_unit.values(), reverse=True)
    assert biggest[0] > 10 * biggest[len(biggest) // 2]


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def test_statuses_and_history(db):
    from unionadmin.core.members.models import Member, MemberEvent, MembershipPeriod
    from unionadmin.core.units.models import Unit

    status = dict(db.execute(select(Member.id, Member.status)).all())
    spread = Counter(status.values())
    n = len(status)
    assert 0.74 <= spread["active"] / n <= 0.86
    assert 0.05 <= spread["pending"] / n <= 0.11
    for name in ("suspended", "transfer_pending", "left", "expelled", "deceased", "rejected"):
        assert spread[name] > 0, name
    events: dict[int, list[MemberEvent]] = {}
    for event in db.scalars(select(MemberEvent).order_by(MemberEvent.id)):
        events.setdefault(event.member_id, []).append(event)
    periods: dict[int, list[MembershipPeriod]] = {}
    for period in db.scalars(select(MembershipPeriod)):
        periods.setdefault(period.member_id, []).append(period)
    members = {m.id: m for m in db.scalars(select(Member))}
    levels = dict(db.execute(select(Unit.id, Unit.level)).all())
    approved = {"active", "suspended", "transfer_pending", "left", "expelled", "deceased"}
    assert set(periods) == {i for i, s in status.items() if s in approved}
    expected_kinds = {
        "pending": ["created"], "rejected": ["created", "rejected"],
        "active": ["created", "approved", "card_issued"],
        "suspended": ["created", "approved", "card_issued", "suspended"],
        "transfer_pending": ["created", "approved", "card_issued", "transfer_requested"],
        "left": ["created", "approved", "card_issued", "card_revoked", "left"],
        "expelled": ["created", "approved", "card_issued", "card_revoked", "expelled"],
        "deceased": ["created", "approved", "card_issued", "card_revoked", "deceased"],
    }
    now = db.scalar(select(func.max(MemberEvent.recorded_at)))
    for member_id, member in members.items():
        history = events[member_id]
        assert [e.kind for e in history] == expected_kinds[member.status]
        created = history[0]
        assert created.effective_date >= member.joined_on
        assert created.to_unit_id == member.unit_id
        assert abs(created.recorded_at - member.created_at) < timedelta(seconds=1)
        assert [e.recorded_at for e in history] == sorted(e.recorded_at for e in history)
        assert [e.effective_date for e in history] == sorted(e.effective_date for e in history)
        assert member.created_at >= now - timedelta(weeks=110)
        if member.status not in approved:
            continue
        (period,) = periods[member_id]
        assert period.unit_id == member.unit_id
        assert period.start_date == member.joined_on
        assert period.start_kind == ("registered" if member.joined_on < created.effective_date
                                     else "admitted")
        if member.status in ("left", "expelled", "deceased"):
            assert period.end_kind == member.status
            assert period.end_date == history[-1].effective_date >= period.start_date
        else:
            assert period.end_date is None and period.end_kind is None
        if member.status == "transfer_pending":
            target = history[-1].to_unit_id
            assert levels[target] == "grassroots" and target != member.unit_id
            if hasattr(Member, "transfer_to_unit_id"):
                assert member.transfer_to_unit_id == target
                assert member.transfer_date == history[-1].effective_date
        elif hasattr(Member, "transfer_to_unit_id"):
            assert member.transfer_to_unit_id is None and member.transfer_date is None
    _check_approval_steps(db, members, events)
    # The roll-out: the last week holds a good share of all entries.
    recent = sum(1 for m in members.values() if m.created_at >= now - timedelta(days=7))
    assert 0.05 <= recent / n <= 0.16
    # Ids follow the order of entry, as a live system gives them.
    by_id = [members[i].created_at for i in sorted(members)]
    assert by_id == sorted(by_id)


def _check_approval_steps(db, members, events) -> None:
    """Each entry opened one approval round with the core step, decided as the events say."""
    from unionadmin.core.members import models

    if not hasattr(models, "MemberApproval"):
        return
    steps = {a.member_id: a for a in db.scalars(select(models.MemberApproval))}
    assert set(steps) == set(members)
    for member_id, member in members.items():
        step = steps[member_id]
        assert (step.round, step.position) == (1, 0)
        assert step.submitted_by_id == member.created_by_id
        history = events[member_id]
        if member.status == "pending":
            assert step.decision is None and step.decided_at is None
        else:
            assert step.decision == history[1].kind
            assert step.decided_by_id == history[1].actor_id
            assert step.decided_at == history[1].recorded_at


def test_accounts(seeded, db):
    from werkzeug.security import check_password_hash

    from unionadmin.core.accounts.models import UnionUser
    from unionadmin.core.units.models import Unit

    _app, summary = seeded
    users = {u.username: u for u in db.scalars(select(UnionUser))}
    expected = {"tinh.admin": ("Unit Admin", "DNA"), "tinh.xem": ("Viewer", "DNA"),
                "bienhoa.admin": ("Unit Admin", "DNA-BH"),
                "bienhoa.duyet": ("Approver", "DNA-BH")}
    for username, (role, code) in expected.items():
        user = users[username]
        assert [r.name for r in user.roles] == [role]
        assert user.unit.code == code
        assert user.active and not user.password_change_required
        assert check_password_hash(user.password, summary["password"])
    uppers = db.scalars(select(Unit).where(Unit.level == "upper")).all()
    for upper in uppers:
        roles = sorted(r.name for u in users.values() if u.unit_id == upper.id for r in u.roles)
        assert roles == ["Approver", "Unit Admin"], upper.code
    grassroots = db.scalars(select(Unit).where(Unit.level == "grassroots")).all()
    officers = [u for u in users.values() if u.username.endswith(".canbo")]
    assert all([r.name for r in u.roles] == ["Officer"] for u in officers)
    assert all(u.unit.level == "grassroots" for u in officers)
    with_accounts = {u.unit_id for u in officers}
    assert 0.7 * len(grassroots) <= len(with_accounts) < len(grassroots)


def test_seeding_twice_is_refused(seeded):
    from unionadmin.core.demo import DemoDataExists

    app, _summary = seeded
    with pytest.raises(DemoDataExists, match="already"):
        _seed(app, 10, 2)


def test_ids_continue_after_seeding(seeded):
    """Later ORM inserts get fresh ids (PostgreSQL sequences were moved past the bulk ids)."""
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.members import services as members
    from unionadmin.core.members.models import Member, MemberEvent, MembershipPeriod
    from unionadmin.core.units import services as units
    from unionadmin.core.units.models import Unit, UnitEvent

    app, _summary = seeded
    with app.test_request_context(), acting_as(SYSTEM):
        db = app.appbuilder.session
        before = {model: db.scalar(select(func.max(model.id)))
                  for model in (Unit, UnitEvent, Member, MemberEvent, MembershipPeriod)}
        grassroots = db.scalar(select(Unit).where(Unit.code == "DNA-BH-002"))
        taken = set(db.scalars(select(Member.citizen_id)))
        number = next(f"075189{n:06d}" for n in range(1000, 999_999)
                      if f"075189{n:06d}" not in taken)
        member = members.create({
            "full_name": "Trần Thị Bích Ngọc", "date_of_birth": date(1989, 3, 14),
            "gender": "female", "citizen_id": number, "joined_on": date(2012, 6, 1),
            "unit_id": grassroots.id, "phone": "0912000111"})
        assert member.id > before[Member]
        assert db.scalar(select(func.max(MemberEvent.id))) > before[MemberEvent]
        unit = units.create({"code": "DNA-BH-900", "name": "Công đoàn cơ sở Công ty TNHH Mới",
                             "level": "grassroots", "parent_id": grassroots.parent_id})
        assert unit.id > before[Unit]
        assert unit.path == f"{grassroots.parent.path}{unit.id}/"
        assert db.scalar(select(func.max(UnitEvent.id))) > before[UnitEvent]
        period = MembershipPeriod(member_id=member.id, unit_id=grassroots.id,
                                  start_date=date(2012, 6, 1), start_kind="registered")
        db.add(period)
        db.commit()
        assert period.id > before[MembershipPeriod]


def test_same_seed_same_people(tmp_path):
    """The seed fixes the data set (on the same day)."""
    from unionadmin.core.members.models import Member
    from unionadmin.core.units.models import Unit

    rows = []
    for n in (1, 2):
        app, name = _make_app("sqlite", tmp_path / str(n))
        try:
            _seed(app, 300, 7)
            with app.app_context():
                u = aliased(Unit)
                rows.append(app.appbuilder.session.execute(
                    select(Member.full_name, Member.citizen_id, Member.gender, Member.status,
                           Member.date_of_birth, u.code)
                    .join(u, u.id == Member.unit_id).order_by(Member.id)).all())
        finally:
            _drop_database(app, name)
    assert rows[0] == rows[1] and len(rows[0]) == 300


def test_current_members_have_cards(db):
    """The demo allocates a card number range to its province and every approved member got a
    card on approval; those who left have it revoked."""
    from unionadmin.core.cards.models import Card, CardRange
    from unionadmin.core.cards.numbering import is_valid
    from unionadmin.core.members.models import Member
    from unionadmin.core.units.models import Unit

    (card_range,) = db.scalars(select(CardRange).join(Unit, Unit.id == CardRange.unit_id)
                               .where(Unit.code == "DNA")).all()
    cards = {c.member_id: c for c in db.scalars(select(Card))}
    assert card_range.next_serial == len(cards) + 1
    for member in db.scalars(select(Member)):
        card = cards.get(member.id)
        if member.status in ("active", "suspended", "transfer_pending"):
            assert card is not None and card.revoked_on is None and is_valid(card.number)
            assert (member.card_number, member.card_token) == (card.number, card.token)
        elif member.status in ("left", "expelled", "deceased"):
            assert card.revoked_on is not None and card.revoke_reason == member.status
            assert member.card_number is None
        else:
            assert card is None and member.card_number is None


def test_demo_approves_a_member_and_prints_the_card(seeded):
    """The officers' first exercise on the demo: an Approver approves a pending member, who
    gets a card number from the province's range, and the card prints (as does an old one)."""
    from unionadmin.core.members.models import Member
    from unionadmin.core.units.models import Unit

    app, summary = seeded
    with app.app_context():
        session = app.appbuilder.session
        bien_hoa = session.scalar(select(Unit).where(Unit.code == "DNA-BH"))
        in_bien_hoa = Member.unit_id.in_(select(Unit.id).where(Unit.path.startswith(bien_hoa.path)))
        pending = session.scalar(select(Member.id).where(in_bien_hoa, Member.status == "pending"))
        old = session.scalar(select(Member.id).where(in_bien_hoa, Member.status == "active"))
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "bienhoa.duyet", "password": summary["password"], "provider": "db"})
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    resp = client.post(f"/api/v1/member/{pending}/approve", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["result"]["status"] == "active"
    assert resp.json["result"]["card_number"].startswith("DN")
    for member_id in (pending, old):
        pdf = client.get(f"/api/v1/member/{member_id}/card.pdf", headers=headers)
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), member_id


def test_approval_without_a_card_range_says_none_was_allocated(system, tree):
    """No range yet and a range used up are two different messages, and both say who
    allocates one."""
    from tests.helpers import member_data
    from unionadmin.core.cards.models import CardRange
    from unionadmin.core.errors import Conflict
    from unionadmin.core.members import services as members

    member = members.create(member_data(tree["G1"]))
    with pytest.raises(Conflict) as error:
        members.approve(member)
    assert "/card_ranges/" in str(error.value.message)
    assert "chưa được cấp dải số thẻ" in str(error.value.message)
    session = system.appbuilder.session
    session.rollback()
    session.add(CardRange(unit_id=tree["P"].id, prefix=f"T{tree['tag'][:6]}", start_serial=1,
                          end_serial=1, next_serial=2))
    session.commit()
    member = members.create(member_data(tree["G1"]))
    with pytest.raises(Conflict) as error:
        members.approve(member)
    assert "/card_ranges/" in str(error.value.message)
    assert "đã dùng hết" in str(error.value.message)
