# UnionAdmin: `make run` and `make test` work on a fresh machine with Python 3.11+.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
STAMP := $(VENV)/.installed
export FLASK_APP := unionadmin:create_app

.PHONY: run test test-sqlite test-postgres test-newest fuzz lock lint translations bench bench-province bench-nation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are reproducible: every package at the version in constraints.txt
# (`make lock` refreshes it from setup.cfg's ranges).
LOCK := constraints.txt

# The sample province plugin (docs/plugins.md) is installed beside the app, as a province installs
# its own: the suite finds it by its entry point and runs its tests from its folder.
SAMPLE_PLUGIN := tests/plugins/ua-sample-plugin

$(STAMP): $(BIN)/python setup.cfg pyproject.toml $(LOCK) $(SAMPLE_PLUGIN)/pyproject.toml
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]" -e $(SAMPLE_PLUGIN)
	$(BIN)/pybabel -q compile -d translations && $(BIN)/pybabel -q compile -d translations/fab
	touch $(STAMP)

# Compiled catalogues are built at install and whenever a .po changes (the app's in translations/,
# Flask-AppBuilder's in translations/fab/: see `translations` below).
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

CATALOGS := $(foreach dir,translations translations/fab,$(dir)/vi/LC_MESSAGES/messages.mo \
	$(dir)/en/LC_MESSAGES/messages.mo)

run: $(STAMP) $(CATALOGS)
	$(BIN)/unionadmin bootstrap
	HOST=$(HOST) PORT=$(PORT) $(BIN)/unionadmin run --host $(HOST) --port $(PORT)

test: $(STAMP) $(CATALOGS)
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=8 tests
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		UNIONADMIN_TEST_DB=postgres $(BIN)/python -m pytest -n 2 --dist loadfile --durations=8 tests; \
	fi

# The long fuzz of the REST API (schemathesis): 10 minutes per database (SQLite, then PostgreSQL
# when TEST_DATABASE_URL is set), new seeds each round; fails on any server error, each written
# with its reproduction to fuzz-findings.md. The suite runs a short, fixed-seed version.
FUZZ_MINUTES ?= 10
fuzz: $(STAMP) $(CATALOGS)
	$(BIN)/python tests/fuzz_run.py --minutes $(FUZZ_MINUTES) --examples 50 --report fuzz-findings.md

# Refresh the lock: the newest versions setup.cfg's ranges allow, for every extra.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --upgrade setup.cfg --all-extras --python-version 3.11 -o $(LOCK)

# The suite (SQLite) against the newest versions the ranges allow, in a venv of its own:
# a report of what an upgrade would break (make lock), never a failure of the build.
NEWEST := .venv-newest
test-newest:
	rm -rf $(NEWEST)
	$(PYTHON) -m venv $(NEWEST)
	$(NEWEST)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST)/bin/python -m pip install --quiet --upgrade -e ".[test]" -e $(SAMPLE_PLUGIN)
	$(NEWEST)/bin/pybabel -q compile -d translations && $(NEWEST)/bin/pybabel -q compile -d translations/fab
	@$(NEWEST)/bin/python -m pip freeze --exclude-editable | \
		diff <(grep -E '^[A-Za-z0-9]' $(LOCK) | tr 'A-Z_' 'a-z-' | sort) <(tr 'A-Z_' 'a-z-' | sort) \
		| sed -n 's/^> /newer than the lock: /p' || true
	-$(NEWEST)/bin/python -m pytest -n 2 --dist loadfile -p no:cacheprovider -rf tests

lint: $(STAMP)
	$(BIN)/ruff check unionadmin tests bench

# Extract and update the catalogues with Babel's CLI, then compile them. The app's messages go to
# translations/, Flask-AppBuilder's (it ships no Vietnamese) to translations/fab/, extracted from
# the installed package; flask-babel merges both, the app's last so it wins (app.py). New vi
# entries then need a translation: tests/core/test_translations.py fails on any empty or fuzzy one.
BABEL_EXTRACT := extract --add-location=file --sort-output --no-wrap --project=UnionAdmin
BABEL_UPDATE := update --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --no-wrap
FAB_SITE = $(shell $(BIN)/python -c 'import flask_appbuilder, os; print(os.path.dirname(os.path.dirname(flask_appbuilder.__file__)))')

translations: $(STAMP)
	$(BIN)/pybabel $(BABEL_EXTRACT) -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot unionadmin
	$(BIN)/pybabel $(BABEL_UPDATE) -i translations/messages.pot -d translations
	cd "$(FAB_SITE)" && "$(CURDIR)/$(BIN)/pybabel" $(BABEL_EXTRACT) -F "$(CURDIR)/translations/fab-babel.cfg" \
		-k lazy_gettext -k __ -k lazy_formatter_gettext -o "$(CURDIR)/translations/fab/messages.pot" flask_appbuilder
	$(BIN)/pybabel $(BABEL_UPDATE) -i translations/fab/messages.pot -d translations/fab
	$(MAKE) --no-print-directory $(CATALOGS)

# Benchmarks (bench/README.md): generate the province on PostgreSQL and SQLite, run every bench.
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench_province
BENCH_SQLITE ?= sqlite:///$(CURDIR)/bench/data/ua_bench_province.db
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test,bench]"
	touch $(BENCH_STAMP)

BENCH_NATION ?= postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench_nation

bench: bench-province bench-nation

bench-province: $(BENCH_STAMP) $(CATALOGS)
	$(BIN)/python bench/generate.py --db $(BENCH_PG)
	$(BIN)/python bench/generate.py --db $(BENCH_SQLITE)
	$(BIN)/python bench/run.py --db $(BENCH_PG) --name requests_postgresql
	$(BIN)/python bench/run.py --db $(BENCH_SQLITE) --name requests_sqlite
	$(BIN)/python bench/reports.py --db $(BENCH_PG) --code BP
	$(BIN)/python bench/load.py --db $(BENCH_PG) --name load
	$(BIN)/python bench/cards.py
	$(BIN)/python bench/imports.py

# The nation (12M members, ~1 h to generate on 2 cores): the province's scoped figures again.
bench-nation: $(BENCH_STAMP) $(CATALOGS)
	$(BIN)/python bench/generate.py --scale nation --db $(BENCH_NATION)
	$(BIN)/python bench/run.py --db $(BENCH_NATION) --name requests_nation
	$(BIN)/python bench/reports.py --db $(BENCH_NATION) --code BP --name reports_nation

clean:
	rm -rf $(VENV) $(NEWEST) *.egg-info .pytest_cache
