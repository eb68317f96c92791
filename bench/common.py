"""Shared pieces of the benchmarks: timing, machine and version information, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PG_PROVINCE = "postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench_province"
SQLITE_PROVINCE = f"sqlite:///{HERE / 'data' / 'ua_bench_province.db'}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2),
            "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2), "runs": len(ms)}


def timed(fn: Callable[[], Any], repeat: int, warmup: int) -> list[float]:
    """Milliseconds of `repeat` calls of `fn` after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "os": platform.platform(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def versions(url: str | None = None) -> dict[str, Any]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for dist in ("flask-appbuilder", "sqlalchemy", "flask", "psycopg", "gunicorn"):
        try:
            out[dist] = version(dist)
        except Exception:  # noqa: BLE001 - not installed
            out[dist] = None
    if url and url.startswith("postgresql"):
        try:
            import psycopg

            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
                out["postgresql_settings"] = dict(conn.execute(
                    "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name IN "
                    "('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', "
                    "'max_connections', 'jit')").fetchall())
        except Exception as error:  # noqa: BLE001 - informative only
            out["postgresql"] = f"unavailable: {error}"
    else:
        import sqlite3

        out["sqlite"] = sqlite3.sqlite_version
    try:
        out["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                                    capture_output=True, check=False).stdout.strip() or None
    except OSError:
        out["git"] = None
    return out


def write_result(name: str, data: dict[str, Any], url: str | None = None) -> Path:
    """bench/results/<name>.json with the machine and versions."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"name": name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
               "machine": machine(), "versions": versions(url), "command": " ".join(sys.argv),
               **data}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
