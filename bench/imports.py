"""Benchmark: import 100,000 generated members from one xlsx on SQLite and PostgreSQL.

    .venv/bin/python bench/imports.py [--rows 100000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/bench_imports]

Prints rows/s (file checked, read, validated and committed) and writes bench/results/imports.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu", "Quốc", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm",
         "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Hùng", "Hạnh", "Long"]
ETHNIC = ["Kinh"] * 8 + ["Tày", "Hoa", "Khơ-me", "Nùng"]


def generate(rows: int, seed: int = 8) -> bytes:
    from openpyxl import Workbook

    from unionadmin.core.imports.excel import CORE_COLUMNS

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đoàn viên")
    ws.append([c.header for c in CORE_COLUMNS])
    serials = rng.sample(range(1_000_000), rows)
    for i in range(rows):
        female = rng.random() < 0.5
        born = dt.date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28))
        joined = dt.date(rng.randint(born.year + 18, 2025), rng.randint(1, 12), rng.randint(1, 28))
        digit = (born.year // 100 - 19) * 2 + (1 if female else 0)
        number = f"075{digit}{born.year % 100:02d}{serials[i]:06d}"
        name = f"{rng.choice(FAMILY)} {'Thị' if female else rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        ws.append([name, born, "Nữ" if female else "Nam", number, None, joined, rng.choice(ETHNIC),
                   None, f"09{rng.randint(0, 99_999_999):08d}", None, "Đồng Nai", "Biên Hòa, Đồng Nai",
                   "12/12", None, "Công nhân", None, "x" if rng.random() < 0.1 else None, None, "CCCD"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(url: str, data: bytes, instance: str) -> dict:
    from unionadmin import create_app
    from unionadmin.core import jobs
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.imports import services
    from unionadmin.core.setup import upgrade_database
    from unionadmin.core.units import services as units

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance,
                      "UNIONADMIN_JOBS": "queue", "UNIONADMIN_IMPORT_MAX_MB": 100})
    with app.test_request_context(), acting_as(SYSTEM):
        upgrade_database(app)
        tag = str(int(time.time()))
        p = units.create({"code": f"BP-{tag}", "name": "LĐLĐ Bench", "level": "province"})
        g = units.create({"code": f"BG-{tag}", "name": "CĐCS Bench", "level": "grassroots",
                          "parent_id": p.id})
        load = os.getloadavg()
        start, cpu = time.perf_counter(), time.process_time()
        job = services.start_import(data, "bench.xlsx", g.id)
        job = jobs.run(job.id)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        state = services.job_state(job)
        again = time.perf_counter()
        job2 = jobs.run(services.start_import(data, "bench.xlsx", g.id).id)
        elapsed2 = time.perf_counter() - again
        duplicates = job2.duplicates
    return {"database": url.split(":")[0], "rows": state["done"], "created": state["created"],
            "errors": state["error_rows"], "seconds": round(elapsed, 2),
            "rows_per_second": round(state["done"] / elapsed),
            # This process's CPU time (for PostgreSQL the server's work is not in it): on a busy
            # machine it says what the import costs, the wall clock says what the load left over.
            "cpu_seconds": round(cpu, 2), "rows_per_cpu_second": round(state["done"] / cpu),
            "load_average_at_start": [round(x, 2) for x in load],
            "reupload_duplicates": duplicates, "reupload_seconds": round(elapsed2, 2),
            "reupload_rows_per_second": round(state["done"] / elapsed2)}


def _postgres_db(url: str) -> str | None:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        server = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(server, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{u.database}"')
        return url
    except Exception as exc:  # noqa: BLE001 - no server: SQLite only
        print(f"PostgreSQL skipped: {exc}")
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_imports")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    t0 = time.perf_counter()
    cache = Path(tempfile.gettempdir()) / f"unionadmin-bench-{args.rows}.xlsx"
    data = cache.read_bytes() if cache.exists() else generate(args.rows)  # openpyxl writes slowly
    cache.write_bytes(data)
    print(f"generated {args.rows} rows ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f}s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for url in (f"sqlite:///{tmp}/bench.db", _postgres_db(args.pg)):
            if url:
                result = run(url, data, tmp)
                print(json.dumps(result))
                results.append(result)
    from importlib.metadata import version

    import openpyxl
    import sqlalchemy

    out = {"when": dt.datetime.now().isoformat(timespec="seconds"),
           "machine": {"platform": platform.platform(), "processor": platform.processor(),
                       "cpus": __import__("os").cpu_count(), "python": platform.python_version(),
                       "load_average_at_end": __import__("os").getloadavg()},
           "versions": {"sqlalchemy": sqlalchemy.__version__, "openpyxl": openpyxl.__version__,
                        "python-calamine": version("python-calamine"), "psycopg": version("psycopg")},
           "file_mb": round(len(data) / 1e6, 1), "results": results}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "imports.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
