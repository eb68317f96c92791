"""Benchmark of the `progress` and `changes` reports on a generated province.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench \
        .venv/bin/python bench/reports.py --members 1000000

Without BENCH_DATABASE_URL it uses the SQLite file /tmp/ua_bench.db. The database is filled once
(bulk inserts straight into the tables: units, members, membership periods with transfers
between sibling units, leavings) and reused while it holds the same number of members. Prints
p50/p95 for each report and writes bench/results/reports.json. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

HERE = Path(__file__).resolve().parent
BATCH = 20_000


def make_app(url: str):
    from unionadmin import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tempfile.mkdtemp(),
                       "FAB_UPDATE_PERMS": False})


def build_tree(db, code: str, grassroots: int) -> int:
    """A province with 30 upper-level unions and `grassroots` grassroots unions."""
    from unionadmin.core.units.models import Unit

    def add(**row) -> Unit:
        unit = Unit(**row)
        db.add(unit)
        db.flush()
        parent_path = row["parent"].path if row.get("parent") else "/"
        unit.path = f"{parent_path}{unit.id}/"
        unit.depth = unit.path.count("/") - 2
        return unit

    province = add(code=code, name="Liên đoàn Lao động tỉnh Thử nghiệm", level="province",
                   level_rank=1)
    uppers = [add(code=f"{code}-U{i}", name=f"Công đoàn huyện {i}", level="upper", level_rank=2,
                  parent=province, parent_id=province.id) for i in range(30)]
    rows = []
    first = db.scalar(select(func.max(Unit.id))) + 1
    for i in range(grassroots):
        upper = uppers[i % len(uppers)]
        uid = first + i
        rows.append({"id": uid, "code": f"{code}-G{i}", "name": f"Công đoàn cơ sở {i}",
                     "name_search": f"cong doan co so {i}", "name_key": "", "level": "grassroots",
                     "level_rank": 3, "parent_id": upper.id, "path": f"{upper.path}{uid}/",
                     "depth": 3, "member_target": 300, "worker_count": 400,
                     "sector": random.choice(["state", "non_state", "fdi"]), "active": True,
                     "created_at": datetime(2025, 1, 1)})
    db.execute(insert(Unit.__table__), rows)
    db.commit()
    return province.id


def fill_members(db, grassroots_ids: list[int], total: int, seed: int = 7) -> None:
    from unionadmin.core.members.models import Member, MembershipPeriod

    rng = random.Random(seed)
    now = datetime(2026, 11, 27, 8)
    first_id = (db.scalar(select(func.max(Member.id))) or 0) + 1
    members, periods = [], []

    def flush() -> None:
        if members:
            db.execute(insert(Member.__table__), members)
            db.execute(insert(MembershipPeriod.__table__), periods)
            db.commit()
            members.clear()
            periods.clear()

    for n in range(total):
        mid = first_id + n
        unit = rng.choice(grassroots_ids)
        joined = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7600))
        status = rng.choices(["active", "pending", "left", "suspended", "rejected"],
                             [80, 10, 6, 2, 2])[0]
        created = now - timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1440))
        members.append({"id": mid, "full_name": "Nguyễn Văn An", "search_name": "nguyen van an",
                        "sort_key": f"{rng.random():.8f}",
                        "date_of_birth": date(1970 + rng.randint(0, 35), 1, 1),
                        "gender": rng.choice(["male", "female"]),
                        "ethnicity": rng.choice(["Kinh"] * 9 + ["Tày"]),
                        "id_type": "cccd", "citizen_id": f"{mid:012d}", "party_member": rng.random() < 0.1,
                        "joined_on": joined, "unit_id": unit, "status": status, "created_at": created,
                        "updated_at": created})
        if status in ("pending", "rejected"):
            continue
        if rng.random() < 0.05:  # a transfer between two grassroots unions of the province
            moved = joined + timedelta(days=rng.randint(1, 700))
            periods.append({"member_id": mid, "unit_id": rng.choice(grassroots_ids), "start_date": joined,
                            "start_kind": "registered", "end_date": moved, "end_kind": "transferred_out"})
            joined, kind = moved, "transferred_in"
        else:
            kind = "registered"
        ended = joined + timedelta(days=rng.randint(0, 900)) if status == "left" else None
        periods.append({"member_id": mid, "unit_id": unit, "start_date": joined, "start_kind": kind,
                        "end_date": ended, "end_kind": "left" if ended else None})
        if len(members) >= BATCH:
            flush()
            print(f"  {n + 1:,} members", end="\r", file=sys.stderr)
    flush()


def timed(fn, runs: int) -> dict[str, float]:
    fn()  # warm the caches once
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))], 1),
            "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="database URL (default: BENCH_DATABASE_URL or /tmp/ua_bench.db)")
    parser.add_argument("--name", help="result file name (default reports_province with --code)")
    parser.add_argument("--code", help="measure this existing unit (e.g. BP of bench/generate.py) "
                                       "and its largest child, instead of generating a province")
    args = parser.parse_args()
    url = args.db or os.environ.get("BENCH_DATABASE_URL") or "sqlite:////tmp/ua_bench.db"
    app = make_app(url)
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.members.models import Member
    from unionadmin.core.reports import changes, progress
    from unionadmin.core.reports.dashboard import dashboard
    from unionadmin.core.setup import upgrade_database
    from unionadmin.core.units.models import Unit

    code = args.code or f"BENCH{args.members}"
    with app.test_request_context(), acting_as(SYSTEM):
        upgrade_database(app)
        db = app.appbuilder.session
        province = db.scalar(select(Unit).where(Unit.code == code))
        if province is None:
            print(f"Generating {args.members:,} members...", file=sys.stderr)
            started = time.perf_counter()
            pid = build_tree(db, code, max(30, args.members // 330))
            province = db.get(Unit, pid)
            ids = list(db.scalars(select(Unit.id).where(Unit.parent_id.in_(
                select(Unit.id).where(Unit.parent_id == pid)))))
            fill_members(db, ids, args.members)
            db.execute(text("ANALYZE"))
            db.commit()
            print(f"Generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        members = db.scalar(select(func.count()).select_from(Member).where(
            Member.unit_id.in_(select(Unit.id).where(Unit.path.startswith(province.path)))))
        first, last = date(2026, 1, 1), date(2026, 6, 30)
        this_year = date(date.today().year, 1, 1), date.today()
        district = db.scalar(select(Unit).where(Unit.parent_id == province.id)
                             .order_by(Unit.code).limit(1))
        periods = {  # name -> (first, last) of the `changes` report
            "changes": (first, last),
            "changes_this_year": this_year,
            "changes_last_year": (date(this_year[0].year - 1, 1, 1), date(this_year[0].year - 1, 12, 31)),
            "changes_2010": (date(2010, 1, 1), date(2010, 12, 31)),
            "changes_whole_history": (date(2000, 1, 1), last),
        }
        results = {
            "database": db.get_bind().dialect.name,
            "unit": province.code,
            "members": members,
            "grassroots": db.scalar(select(func.count()).select_from(Unit).where(
                Unit.level == "grassroots", Unit.path.startswith(province.path))),
            "progress": timed(lambda: progress.compute(province), args.runs),
            "dashboard_data": timed(lambda: dashboard(province), args.runs),
            **{name: timed(lambda dates=dates: changes.compute(province, *dates), args.runs)
               for name, dates in periods.items()},
            # How each was counted (changes.choose_plan): from the tallies or directly.
            "changes_plans": {name: {"dates": [d.isoformat() for d in dates],
                                     **asdict(changes.choose_plan(province, *dates))}
                              for name, dates in periods.items()},
            "district": district.code,
            "district_progress": timed(lambda: progress.compute(district), args.runs),
            "district_changes": timed(lambda: changes.compute(district, first, last), args.runs),
            "at": datetime.now().isoformat(timespec="seconds"),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(),
        }
    out = HERE / "results" / f"{args.name or ('reports_province' if args.code else 'reports')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
