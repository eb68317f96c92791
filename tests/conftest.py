"""Test fixtures: UnionAdmin's pytest plugin (`unionadmin.testing`, the one plugins' own tests
use): one migrated database per test worker (SQLite, or PostgreSQL when UNIONADMIN_TEST_DB=postgres
and TEST_DATABASE_URL is set), apps built by the real factory (`app`, `plugin_app`), `client`,
`ctx`, `system` and a small tree of units per test (`tree`)."""

from __future__ import annotations

import os

# No plugins installed where the suite runs (entry points) change its results; set it to 1 to
# run the suite with them. Through the environment, so that every app a test builds sees it.
os.environ.setdefault("UNIONADMIN_LOAD_ENTRY_POINTS", "false")

pytest_plugins = ["unionadmin.testing"]
