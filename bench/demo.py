"""Demo seeding speed: `seed_demo` on a fresh, migrated database; prints members per second.
A figure, not a pass/fail (it was the test suite's `test_speed_smoke`).

    .venv/bin/python bench/demo.py [--members 20000] [--seed 3] [--db URL]

Without --db the database is a new SQLite file in a temporary folder; with --db it must name an
empty database (PostgreSQL: create it first). Writes bench/results/demo_<dialect>.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # common.py, as the other benches

from common import write_result  # noqa: E402


def seed(url: str, instance: str, members: int, seed: int) -> float:
    """Seconds `seed_demo` took on the migrated database at `url`."""
    from unionadmin import create_app
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.demo import seed_demo
    from unionadmin.core.setup import upgrade_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance})
    with app.app_context():
        upgrade_database(app)
    started = time.perf_counter()
    with app.app_context(), acting_as(SYSTEM):
        summary = seed_demo(members=members, seed=seed)
    elapsed = time.perf_counter() - started
    assert summary["members"] == members, summary
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--db", default=None, help="an empty database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/demo.db"
        elapsed = seed(url, tmp, args.members, args.seed)
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    rate = args.members / elapsed
    print(f"seed_demo on {dialect}: {args.members:,} members in {elapsed:.1f} s ({rate:,.0f} members/s)")
    path = write_result(f"demo_{dialect}", {"members": args.members, "seed": args.seed,
                                            "seconds": round(elapsed, 2),
                                            "members_per_second": round(rate)},
                        args.db)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
