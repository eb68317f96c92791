"""The long fuzz (`make fuzz`): tests/test_fuzz.py with more examples and a time budget, on
SQLite and, when TEST_DATABASE_URL names a PostgreSQL server, on PostgreSQL too.

    .venv/bin/python tests/fuzz_run.py --minutes 10 --examples 50 --report fuzz-findings.md

Each database gets `--minutes`; rounds with new seeds repeat until it is spent. Exits non-zero
when any run found a server error (each is appended to `--report`, with a reproduction and the
traceback).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def databases(url: str | None) -> list[tuple[str, dict[str, str]]]:
    runs = [("sqlite", {})]
    if url:
        runs.append(("postgresql", {"UNIONADMIN_TEST_DB": "postgres", "TEST_DATABASE_URL": url}))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget per database")
    parser.add_argument("--examples", type=int, default=50,
                        help="examples per operation and round")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first round (default: a random one, printed)")
    parser.add_argument("--report", default="fuzz-findings.md",
                        help="Markdown file each server error is appended to")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append",
                        help="only these databases (default: SQLite, and PostgreSQL when "
                             "TEST_DATABASE_URL is set)")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz seed {seed}; findings go to {args.report}", flush=True)
    failed = []
    for name, env in databases(os.environ.get("TEST_DATABASE_URL")):
        if args.db and name not in args.db:
            continue
        print(f"== {name}: {args.minutes:g} minutes", flush=True)
        run_env = {**os.environ, **env,
                   "UNIONADMIN_FUZZ_SECONDS": str(args.minutes * 60),
                   "UNIONADMIN_FUZZ_EXAMPLES": str(args.examples),
                   "UNIONADMIN_FUZZ_SEED": str(seed),
                   "UNIONADMIN_FUZZ_REPORT": str(Path(args.report).resolve())}
        code = subprocess.call([sys.executable, "-m", "pytest", "tests/test_fuzz.py", "-q",
                                "-p", "no:cacheprovider"], cwd=ROOT, env=run_env)
        if code:
            failed.append(name)
    if failed:
        print(f"server errors on: {', '.join(failed)} (see {args.report})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
