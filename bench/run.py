"""Single-request benchmarks on a generated database (bench/generate.py), in process.

    .venv/bin/python bench/run.py [--db URL] [--name requests_postgresql] [--repeat 40] [--warmup 5]

Each request goes through the Flask test client (the whole app: routing, security, scope,
serialisation, templates; no HTTP server or network), signed in as the district Unit Admin the
generator creates (`bp-01.admin`, the largest district) and, for the dashboard and search, as the
province Unit Admin (`bp.admin`) too. Printed and written to bench/results/<name>.json for each:
p50 and p95 over `repeat` runs after `warmup`, the SQL statements one request runs, and the
"raw SQL" figure: the request's own data statements (everything but FAB's user, role and
permission look-ups) replayed directly on a DBAPI cursor, and the ratio of the two p50s.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG_PROVINCE, summary, timed, write_result  # noqa: E402

PASSWORD = "bench-UnionAdmin-2026"
DISTRICT = "bp-01.admin"
PROVINCE = "bp.admin"
SECURITY_SQL = re.compile(r"\bFROM ab_", re.I)
TARGETS_MS = {"api_list_p1": 100, "api_list_deep": 100, "web_list_p1": 200, "web_list_deep": 200,
              "search_district": 200, "search_province": 200, "dashboard_district": 300,
              "dashboard_province": 300}


class Capture:
    """The SQL statements run while `on`."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on:
            self.statements.append((statement, parameters))


def replay(engine, statements: list[tuple[str, Any]]):
    """A function running `statements` on a raw DBAPI connection (reads only)."""
    raw = engine.raw_connection()

    def run() -> None:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        cursor.close()
        raw.rollback()

    return run


def login_api(client, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db", "refresh": False})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def login_web(client, username: str) -> None:
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    resp = client.post("/login/", data={"username": username, "password": PASSWORD,
                                        "csrf_token": token.group(1)})
    assert resp.status_code == 302, resp.status_code


def scope_facts(engine, username: str) -> dict[str, Any]:
    """Members in the account's subtree and a sample of their ids (for member pages)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        path = conn.execute(text("SELECT u.path FROM ab_user a JOIN unit u ON u.id = a.unit_id "
                                 "WHERE a.username = :n"), {"n": username}).scalar_one()
        low, high = path, path[:-1] + "0"
        count = conn.execute(text(
            "SELECT count(*) FROM member WHERE unit_id IN "
            "(SELECT id FROM unit WHERE path >= :l AND path < :h)"), {"l": low, "h": high}).scalar()
        ids = conn.execute(text(
            "SELECT id FROM member WHERE unit_id IN (SELECT id FROM unit WHERE path >= :l AND "
            "path < :h) AND id % 97 = 5 ORDER BY id LIMIT 60"), {"l": low, "h": high}).scalars().all()
    return {"path": path, "members": count, "ids": ids}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG_PROVINCE)
    parser.add_argument("--name", help="result file name (default requests_<database>)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--only", help="comma-separated bench names")
    args = parser.parse_args(argv)
    name = args.name or f"requests_{args.db.split(':')[0].split('+')[0]}"

    from unionadmin import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.db, "UNIONADMIN_LOGIN_RATE_LIMIT": "",
                      "RATELIMIT_ENABLED": False, "UNIONADMIN_IDLE_MINUTES": 600})
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    capture = Capture(engine)
    district = scope_facts(engine, DISTRICT)
    province = scope_facts(engine, PROVINCE)
    deep = max(0, int(district["members"] * 0.8) // 25)
    api_d, web_d = app.test_client(), app.test_client()
    api_p, web_p = app.test_client(), app.test_client()
    headers_d = login_api(api_d, DISTRICT)
    headers_p = login_api(api_p, PROVINCE)
    login_web(web_d, DISTRICT)
    login_web(web_p, PROVINCE)
    rison = "(order_column:full_name,order_direction:asc,page:{page},page_size:25)"
    ids = itertools.cycle(district["ids"])
    benches = {
        "api_list_p1": (api_d, lambda: f"/api/v1/member/?q={rison.format(page=0)}", headers_d),
        "api_list_deep": (api_d, lambda: f"/api/v1/member/?q={rison.format(page=deep)}", headers_d),
        "web_list_p1": (web_d, lambda: "/members/list/", None),
        "web_list_deep": (web_d, lambda: f"/members/list/?page_MemberView={deep}", None),
        "search_district": (api_d, lambda: "/api/v1/member/search?q=nguyen van an", headers_d),
        "search_province": (api_p, lambda: "/api/v1/member/search?q=nguyen van an", headers_p),
        "member_page": (web_d, lambda: f"/members/show/{next(ids)}", None),
        "dashboard_district": (web_d, lambda: "/", None),
        "dashboard_province": (web_p, lambda: "/", None),
    }
    if args.only:
        benches = {k: v for k, v in benches.items() if k in args.only.split(",")}
    results: dict[str, Any] = {}
    print(f"{'bench':22} {'sql':>4} {'p50 ms':>8} {'p95 ms':>8} {'raw p50':>8} {'ratio':>6}  target")
    for bench, (client, url, headers) in benches.items():
        def call(client=client, url=url, headers=headers, bench=bench) -> None:
            resp = client.get(url(), headers=headers)
            if resp.status_code != 200:
                raise RuntimeError(f"{bench}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")

        ms = timed(call, args.repeat, args.warmup)
        capture.statements.clear()
        capture.on = True
        call()
        capture.on = False
        statements = list(capture.statements)
        data_sql = [s for s in statements if not SECURITY_SQL.search(s[0])]
        raw_ms = timed(replay(engine, data_sql), max(10, args.repeat // 2), 2)
        row = {**summary(ms), "statements": len(statements),
               "security_statements": len(statements) - len(data_sql),
               "raw_sql": summary(raw_ms), "url": url(),
               "ratio_to_raw_p50": round(summary(ms)["p50_ms"] / max(summary(raw_ms)["p50_ms"], 0.01), 1),
               "target_p95_ms": TARGETS_MS.get(bench)}
        row["target_met"] = None if row["target_p95_ms"] is None else row["p95_ms"] <= row["target_p95_ms"]
        results[bench] = row
        print(f"{bench:22} {row['statements']:>4} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
              f"{row['raw_sql']['p50_ms']:>8.1f} {row['ratio_to_raw_p50']:>6.1f}  "
              f"{row['target_p95_ms'] or '-'}", flush=True)
    params = {"db": args.db.rsplit("@", 1)[-1], "repeat": args.repeat, "warmup": args.warmup,
              "client": "Flask test client, in process (no HTTP server)",
              "district_account": DISTRICT, "district_members": district["members"],
              "province_account": PROVINCE, "province_members": province["members"],
              "deep_page": deep, "page_size": 25}
    path = write_result(name, {"parameters": params, "results": results}, args.db)
    print(f"-> {path}")
    return results


if __name__ == "__main__":
    main()
