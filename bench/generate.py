"""Generate a province (or the nation) of fictional members for the benchmarks.

    .venv/bin/python bench/generate.py --db postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench_province
    .venv/bin/python bench/generate.py --db sqlite:///bench/data/ua_bench_province.db
    .venv/bin/python bench/generate.py --scale nation --db postgresql+psycopg://.../ua_bench_nation \
        [--members 12000000]

The database is created from scratch with the migrations (`unionadmin db upgrade`, roles and
permissions included), then bulk-loaded: COPY on PostgreSQL, executemany on SQLite, with the
secondary indexes of the big tables dropped during the load and re-created from their own
definitions afterwards, then ANALYZE. The app serves the result unchanged.

A province: ~1,000,000 members in ~3,000 grassroots unions under 40 upper-level unions (30
districts, 10 sector and industrial-zone unions), a few departments, statuses and events over the
two-year roll-out, membership periods, approval steps, and accounts at every level: the province
(`bp.admin` Unit Admin, `bp.xem` Viewer), each upper-level union (`bp-NN.admin` Unit Admin,
`bp-NN.duyet` Approver) and each grassroots union (`bp-NN-NNNN.canbo` Officer), all with the
password `PASSWORD`. `bp-01` is the largest district (the benchmarks' district scope).
The nation: the confederation above that same province and 62 others sharing the remaining
members (12 million and ~130,000 grassroots unions in all by default).

Names, ethnicities, religions and occupations come from the committed demo seeder's tables
(`unionadmin.core.demo`); `search_name` and `sort_key` are computed with `unionadmin.core.text`,
once per distinct name. Citizen IDs follow shared/data/README.md and are unique: the serial of
each (province, century-and-gender, year) prefix is a permutation of 0..999,999.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

PASSWORD = "bench-UnionAdmin-2026"
PROVINCE_CODE = "BP"
SCALES = {
    # members, grassroots and upper-level unions of the benchmark province
    "province": {"members": 1_000_000, "grassroots": 3_000, "uppers": 40, "others": 0},
    # the same province plus 62 others: 12M members and ~130k grassroots unions in all
    "nation": {"members": 12_000_000, "grassroots": 130_000, "uppers": 40, "others": 62},
}
ROLLOUT_DAYS = 730
BIG_TABLES = ("member", "member_event", "membership_period", "member_approval")

DISTRICTS = [
    "thành phố Biên Hòa", "huyện Trảng Bom", "huyện Nhơn Trạch", "huyện Long Thành",
    "thành phố Long Khánh", "huyện Vĩnh Cửu", "huyện Thống Nhất", "huyện Cẩm Mỹ",
    "huyện Xuân Lộc", "huyện Định Quán", "huyện Tân Phú", "thị xã Dĩ An", "thị xã Thuận An",
    "huyện Bến Cát", "huyện Tân Uyên", "huyện Phú Giáo", "huyện Dầu Tiếng", "huyện Bàu Bàng",
    "huyện Bắc Tân Uyên", "huyện Củ Chi", "huyện Hóc Môn", "huyện Bình Chánh", "huyện Nhà Bè",
    "huyện Cần Giờ", "thành phố Thủ Đức", "huyện Đức Hòa", "huyện Bến Lức", "huyện Cần Giuộc",
    "huyện Châu Thành", "huyện Tân Thành",
]
SECTOR_UNIONS = [
    "Công đoàn ngành Giáo dục", "Công đoàn ngành Y tế", "Công đoàn các Khu công nghiệp",
    "Công đoàn ngành Công Thương", "Công đoàn ngành Xây dựng", "Công đoàn ngành Giao thông Vận tải",
    "Công đoàn ngành Nông nghiệp và Phát triển nông thôn", "Công đoàn Viên chức tỉnh",
    "Công đoàn Khu công nghệ cao", "Công đoàn ngành Tài chính",
]
COMPANY_KIND = [  # (prefix, sector, kind of work in demo.OCCUPATIONS, weight, female share)
    ("Công ty TNHH", "fdi", "shoe", 10, 0.65), ("Công ty TNHH", "fdi", "garment", 12, 0.75),
    ("Công ty TNHH", "fdi", "electronics", 8, 0.6), ("Công ty Cổ phần", "non_state", "industry", 14, 0.3),
    ("Công ty TNHH", "non_state", "food", 8, 0.55), ("Công ty Cổ phần", "non_state", "transport", 4, 0.15),
    ("Hợp tác xã", "cooperative", "farm", 4, 0.4), ("Ủy ban nhân dân", "state", "office", 6, 0.5),
    ("Trường", "state", "school", 10, 0.72), ("Bệnh viện", "state", "hospital", 4, 0.65),
]
TRADE_WORDS = ["Hưng Phát", "Tân Thành", "Phú Mỹ", "An Khang", "Thịnh Vượng", "Đông Á", "Sài Gòn",
               "Việt Hàn", "Đại Việt", "Hoàng Long", "Minh Phát", "Thành Công", "Bình An",
               "Phước Lộc", "Kim Long", "Hòa Bình", "Toàn Cầu", "Nam Việt", "Vina", "Sao Mai"]


# ------------------------------------------------------------------------------------ helpers


class Picker:
    """Weighted choice with cumulative weights (fast in a loop)."""

    def __init__(self, rng: random.Random, weights: dict[Any, float]) -> None:
        self.rng, self.items = rng, list(weights)
        self.cum = list(itertools.accumulate(weights.values()))
        self.total = self.cum[-1]

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


def split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, summing exactly."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Unit:
    __slots__ = ("id", "code", "name", "level", "parent", "path", "depth", "sector", "kind",
                 "female", "members", "grassroots", "founded", "target", "province")

    def __init__(self, uid: int, code: str, name: str, level: str, parent: Unit | None) -> None:
        self.id, self.code, self.name, self.level, self.parent = uid, code, name, level, parent
        self.path = (parent.path if parent else "/") + f"{uid}/"
        self.depth = parent.depth + 1 if parent else 0
        self.sector = self.kind = None
        self.female = 0.5
        self.members = 0
        self.grassroots: Unit | None = None
        self.province: Unit | None = parent.province if parent else None
        self.founded = date(1976, 1, 1)
        self.target = None


# ------------------------------------------------------------------------------------ the tree


class Tree:
    """Units and their member counts: built first (small), members are streamed afterwards."""

    def __init__(self, rng: random.Random, scale: dict[str, int], members: int) -> None:
        self.rng = rng
        self.units: list[Unit] = []
        self.ids = itertools.count(1)
        self.root: Unit | None = None
        others = scale["others"]
        province_members = SCALES["province"]["members"] if others else members
        if others:
            self.root = self._add("TLD", "Tổng Liên đoàn Lao động Việt Nam", "central", None)
        self.province = self._province(PROVINCE_CODE, "Liên đoàn Lao động tỉnh Bench", "075",
                                       province_members, SCALES["province"]["grassroots"],
                                       scale["uppers"], bench=True)
        if others:
            rest = members - province_members
            grassroots = scale["grassroots"] - SCALES["province"]["grassroots"]
            sizes = split(rest, [rng.uniform(0.3, 2.5) for _ in range(others)])
            from unionadmin.core.refdata import provinces

            codes = [c for c in provinces() if c != "075"][:others]
            for n, (code, size) in enumerate(zip(codes, sizes, strict=True), start=1):
                g = max(10, round(grassroots * size / max(rest, 1)))
                self._province(f"P{code}", f"Liên đoàn Lao động tỉnh {code}", code, size, g,
                               max(5, min(40, g // 75)), bench=False)
                print(f"\r  tree: {n}/{others} other provinces", end="", file=sys.stderr)
            print(file=sys.stderr)

    def _add(self, code: str, name: str, level: str, parent: Unit | None) -> Unit:
        unit = Unit(next(self.ids), code, name, level, parent)
        self.units.append(unit)
        return unit

    def _province(self, code: str, name: str, birth: str, members: int, grassroots: int,
                  uppers: int, bench: bool) -> Unit:
        rng = self.rng
        province = self._add(code, name, "province", self.root)
        province.province = province
        province.kind = birth  # birth-province code of most of its members
        names = [f"Liên đoàn Lao động {d}" for d in DISTRICTS] + SECTOR_UNIONS
        upper_units = []
        # Upper-level weights: the first district is the largest (the benchmarks' scope).
        weights = [3.0 if (bench and i == 0) else rng.uniform(0.4, 1.6) for i in range(uppers)]
        for i in range(uppers):
            label = names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}")
            upper_units.append(self._add(f"{code}-{i + 1:02d}", label, "upper", province))
        per_upper = split(grassroots, weights)
        kinds = Picker(rng, {k: k[3] for k in COMPANY_KIND})
        all_grassroots: list[Unit] = []
        for upper, count in zip(upper_units, per_upper, strict=True):
            for j in range(count):
                prefix, sector, kind, _w, female = kinds()
                trade = f"{rng.choice(TRADE_WORDS)} {rng.choice(TRADE_WORDS)}"
                gname = f"Công đoàn cơ sở {prefix} {trade} {j + 1}"
                g = self._add(f"{upper.code}-{j + 1:04d}", gname, "grassroots", upper)
                g.sector, g.kind, g.female, g.grassroots = sector, kind, female, g
                g.founded = date(rng.randint(1976, 2020), rng.randint(1, 12), rng.randint(1, 28))
                all_grassroots.append(g)
        # Sizes: a heavy tail (a few factories of thousands, many offices of a dozen).
        sizes = split(members, [rng.lognormvariate(0, 1.1) for _ in all_grassroots])
        for g, size in zip(all_grassroots, sizes, strict=True):
            g.target = math.ceil(size * rng.uniform(1.05, 1.3)) + rng.randint(2, 8)
            if size >= 2_000 and rng.random() < 0.5:  # big ones have departments
                depts = [self._add(f"{g.code}-{d}", f"Công đoàn bộ phận Xưởng {d}", "department", g)
                         for d in range(1, 4)]
                parts = split(size, [0.1, 0.3, 0.3, 0.3])
                g.members = parts[0]
                for dept, part in zip(depts, parts[1:], strict=True):
                    dept.grassroots, dept.kind, dept.female, dept.sector = g, g.kind, g.female, None
                    dept.members = part
            else:
                g.members = size
        return province


# ------------------------------------------------------------------------------------ people


class People:
    """Member rows with their events, periods and approval steps, streamed in entry order."""

    def __init__(self, rng: random.Random, tree: Tree, accounts: dict, now: datetime,
                 columns: dict[str, list[str]], core_step: tuple[str, str]) -> None:
        from unionadmin.core.demo import data as demo
        from unionadmin.core.refdata import ethnicities, provinces

        self.rng, self.tree, self.accounts, self.now = rng, tree, accounts, now
        self.today = (now + timedelta(hours=7)).date()
        self.columns = columns
        self.core_step, self.core_label = core_step
        self.family = Picker(rng, demo.FAMILY_NAMES)
        self.middle = {g: Picker(rng, w) for g, w in demo.MIDDLE_NAMES.items()}
        self.given = demo.GIVEN_NAMES
        self.second = demo.SECOND_MIDDLE
        names = ethnicities()
        self.ethnic = Picker(rng, {(names[c], tuple(p) if p else None): w
                                   for c, w, p in demo.ETHNIC_GROUPS})
        self.birth = Picker(rng, {c: w for c, w in demo.BIRTH_PROVINCES.items()
                                  if c in provinces()})
        self.province_names = {c: row["name"] for c, row in provinces().items()}
        self.religion = Picker(rng, demo.RELIGIONS)
        self.status = Picker(rng, demo.STATUS_SHARES)
        self.occupation = {k: Picker(rng, w) for k, w in demo.OCCUPATIONS.items()}
        self.qualification = {k: Picker(rng, w) for k, w in demo.QUALIFICATIONS.items()}
        self.reasons = demo.REASONS
        self.places, self.phone_prefixes = demo.PLACES, demo.PHONE_PREFIXES
        self.name_cache: dict[str, tuple[str, str]] = {}
        self.serial_next: dict[str, int] = {}
        self.serial_mul = 987_653  # odd, not a multiple of 5: n -> n*mul mod 10^6 is a bijection
        self.phone_next = itertools.count(rng.randrange(10_000_000))
        self.ids = {"member": itertools.count(1), "member_event": itertools.count(1),
                    "membership_period": itertools.count(1), "member_approval": itertools.count(1)}

    def names(self, full_name: str) -> tuple[str, str]:
        cached = self.name_cache.get(full_name)
        if cached is None:
            from unionadmin.core.text import fold, sort_key

            cached = self.name_cache[full_name] = (fold(full_name), sort_key(full_name))
        return cached

    def citizen_id(self, province: str, born: date, female: bool) -> str:
        prefix = f"{province}{(born.year // 100 - 19) * 2 + female}{born.year % 100:02d}"
        n = self.serial_next.get(prefix, 0)
        if n >= 1_000_000:
            raise RuntimeError(f"No serials left for {prefix}")
        self.serial_next[prefix] = n + 1
        return f"{prefix}{(self.serial_mul * n + int(prefix)) % 1_000_000:06d}"

    def batches(self) -> list[tuple[datetime, Unit, int]]:
        """Entry sessions (an officer entering or importing a batch), in time order, so that
        ids follow entry time and a unit's members are spread over the table as in real life."""
        rng = self.rng
        out = []
        for unit in self.tree.units:
            left = unit.members
            while left > 0:
                n = min(left, rng.choice((20, 50, 120, 300, 800)))
                left -= n
                # roll-out: a thin tail two years back, busiest in the last weeks
                days = min(ROLLOUT_DAYS, int(rng.expovariate(1 / 150)))
                moment = self.now - timedelta(days=days, seconds=rng.randrange(36_000) + 3_600)
                out.append((moment, unit, n))
        out.sort(key=lambda b: (b[0], b[1].id))
        return out

    def stream(self) -> Iterator[tuple[str, tuple]]:
        """("member" | "member_event" | ..., row dict) in member id order."""
        rng = self.rng
        for moment, unit, n in self.batches():
            g = unit.grassroots
            officer = self.accounts.get(("Officer", g.id))
            approver = self.accounts.get(("Approver", g.parent.id))
            recent = (self.now - moment).days < 56
            for k in range(n):
                created = moment + timedelta(seconds=k * 20)
                yield from self.member(unit, g, created, recent, officer, approver, rng)

    def member(self, unit: Unit, g: Unit, created: datetime, recent: bool, officer, approver,
               rng: random.Random) -> Iterator[tuple[str, dict]]:
        female = rng.random() < g.female
        gender = "female" if female else "male"
        middle = self.middle[gender]()
        if rng.random() < 0.12:
            second = rng.choice(self.second[gender])
            if second != middle:
                middle = f"{middle} {second}"
        full_name = f"{self.family()} {middle} {rng.choice(self.given[gender])}"
        search_name, key = self.names(full_name)
        entered = (created + timedelta(hours=7)).date()
        age = rng.triangular(18, 60, 38 if g.kind in ("school", "hospital") else 27)
        born = entered - timedelta(days=int(age * 365.25))
        ethnicity, places = self.ethnic()
        home = g.province.kind
        birth = rng.choice(places) if places else (home if rng.random() < 0.55 else self.birth())
        status = self.status()
        if status == "pending" and not recent:
            status = "active"
        low = max(born + timedelta(days=18 * 366), g.founded)
        joined = entered if low >= entered else low + timedelta(days=rng.randrange((entered - low).days + 1))
        qual = g.kind if g.kind in ("school", "hospital", "office") else "worker"
        mid = next(self.ids["member"])
        row = {
            "id": mid, "full_name": full_name, "search_name": search_name, "sort_key": key,
            "date_of_birth": born, "gender": gender, "ethnicity": ethnicity,
            "religion": self.religion(), "id_type": "cccd",
            "citizen_id": self.citizen_id(birth, born, female),
            "phone": f"{rng.choice(self.phone_prefixes)}{(next(self.phone_next) * 7_919) % 10_000_000:07d}"
            if rng.random() < 0.92 else None,
            "hometown": self.province_names.get(birth),
            "address": f"Tổ {rng.randint(1, 30)}, {rng.choice(self.places)}" if rng.random() < 0.8 else None,
            "education_level": "12/12" if rng.random() < 0.78 else "9/12",
            "qualification": self.qualification[qual](),
            "occupation": self.occupation[g.kind]() if rng.random() < 0.9 else None,
            "party_member": rng.random() < (0.3 if g.sector == "state" else 0.03),
            "joined_on": joined, "unit_id": unit.id, "status": status,
            "created_by_id": officer, "created_at": created, "updated_at": created,
        }
        events = [("created", created, entered, officer, None, unit.id, None)]
        if status == "rejected":
            at = created + timedelta(days=rng.randint(1, 10))
            events.append(("rejected", at, entered, approver, unit.id, None,
                           {"reason": rng.choice(self.reasons["rejected"]), "step": self.core_step}))
        elif status != "pending":
            at = min(created + timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 8)), self.now)
            events.append(("approved", at, (at + timedelta(hours=7)).date(), approver, None, unit.id,
                           {"steps": [self.core_step]}))
            if status in ("suspended", "transfer_pending", "left", "expelled", "deceased"):
                later = min(at + timedelta(days=rng.randint(1, 200)), self.now)
                day = (later + timedelta(hours=7)).date()
                to_unit, details = None, None
                if status == "suspended":
                    details = {"reason": rng.choice(self.reasons["suspended"]),
                               "until": (day + timedelta(days=rng.randint(120, 360))).isoformat()}
                elif status == "transfer_pending":
                    target = self.tree.grassroots_of(g.province, rng)
                    to_unit = target.id if target is not g else None
                    if to_unit is None:
                        row["status"] = status = "active"
                    else:
                        row["transfer_to_unit_id"], row["transfer_date"] = to_unit, day
                else:
                    reason = rng.choice(self.reasons[status])
                    details = {"reason": reason} if reason else None
                if status != "active":
                    kind = "transfer_requested" if status == "transfer_pending" else status
                    events.append((kind, later, day, officer, unit.id, to_unit, details))
        row["updated_at"] = events[-1][1]
        yield "member", row
        for kind, at, day, actor, from_unit, to_unit, details in events:
            yield "member_event", {
                "id": next(self.ids["member_event"]), "member_id": mid, "kind": kind,
                "effective_date": day, "recorded_at": at, "actor_id": actor,
                "from_unit_id": from_unit, "to_unit_id": to_unit, "details": details}
        if status not in ("pending", "rejected"):
            ended = status in ("left", "expelled", "deceased")
            yield "membership_period", {
                "id": next(self.ids["membership_period"]), "member_id": mid, "unit_id": unit.id,
                "start_date": joined, "start_kind": "registered" if joined < entered else "admitted",
                "end_date": events[-1][2] if ended else None, "end_kind": status if ended else None,
                # The member's profile, as the triggers copy it (they are off during the load).
                **{k: row[k] for k in ("gender", "ethnicity", "party_member", "date_of_birth")}}
        decided = events[1] if len(events) > 1 else None
        yield "member_approval", {
            "id": next(self.ids["member_approval"]), "member_id": mid, "round": 1, "position": 0,
            "step": self.core_step, "label": self.core_label, "role": "Approver",
            "level": "grassroots", "submitted_by_id": officer, "submitted_at": created,
            "decision": decided[0] if decided else None,
            "decided_by_id": decided[3] if decided else None,
            "decided_at": decided[1] if decided else None,
            "note": decided[6]["reason"] if decided and decided[0] == "rejected" else None}


def _grassroots_of(self: Tree, province: Unit, rng: random.Random) -> Unit:
    pool = self._pools.get(province.id) if hasattr(self, "_pools") else None
    if pool is None:
        self._pools = getattr(self, "_pools", {})
        pool = self._pools[province.id] = [u for u in self.units
                                           if u.level == "grassroots" and u.province is province]
    return rng.choice(pool)


Tree.grassroots_of = _grassroots_of


# ------------------------------------------------------------------------------------ loading


class Loader:
    """Bulk writes with the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql")
        if self.pg:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            # Rows are consistent by construction: skip the per-row foreign-key triggers.
            self.conn.execute("SET session_replication_role = replica")
            self.conn.execute("SET synchronous_commit = off")
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.split("sqlite:///", 1)[1])
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-400000")
        self.columns = self._columns()

    def _columns(self) -> dict[str, list[str]]:
        from flask_appbuilder import Model

        from unionadmin.core import models  # noqa: F401  (registers every table)

        return {name: [c.name for c in table.columns] for name, table in Model.metadata.tables.items()}

    def _value(self, value: Any) -> Any:
        if self.pg:
            return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    def copy(self, table: str, rows: Iterable[dict]) -> int:
        """Write rows (dicts; missing columns are NULL or the model's scalar default)."""
        cols = self.columns[table]
        defaults = _defaults(table)
        value = self._value
        count = 0
        if self.pg:
            names = ", ".join(f'"{c}"' for c in cols)
            with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([value(row.get(c, defaults.get(c))) for c in cols])
                    count += 1
        else:
            sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
            batch = []
            for row in rows:
                batch.append([value(row.get(c, defaults.get(c))) for c in cols])
                if len(batch) >= 20_000:
                    self.conn.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
            self.conn.executemany(sql, batch)
            count += len(batch)
        return count

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def secondary_indexes(self, tables: Iterable[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the non-primary-key indexes of `tables`."""
        names = tuple(tables)
        if self.pg:
            rows = self.conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
                "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
                (list(names),)).fetchall()
        else:
            marks = ", ".join("?" * len(names))
            rows = self.conn.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})", names).fetchall()
        return [(r[0], r[1]) for r in rows]

    def commit(self) -> None:
        self.conn.commit()


def _defaults(table: str) -> dict[str, Any]:
    """Scalar column defaults of a model's table (columns added by later migrations)."""
    from flask_appbuilder import Model

    out = {}
    for column in Model.metadata.tables[table].columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            out[column.name] = default.arg
    return out


# ------------------------------------------------------------------------------------ main


#: Settings of the README's "Performance" section that a database can carry (the rest is the server's).
PG_SETTINGS = {"work_mem": "16MB", "random_page_cost": "1.1", "effective_cache_size": "16GB", "jit": "off"}


def create_database(url: str) -> None:
    """A fresh, empty database at `url`."""
    if url.startswith("postgresql"):
        import psycopg

        base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
            # The per-database part of the production settings README "Performance" assumes.
            for setting, value in PG_SETTINGS.items():
                conn.execute(f'ALTER DATABASE "{name}" SET {setting} = \'{value}\'')
    else:
        path = Path(url.split("sqlite:///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def upgrade(url: str) -> tuple[dict[str, int], str, tuple[str, str]]:
    """Migrations, roles and permissions, as `unionadmin db upgrade`; role ids and a hash."""
    from werkzeug.security import generate_password_hash

    from unionadmin import create_app
    from unionadmin.core.setup import ensure_admin, upgrade_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UNIONADMIN_ADMIN_PASSWORD": PASSWORD})
    with app.app_context():
        upgrade_database(app)
        ensure_admin(app)
        sm = app.appbuilder.sm
        roles = {r.name: r.id for r in sm.get_all_roles()}
        hashed = generate_password_hash(
            PASSWORD, method=app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
        try:
            from unionadmin.core.members.services import CORE_LABEL, CORE_STEP

            core = (CORE_STEP, str(CORE_LABEL))
        except ImportError:
            core = ("core", "Approval")
        app.appbuilder.session.remove()
        engine = app.extensions["sqlalchemy"].engine
        engine.dispose()
    return roles, hashed, core


def load_units(loader: Loader, tree: Tree, now: datetime) -> None:
    from unionadmin.core.text import fold, text_sort_key
    from unionadmin.core.units.models import LEVEL_RANK

    rows = ({"id": u.id, "code": u.code, "name": u.name, "name_search": fold(u.name),
             "name_key": text_sort_key(u.name), "level": u.level, "level_rank": LEVEL_RANK[u.level],
             "parent_id": u.parent.id if u.parent else None, "path": u.path, "depth": u.depth,
             "sector": u.sector, "member_target": u.target,
             "worker_count": math.ceil(u.target * 1.2) if u.target else None,
             "address": None, "founded_on": u.founded, "active": True,
             "created_at": now - timedelta(days=ROLLOUT_DAYS + 10)} for u in tree.units)
    loader.copy("unit", rows)
    loader.copy("unit_event", ({"id": u.id, "unit_id": u.id, "kind": "created",
                                "effective_date": u.founded,
                                "recorded_at": now - timedelta(days=ROLLOUT_DAYS + 10),
                                "to_parent_id": u.parent.id if u.parent else None}
                               for u in tree.units))


def load_accounts(loader: Loader, tree: Tree, roles: dict[str, int], hashed: str,
                  now: datetime, first_id: int) -> dict[tuple[str, int], int]:
    """Unit Admin and Viewer for each province, Unit Admin and Approver for each upper-level
    union, an Officer for each grassroots union."""
    wanted: list[tuple[str, str, Unit]] = []
    for unit in tree.units:
        code = unit.code.lower()
        if unit.level in ("central", "province"):
            wanted += [(f"{code}.admin", "Unit Admin", unit), (f"{code}.xem", "Viewer", unit)]
        elif unit.level == "upper":
            wanted += [(f"{code}.admin", "Unit Admin", unit), (f"{code}.duyet", "Approver", unit)]
        elif unit.level == "grassroots":
            wanted.append((f"{code}.canbo", "Officer", unit))
    accounts, users, links = {}, [], []
    for n, (username, role, unit) in enumerate(wanted):
        uid = first_id + n
        accounts[(role, unit.id)] = uid
        users.append({"id": uid, "first_name": "Cán bộ", "last_name": username.split(".")[0].upper(),
                      "username": username, "password": hashed, "active": True, "email": None,
                      "login_count": 0, "fail_login_count": 0, "created_on": now, "changed_on": now,
                      "unit_id": unit.id, "password_change_required": False})
        links.append({"id": uid, "user_id": uid, "role_id": roles[role]})
    loader.copy("ab_user", users)
    loader.copy("ab_user_role", links)
    return accounts


def recount(url: str) -> None:
    from sqlalchemy import create_engine

    from unionadmin.core.members.tallies import rebuild

    engine = create_engine(url)
    with engine.begin() as conn:
        rebuild(conn, profiles=False)  # the period rows carry their member's profile already
    engine.dispose()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the database to (re)create")
    parser.add_argument("--scale", choices=SCALES, default="province")
    parser.add_argument("--members", type=int, help="total members (default: the scale's)")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    members = args.members or scale["members"]
    rng = random.Random(args.seed)
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round(time.perf_counter() - started, 1)
        print(f"[{marks[name]:7.1f}s] {name}", file=sys.stderr)

    create_database(args.db)
    roles, hashed, core = upgrade(args.db)
    mark("schema (migrations, roles)")
    tree = Tree(rng, scale, members)
    mark(f"tree: {len(tree.units)} units")
    loader = Loader(args.db)
    now = datetime.now().replace(microsecond=0) - timedelta(hours=7)  # naive UTC, as utcnow()
    first_user = (loader.conn.execute("SELECT COALESCE(MAX(id), 0) FROM ab_user").fetchone()[0]) + 1
    load_units(loader, tree, now)
    accounts = load_accounts(loader, tree, roles, hashed, now, first_user)
    loader.commit()
    mark(f"units and {len(accounts)} accounts")
    indexes = loader.secondary_indexes(BIG_TABLES)
    for name, _sql in indexes:
        loader.execute(f'DROP INDEX "{name}"')
    loader.commit()
    people = People(rng, tree, accounts, now, loader.columns, core)
    counts = load_members(loader, people, members)
    loader.commit()
    mark(f"members: {counts}")
    if loader.pg:
        loader.conn.execute("SET maintenance_work_mem = '512MB'")
    for _name, sql in indexes:
        loader.execute(sql)
        loader.commit()
    mark(f"{len(indexes)} indexes re-created")
    recount(args.db)  # the copies ran with triggers off: count the tallies the triggers keep
    mark("member tallies and period profiles")
    if loader.pg:
        for table in ("unit", "ab_user", "ab_user_role", "unit_event", *BIG_TABLES):
            loader.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
        loader.commit()
        loader.conn.autocommit = True
        loader.execute("VACUUM ANALYZE")
    else:
        loader.execute("ANALYZE")
        loader.commit()
    mark("analyze")
    district = next(u for u in tree.units if u.code == f"{PROVINCE_CODE}-01")
    summary = {"db": args.db.rsplit("@", 1)[-1], "scale": args.scale, "members": counts["member"],
               "units": len(tree.units), "accounts": len(accounts),
               "grassroots": sum(u.level == "grassroots" for u in tree.units),
               "province_members": sum(u.members for u in tree.units
                                       if u.province is tree.province),
               "district_members": sum(u.members for u in tree.units
                                       if u.path.startswith(district.path)),
               "distinct_names": len(people.name_cache), "seconds": marks, "password": PASSWORD}
    print(json.dumps(summary, ensure_ascii=False))
    return summary


def load_members(loader: Loader, people: People, total: int) -> dict[str, int]:
    """Stream every row, in member-sized chunks per table (COPY wants one table at a time)."""
    counts = dict.fromkeys(BIG_TABLES, 0)
    buffers: dict[str, list[dict]] = {t: [] for t in BIG_TABLES}
    chunk = 50_000
    for table, row in people.stream():
        buffers[table].append(row)
        if table == "member" and len(buffers["member"]) >= chunk:
            for name in BIG_TABLES:
                counts[name] += loader.copy(name, buffers[name])
                buffers[name].clear()
            print(f"\r  {counts['member']:,}/{total:,} members", end="", file=sys.stderr)
    for name in BIG_TABLES:
        counts[name] += loader.copy(name, buffers[name])
    print(file=sys.stderr)
    return counts


if __name__ == "__main__":
    main()
