"""The unit tree: levels, parents, cycles, subtree queries, moves, events."""

import pytest
from sqlalchemy import select

from unionadmin.core.errors import ValidationError
from unionadmin.core.scope import subtree_ids
from unionadmin.core.units import services as units
from unionadmin.core.units.models import Unit, UnitEvent


def _orm(app, ref):
    return app.appbuilder.session.get(Unit, ref.id)


def _ids(app, unit):
    return set(app.appbuilder.session.scalars(subtree_ids(unit.path)))


def test_paths_and_subtree_in_one_query(system, tree):
    p, u1, g1, d1 = tree["P"], tree["U1"], tree["G1"], tree["D1"]
    assert d1.path == f"{p.path}{u1.id}/{g1.id}/{d1.id}/"
    assert d1.depth == 3
    assert _ids(system, u1) == {u1.id, g1.id, tree["G2"].id, d1.id}
    assert _ids(system, p) == {t.id for k, t in tree.items() if k != "tag"}


def test_parent_must_be_higher_level(system, tree):
    with pytest.raises(ValidationError) as err:
        units.create({"code": f"X-{tree['tag']}", "name": "Sai cấp", "level": "upper",
                      "parent_id": tree["G1"].id})
    assert "parent_id" in err.value.errors


def test_code_unique_and_required_fields(system, tree):
    with pytest.raises(ValidationError) as err:
        units.create({"code": tree["G1"].code, "name": "", "level": "grassroots",
                      "parent_id": tree["U1"].id})
    assert set(err.value.errors) == {"code", "name"}


def test_no_cycles(system, tree):
    with pytest.raises(ValidationError) as err:
        units.update(_orm(system, tree["U1"]), {"parent_id": tree["G1"].id})
    assert "parent_id" in err.value.errors


def test_level_change_keeps_children_lower(system, tree):
    with pytest.raises(ValidationError) as err:
        units.update(_orm(system, tree["G1"]), {"level": "department"})
    assert "level" in err.value.errors


def test_move_moves_subtree_and_records_event(system, tree):
    g1, d1, u2 = tree["G1"], tree["D1"], tree["U2"]
    units.update(_orm(system, g1), {"parent_id": u2.id})
    db = system.appbuilder.session
    d1 = db.get(Unit, d1.id)
    assert d1.path == f"{u2.path}{g1.id}/{d1.id}/"
    assert db.get(Unit, g1.id).parent_id == u2.id
    assert g1.id in _ids(system, u2) and d1.id in _ids(system, u2)
    assert g1.id not in _ids(system, tree["U1"])
    kinds = db.scalars(select(UnitEvent.kind).where(UnitEvent.unit_id == g1.id)).all()
    assert "created" in kinds and "moved" in kinds


def test_dissolve_records_event(system, tree):
    unit = units.dissolve(_orm(system, tree["G3"]))
    assert unit.active is False and unit.dissolved_on is not None
    kinds = system.appbuilder.session.scalars(
        select(UnitEvent.kind).where(UnitEvent.unit_id == unit.id)).all()
    assert "dissolved" in kinds


def test_grassroots_of_and_ancestors(system, tree):
    assert units.grassroots_of(_orm(system, tree["D1"])).id == tree["G1"].id
    assert units.grassroots_of(_orm(system, tree["U1"])) is None
    assert [u.id for u in units.ancestors(_orm(system, tree["D1"]))] == [
        tree["P"].id, tree["U1"].id, tree["G1"].id, tree["D1"].id]
