"""The demo's unit tree: the province, its upper-level unions, their grassroots unions with
departments and groups (from `data.UPPERS`), sized and inserted in bulk with the derived
columns the unit services compute."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from unionadmin.core.bulk import bulk_insert
from unionadmin.core.db import session
from unionadmin.core.demo.data import (
    DEPT_PREFIX,
    GROUP_PREFIX,
    PROVINCE_SUFFIX,
    ROOT_CODE,
    ROOT_NAME,
    STREETS,
    UPPERS,
)
from unionadmin.core.text import fold, nfc, text_sort_key
from unionadmin.core.units.models import LEVEL_RANK, Unit, UnitEvent


@dataclass
class DemoUnit:
    """A unit of the demo tree before it is inserted."""


    id: int
    code: str
    name: str
    level: str
    parent: DemoUnit | None
    founded_on: date
    address: str | None = None
    sector: str | None = None
    kind: str = "office"
    weight: float = 0.0
    female: float = 0.5
    number: int = 0  # grassroots number (codes and account names)
    slug: str = ""
    member_target: int | None = None
    worker_count: int | None = None
    grassroots: DemoUnit | None = None
    upper: DemoUnit | None = None
    children: list[DemoUnit] = field(default_factory=list)
    path: str = ""
    depth: int = 0


def split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def max_id(model) -> int:
    return session().scalar(select(func.max(model.id))) or 0


class Tree:
    """The seeder's part that builds the unit tree (a mixin of `seeder._Seeder`: it reads the
    seeder's `rng`, `total` and `rollout_start` and fills `units` and `grassroots`)."""

    rng: random.Random
    total: int
    rollout_start: datetime
    units: list[DemoUnit]
    grassroots: list[DemoUnit]

    def build_tree(self) -> None:
        rng = self.rng
        next_id = itertools.count(max_id(Unit) + 1)
        root = DemoUnit(next(next_id), ROOT_CODE, nfc(ROOT_NAME), "province", None,
                     date(1976, 3, 5), address=nfc("phường Thanh Bình, thành phố Biên Hòa"
                                                   + PROVINCE_SUFFIX), slug="tinh")
        self.units.append(root)
        number = 0
        for spec in UPPERS:
            upper = DemoUnit(next(next_id), f"{ROOT_CODE}-{spec['code']}", nfc(spec["name"]),
                          "upper", root, date(spec["founded"], rng.randint(1, 12),
                                              rng.randint(1, 28)),
                          address=nfc(spec["place"] + PROVINCE_SUFFIX), slug=spec["slug"])
            self.units.append(upper)
            for name, sector, kind, weight, female, year, place, depts in spec["grassroots"]:
                number += 1
                unit = DemoUnit(next(next_id), f"{upper.code}-{number:03d}", nfc(name),
                             "grassroots", upper,
                             date(year, rng.randint(1, 12), rng.randint(1, 28)),
                             address=nfc(f"Số {rng.randint(1, 250)} đường "
                                         f"{rng.choice(STREETS)}, {place}{PROVINCE_SUFFIX}"),
                             sector=sector, kind=kind, weight=weight, female=female,
                             number=number, upper=upper)
                unit.grassroots = unit
                self.units.append(unit)
                self.grassroots.append(unit)
                for d, (dept_name, groups) in enumerate(depts, start=1):
                    dept = DemoUnit(next(next_id), f"{unit.code}-{d:02d}", nfc(DEPT_PREFIX + dept_name),
                                 "department", unit, unit.founded_on, kind=kind,
                                 female=female, grassroots=unit, upper=upper)
                    self.units.append(dept)
                    for g, group_name in enumerate(groups, start=1):
                        group = DemoUnit(next(next_id), f"{dept.code}-{g}",
                                      nfc(GROUP_PREFIX + group_name), "group", dept, unit.founded_on,
                                      kind=kind, female=female, grassroots=unit, upper=upper)
                        self.units.append(group)
        for unit in self.units:
            if unit.parent is not None:
                unit.parent.children.append(unit)
            unit.path = (unit.parent.path if unit.parent else "/") + f"{unit.id}/"
            unit.depth = unit.parent.depth + 1 if unit.parent else 0

    def size_units(self) -> dict[int, int]:
        """Members per unit (grassroots and below), and each grassroots' target and workers."""
        rng = self.rng
        per_grassroots = split(self.total, [g.weight * rng.uniform(0.85, 1.15)
                                             for g in self.grassroots])
        sizes: dict[int, int] = {}
        for unit, count in zip(self.grassroots, per_grassroots, strict=True):
            unit.member_target = math.ceil(count * rng.uniform(1.06, 1.3)) + rng.randint(2, 8)
            unit.worker_count = math.ceil(unit.member_target * rng.uniform(1.05, 1.45))
            leaves: list[tuple[DemoUnit, float]] = [(unit, 0.1 if unit.children else 1.0)]
            for dept in unit.children:
                share = 0.9 / len(unit.children) * rng.uniform(0.6, 1.4)
                if dept.children:
                    leaves.append((dept, share * 0.3))
                    leaves += [(grp, share * 0.7 / len(dept.children)) for grp in dept.children]
                else:
                    leaves.append((dept, share))
            for (leaf, _w), n in zip(leaves, split(count, [w for _u, w in leaves]), strict=True):
                sizes[leaf.id] = n
        return sizes

    def insert_units(self) -> None:
        created = self.rollout_start
        rows = [{
            "id": u.id, "code": u.code, "name": u.name, "name_search": fold(u.name),
            "name_key": text_sort_key(u.name), "level": u.level, "level_rank": LEVEL_RANK[u.level],
            "parent_id": u.parent.id if u.parent else None, "path": u.path, "depth": u.depth,
            "sector": u.sector, "member_target": u.member_target, "worker_count": u.worker_count,
            "address": u.address, "founded_on": u.founded_on, "dissolved_on": None,
            "active": True, "created_at": created,
        } for u in self.units]
        bulk_insert(Unit.__table__, rows)
        first_event = max_id(UnitEvent) + 1
        events = [{
            "id": first_event + i, "unit_id": u.id, "kind": "created",
            "effective_date": u.founded_on, "recorded_at": created, "actor_id": None,
            "from_parent_id": None, "to_parent_id": u.parent.id if u.parent else None,
        } for i, u in enumerate(self.units)]
        bulk_insert(UnitEvent.__table__, events)
