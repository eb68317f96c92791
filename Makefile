# UnionAdmin: `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
STAMP := $(VENV)/.installed
export FLASK_APP := unionadmin:create_app

.PHONY: run test test-sqlite test-postgres lint translations bench bench-province bench-nation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m unionadmin.i18n_tool compile
	touch $(STAMP)

# Compiled catalogues are built at install and whenever a .po changes.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/python -m unionadmin.i18n_tool compile

CATALOGS := translations/vi/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo

run: $(STAMP) $(CATALOGS)
	$(BIN)/unionadmin bootstrap
	HOST=$(HOST) PORT=$(PORT) $(BIN)/unionadmin run --host $(HOST) --port $(PORT)

test: $(STAMP) $(CATALOGS)
	$(BIN)/python -m pytest -n 2 --dist loadfile tests
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		UNIONADMIN_TEST_DB=postgres $(BIN)/python -m pytest -n 2 --dist loadfile tests; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check unionadmin tests bench

translations: $(STAMP)
	$(BIN)/python -m unionadmin.i18n_tool extract
	$(BIN)/python -m unionadmin.i18n_tool update
	$(BIN)/python -m unionadmin.i18n_tool compile
	$(BIN)/python -m unionadmin.i18n_tool check

# Benchmarks (bench/README.md): generate the province on PostgreSQL and SQLite, run every bench.
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/ua_bench_province
BENCH_SQLITE ?= sqlite:///$(CURDIR)/bench/data/ua_bench_province.db
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
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
	rm -rf $(VENV) *.egg-info .pytest_cache
