"""The per-unit tallies and period profiles that the database keeps: after any mix of writes
(services, bulk inserts, raw UPDATEs, deletes) they equal a recount of the member table."""

from __future__ import annotations

import random
from datetime import date, timedelta

from conftest import cccd, member_data
from sqlalchemy import text

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


def _new(unit, **over) -> int:
    return services.create(member_data(unit, **over)).id


def test_tallies_follow_every_kind_of_write(system, tree):
    from test_lifecycle import allocate

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
    from test_lifecycle import allocate

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
