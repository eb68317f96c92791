"""Load test: 50 concurrent officers against gunicorn, over real HTTP.

    .venv/bin/python bench/load.py [--db URL] [--users 50] [--seconds 60] [--workers 3] \
        [--url http://127.0.0.1:8765 (an already running server instead of starting gunicorn)]

Starts `gunicorn -w N "unionadmin:create_app()"` on the generated database (bench/generate.py)
unless --url is given, then runs one thread per officer: each signs in (the web login page with
its CSRF token, and the API login), then makes one request every 2 seconds on average
(exponential think time) in this mix: the member list page (page 1 to 4), the API member list,
an accent-free name search, a member page, the dashboard, and a few writes (create a member,
edit one it created). Accounts: grassroots officers, upper-level Unit Admins and Approvers and
the province's Unit Admin, as the generator makes them. Reports p50/p95 per kind and overall,
errors, and throughput; writes bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG_PROVINCE, summary, write_result  # noqa: E402

PASSWORD = "bench-UnionAdmin-2026"
MIX = {"web_list": 25, "api_list": 10, "search": 20, "member_page": 25, "dashboard": 12,
       "create": 5, "edit": 3}
QUERIES = ["nguyen van an", "tran thi lan", "le minh", "pham thu trang", "hoang duc", "vo thi hoa",
           "dang van", "bui ngoc anh", "do thanh", "huynh thi mai", "ngo quoc", "phan van long"]
TARGET_P95_MS = 500


def accounts(url: str, users: int) -> list[dict[str, Any]]:
    """Officers of the generated province: mostly grassroots, some upper-level, one provincial."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT a.username, a.unit_id FROM ab_user a JOIN unit u ON u.id = a.unit_id "
            "WHERE a.username LIKE 'bp%%' ORDER BY md5(a.username)").fetchall()
    grassroots = [r for r in rows if r[0].endswith(".canbo")]
    upper = [r for r in rows if re.fullmatch(r"bp-\d\d\.(admin|duyet)", r[0])]
    top = [r for r in rows if r[0] in ("bp.admin", "bp.xem")]
    n_upper = max(1, users // 6)
    chosen = top[: max(1, users // 25)] + upper[:n_upper]
    chosen += grassroots[: users - len(chosen)]
    return [{"username": u, "unit_id": unit} for u, unit in chosen[:users]]


class Officer(threading.Thread):
    def __init__(self, n: int, base: str, account: dict, until: float, out: list, rng_seed: int):
        super().__init__(daemon=True)
        import requests

        self.n, self.base, self.account, self.until, self.out = n, base, account, until, out
        self.rng = random.Random(rng_seed)
        self.web = requests.Session()
        self.api = requests.Session()
        self.member_ids: list[int] = []
        self.created: list[int] = []
        self.serial = 0
        self.kinds = list(MIX)
        self.weights = list(MIX.values())

    def login(self) -> None:
        page = self.web.get(f"{self.base}/login/", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        resp = self.web.post(f"{self.base}/login/", allow_redirects=False, timeout=30, data={
            "username": self.account["username"], "password": PASSWORD,
            "csrf_token": token.group(1)})
        if resp.status_code != 302:
            raise RuntimeError(f"web login {self.account['username']}: {resp.status_code}")
        resp = self.api.post(f"{self.base}/api/v1/security/login", timeout=30, json={
            "username": self.account["username"], "password": PASSWORD, "provider": "db"})
        resp.raise_for_status()
        self.api.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def run(self) -> None:
        try:
            self.login()
        except Exception as error:  # noqa: BLE001 - counted as an error
            self.out.append(("login", 0.0, False, str(error)[:200]))
            return
        while True:
            pause = self.rng.expovariate(1 / 2.0)
            if time.monotonic() + pause > self.until:
                return
            time.sleep(pause)
            kind = self.rng.choices(self.kinds, self.weights)[0]
            if kind == "member_page" and not self.member_ids or kind == "edit" and not self.created:
                kind = "api_list"
            start = time.perf_counter()
            try:
                ok, note = getattr(self, kind)()
            except Exception as error:  # noqa: BLE001 - counted as an error
                ok, note = False, f"{type(error).__name__}: {error}"[:200]
            self.out.append((kind, (time.perf_counter() - start) * 1000, ok, note))

    # -- the mix ---------------------------------------------------------------------------

    def _check(self, resp, *codes: int) -> tuple[bool, str]:
        ok = resp.status_code in (codes or (200,))
        return ok, "" if ok else f"{resp.status_code} {resp.text[:150]}"

    def web_list(self):
        page = self.rng.choice([0, 0, 0, 1, 2, 3])
        return self._check(self.web.get(f"{self.base}/members/list/?page_MemberView={page}", timeout=60))

    def api_list(self):
        page = self.rng.choice([0, 0, 1, 2])
        q = f"(order_column:full_name,order_direction:asc,page:{page},page_size:25)"
        resp = self.api.get(f"{self.base}/api/v1/member/?q={q}", timeout=60)
        if resp.status_code == 200:
            self.member_ids = resp.json()["ids"] or self.member_ids
        return self._check(resp)

    def search(self):
        resp = self.api.get(f"{self.base}/api/v1/member/search",
                            params={"q": self.rng.choice(QUERIES)}, timeout=60)
        return self._check(resp)

    def member_page(self):
        pk = self.rng.choice(self.member_ids)
        return self._check(self.web.get(f"{self.base}/members/show/{pk}", timeout=60))

    def dashboard(self):
        return self._check(self.web.get(f"{self.base}/", timeout=60))

    def _citizen_id(self) -> str:
        # Province 006 is not among the generator's birth provinces: no clash with its numbers.
        self.serial += 1
        return f"006090{(os.getpid() % 50) * 20_000 + self.n * 400 + self.serial:06d}"

    def create(self):
        unit_id = self.account["unit_id"]
        if not self.account["username"].endswith(".canbo"):
            return self.api_list()  # upper-level accounts enter at grassroots level: skip
        resp = self.api.post(f"{self.base}/api/v1/member/", timeout=60, json={
            "full_name": "Nguyễn Văn Thử", "date_of_birth": "1990-05-01", "gender": "male",
            "citizen_id": self._citizen_id(), "joined_on": "2020-01-01", "unit_id": unit_id})
        if resp.status_code == 201:
            self.created.append(resp.json()["id"])
        return self._check(resp, 201)

    def edit(self):
        pk = self.rng.choice(self.created)
        resp = self.api.put(f"{self.base}/api/v1/member/{pk}", timeout=60,
                            json={"phone": f"09{self.rng.randrange(10**8):08d}"})
        return self._check(resp)


def start_server(db: str, workers: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db, "UNIONADMIN_LOGIN_RATE_LIMIT": "100000 per minute",
           "SECRET_KEY": "bench-secret-key-shared-by-all-workers", "UNIONADMIN_IDLE_MINUTES": "600"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--timeout", "120", "unionadmin:create_app()"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    import requests

    for _ in range(240):
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=5).status_code == 200:
                # every worker imports and starts lazily: touch a few times
                for _ in range(workers * 3):
                    requests.get(f"http://127.0.0.1:{port}/login/", timeout=30)
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-2000:])
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=PG_PROVINCE)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--url", help="an already running server")
    parser.add_argument("--name", default="load")
    args = parser.parse_args(argv)
    server = None if args.url else start_server(args.db, args.workers, args.port)
    base = args.url or f"http://127.0.0.1:{args.port}"
    try:
        out: list[tuple[str, float, bool, str]] = []
        officers = [Officer(n, base, account, 0, out, n) for n, account in
                    enumerate(accounts(args.db, args.users))]
        # Sign in first (staggered), then every officer works for the same `seconds`.
        for officer in officers:
            officer.login()
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        for officer in officers:
            officer.until = until
            officer.login = lambda: None  # already signed in
            officer.start()
        for officer in officers:
            officer.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    for kind, ms, ok, note in out:
        by_kind[kind].append(ms)
        if not ok:
            errors[kind].append(note)
    everything = [ms for kind, ms, _ok, _n in out]
    overall = summary(everything) if everything else {}
    results = {"overall": {**overall, "requests": len(out), "errors": sum(map(len, errors.values())),
                           "throughput_rps": round(len(out) / elapsed, 1),
                           "target_p95_ms": TARGET_P95_MS,
                           "target_met": bool(everything) and overall["p95_ms"] <= TARGET_P95_MS
                           and not errors},
               "by_kind": {k: {**summary(v), "errors": len(errors.get(k, []))}
                           for k, v in sorted(by_kind.items())},
               "error_samples": {k: v[:5] for k, v in errors.items()}}
    params = {"db": args.db.rsplit("@", 1)[-1], "users": args.users, "seconds": args.seconds,
              "server": base if args.url else f"gunicorn -w {args.workers} (sync workers)",
              "think_time": "exponential, mean 2 s", "mix_weights": MIX,
              "accounts": sorted({o.account["username"].split(".")[-1] for o in officers}),
              "client": "requests over real HTTP, one thread per officer"}
    print(f"{'kind':14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for kind, row in results["by_kind"].items():
        print(f"{kind:14} {row['runs']:>6} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['errors']:>6}")
    o = results["overall"]
    print(f"{'overall':14} {o['requests']:>6} {o.get('p50_ms', 0):>8.1f} {o.get('p95_ms', 0):>8.1f} "
          f"{o['errors']:>6}   {o['throughput_rps']} req/s")
    path = write_result(args.name, {"parameters": params, "results": results}, args.db)
    print(f"-> {path}")
    return results


if __name__ == "__main__":
    main()
