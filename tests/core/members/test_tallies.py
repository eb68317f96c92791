"""The per-unit tallies and period profiles that the database keeps: after any mix of writes
(services, bulk inserts, raw UPDATEs, deletes) they equal a recount of the member table."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import text

from tests.helpers import cccd, member_data
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.db import session, utcnow
from unionadmin.core.members import services, tallies


def _units(tree) -> list[int]:
    return [tree[k].id for k in ("P", "U1", "U2", "G1", "G2", "G3", "D1")]


def _tallied(tree) -> tuple[dict, dict]:
    ids = ",".join(map(str, _units(tree)))
    status = {(u, s): n for u, s, n in session().execute(text(
        f"SELECT unit_id, status, n FROM unit_status_tally WHERE n <> 0 AND unit_id IN ({ids})"))}
    days = {(u, str(d)[:10]): n for u, d, n in session().execute(text(
        f"SELECT unit_id, day, n FROM unit_entry_tally WHERE n <> 0 AND unit_id IN ({ids})"))}
    return status, days


def _counted(tree) -> tuple[dict, dict]:
    ids = ",".join(map(str, _units(tree)))
    day = tallies.entry_day_sql(session().get_bind().dialect.name)
    status = {(u, s): n for u, s, n in session().execute(text(
        f"SELECT unit_id, status, count(*) FROM member WHERE unit_id IN ({ids}) GROUP BY 1, 2"))}
    days = {(u, str(d)[:10]): n for u, d, n in session().execute(text(
        f"SELECT unit_id, {day}, count(*) FROM member WHERE unit_id IN ({ids}) "
        f"AND status <> 'rejected' GROUP BY 1, 2"))}
    return status, days


def _period_tallied(tree) -> tuple[dict, dict]:
    ids = ",".join(map(str, _units(tree)))
    per_unit = {row[0]: tuple(row[1:]) for row in session().execute(text(
        "SELECT unit_id, n, female, minority, party, admitted, transferred_in FROM unit_period_tally "
        f"WHERE unit_id IN ({ids})")) if any(row[1:])}
    births = {(u, y): n for u, y, n in session().execute(text(
        f"SELECT unit_id, birth_year, n FROM unit_birth_tally WHERE n <> 0 AND unit_id IN ({ids})"))}
    return per_unit, births


def _period_counted(tree) -> tuple[dict, dict]:
    """The same figures counted from the periods, in Python."""
    ids = set(_units(tree))
    per_unit: dict = {}
    births: dict = {}
    rows = session().execute(text("SELECT unit_id, end_date, start_kind, gender, ethnicity, party_member, "
                                  "date_of_birth FROM membership_period"))
    for unit_id, end, kind, gender, ethnicity, party, born in rows:
        if unit_id not in ids:
            continue
        is_open = end is None
        transfer = kind in ("transferred_in", "moved")
        old = per_unit.get(unit_id, (0,) * 6)
        per_unit[unit_id] = tuple(a + b for a, b in zip(old, (
            is_open, is_open and gender == "female", is_open and ethnicity not in (None, "Kinh"),
            is_open and bool(party), not transfer, transfer), strict=True))
        if is_open:
            year = int(str(born)[:4]) if born is not None else 0
            births[(unit_id, year)] = births.get((unit_id, year), 0) + 1
    return {u: v for u, v in per_unit.items() if any(v)}, births


def _new(unit, **over) -> int:
    return services.create(member_data(unit, **over)).id


def test_tallies_follow_every_kind_of_write(system, tree):
    from tests.cards_helpers import allocate

    allocate(system, tree["P"])
    g1, g2, g3 = tree["G1"], tree["G2"], tree["G3"]
    ids = [_new(g) for g in (g1, g1, g1, g2, g2, g3)]
    session().commit()
    assert _tallied(tree) == _counted(tree)
    services.approve(services.get(ids[0]))
    services.approve(services.get(ids[1]))
    services.reject(services.get(ids[2]), "Thiếu giấy tờ")
    services.transfer(services.get(ids[0]), to_unit_id=g3.id)
    services.accept_transfer(services.get(ids[0]))
    services.transfer(services.get(ids[1]), to_unit_id=g2.id)  # still pending
    services.approve(services.get(ids[3]))
    services.leave(services.get(ids[3]), kind="left")
    session().commit()
    status, days = _tallied(tree)
    assert (status, days) == _counted(tree)
    assert _period_tallied(tree) == _period_counted(tree)
    assert status[(g3.id, "active")] == 1 and status[(g1.id, "rejected")] == 1
    assert status[(g1.id, "transfer_pending")] == 1 and status[(g2.id, "left")] == 1
    # A bulk statement (many rows at once), a raw UPDATE moving units, a delete.
    rows = [{**member_data(g2, citizen_id=cccd()), "status": "pending", "search_name": "x",
             "sort_key": "x", "created_at": utcnow() - timedelta(days=d)} for d in (0, 3, 40)]
    from sqlalchemy import insert

    from unionadmin.core.members.models import Member

    session().execute(insert(Member.__table__), rows)
    session().execute(text("UPDATE member SET unit_id = :to WHERE unit_id = :src AND status = 'pending'"),
                      {"to": g1.id, "src": g2.id})
    session().execute(text("DELETE FROM member WHERE citizen_id = :c"), {"c": rows[2]["citizen_id"]})
    session().commit()
    assert _tallied(tree) == _counted(tree)
    # The recount gives the same tables.
    tallies.rebuild()
    session().commit()
    assert _tallied(tree) == _counted(tree)
    assert _period_tallied(tree) == _period_counted(tree)


def test_random_writes_keep_tallies_exact(system, tree):
    rng = random.Random(7)
    units = [tree["G1"], tree["G2"], tree["G3"], tree["D1"]]
    ids = [_new(rng.choice(units)) for _ in range(12)]
    statuses = ["pending", "active", "rejected", "suspended", "left"]
    for _ in range(40):
        mid = rng.choice(ids)
        if rng.random() < 0.5:
            session().execute(text("UPDATE member SET status = :s WHERE id = :id"),
                              {"s": rng.choice(statuses), "id": mid})
        else:
            session().execute(text("UPDATE member SET unit_id = :u WHERE id = :id"),
                              {"u": rng.choice(units).id, "id": mid})
        if rng.random() < 0.2:
            session().commit()
    session().commit()
    assert _tallied(tree) == _counted(tree)


def test_periods_carry_the_member_profile(system, tree):
    from tests.cards_helpers import allocate

    allocate(system, tree["P"])
    mid = _new(tree["G1"], gender="female", ethnicity="Tày", date_of_birth=date(1995, 2, 3))
    services.approve(services.get(mid))
    session().commit()
    query = text("SELECT gender, ethnicity, party_member, date_of_birth FROM membership_period "
                 "WHERE member_id = :id")
    gender, ethnicity, party, born = session().execute(query, {"id": mid}).one()
    assert (gender, ethnicity, bool(party), str(born)[:10]) == ("female", "Tày", False, "1995-02-03")
    services.update(services.get(mid), {"ethnicity": "Kinh", "party_member": True})
    session().commit()
    assert [tuple(r)[1:3] for r in session().execute(query, {"id": mid})] == [("Kinh", True)]


def test_recount_command(app, tree):
    runner = app.test_cli_runner()
    with app.app_context(), acting_as(SYSTEM):
        _new(tree["G1"])
        session().commit()
        session().execute(text("DELETE FROM unit_status_tally WHERE unit_id = :u"), {"u": tree["G1"].id})
        session().commit()
        assert _tallied(tree) != _counted(tree)
    from unionadmin.cli import db_group

    result = runner.invoke(db_group, ["recount"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _tallied(tree) == _counted(tree)


def test_random_period_writes_keep_period_tallies_exact(system, tree):
    """Raw writes to periods and to members' profiles, one or many rows a statement."""
    from tests.cards_helpers import allocate

    allocate(system, tree["P"])
    rng = random.Random(13)
    units = [tree["G1"], tree["G2"], tree["G3"], tree["D1"]]
    ids = [_new(rng.choice(units), date_of_birth=date(1975 + rng.randint(0, 20), rng.randint(1, 12), 1))
           for _ in range(10)]
    for mid in ids[:6]:
        services.approve(services.get(mid))  # opens a period through the services
    session().commit()
    assert _period_tallied(tree) == _period_counted(tree)
    kinds = ["admitted", "registered", "transferred_in", "moved", "readmitted"]
    for step in range(50):
        mid, unit = rng.choice(ids), rng.choice(units).id
        choice = rng.random()
        if choice < 0.25:
            session().execute(text(
                "INSERT INTO membership_period (member_id, unit_id, start_date, start_kind, end_date) "
                "VALUES (:m, :u, :s, :k, :e)"),
                {"m": mid, "u": unit, "s": date(2020, 1, 1) + timedelta(days=step), "k": rng.choice(kinds),
                 "e": rng.choice([None, date(2026, 1, 1)])})
        elif choice < 0.45:
            session().execute(text("UPDATE membership_period SET end_date = :e WHERE member_id = :m"),
                              {"e": rng.choice([None, date(2025, 5, 5)]), "m": mid})
        elif choice < 0.6:
            session().execute(text("UPDATE membership_period SET unit_id = :u, start_kind = :k "
                                   "WHERE member_id = :m"), {"u": unit, "k": rng.choice(kinds), "m": mid})
        elif choice < 0.8:
            services.update(services.get(mid), {"ethnicity": rng.choice(["Kinh", "Tày", "Nùng"]),
                                                "party_member": rng.random() < 0.5})
        elif choice < 0.9:  # the citizen ID ties gender and birth year: only a raw write changes them
            born = date(1970 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
            session().execute(text("UPDATE member SET gender = :g, date_of_birth = :b WHERE id = :m"),
                              {"g": rng.choice(["male", "female"]), "b": born, "m": mid})
        else:
            session().execute(text("DELETE FROM membership_period WHERE id = (SELECT max(id) FROM "
                                   "membership_period WHERE member_id = :m)"), {"m": mid})
        if rng.random() < 0.3:
            session().commit()
    session().commit()
    assert _period_tallied(tree) == _period_counted(tree)
    tallies.rebuild()
    session().commit()
    assert _period_tallied(tree) == _period_counted(tree)
