"""The sample plugin's own tests (tests/plugins/ua-sample-plugin/tests), run from its folder as a
province runs its plugin's: `python -m pytest` there, with unionadmin.testing's fixtures and the
plugin installed (its entry point). On PostgreSQL they get a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from unionadmin.testing import drop_postgres_database

SAMPLE_DIR = Path(__file__).resolve().parent / "ua-sample-plugin"


def test_the_sample_plugins_own_tests_pass(db_url):
    # Nothing of this run leaks in: not its worker's name (its database), not the suite's switch
    # that turns installed plugins off.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k != "UNIONADMIN_LOAD_ENTRY_POINTS"}
    own_db = None
    if db_url.startswith("postgresql"):
        own_db = f"{make_url(db_url).database}_sample"
        env["UNIONADMIN_TEST_DB_NAME"] = own_db
    try:
        done = subprocess.run([sys.executable, "-m", "pytest"],
                              cwd=SAMPLE_DIR, env=env, capture_output=True, text=True, timeout=900)
    finally:
        if own_db:
            drop_postgres_database(make_url(db_url).set(database=own_db).render_as_string(
                hide_password=False))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout, done.stdout[-2000:]
