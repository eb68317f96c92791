"""Concurrent requests against a served app (issue #15, point 9): real HTTP from threads to a
werkzeug server running the app as `make run` configures it, on SQLite and PostgreSQL. Racing
requests end in one success and clean 4xx answers in Vietnamese, never a 500."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from tests.cards_helpers import allocate, as_system
from tests.helpers import ADMIN_PASSWORD, member_data, uid

VIETNAMESE = set("ăâđêôơưàảãáạèẻẽéẹìỉĩíịòỏõóọùủũúụỳỷỹýỵ")


@pytest.fixture
def served(prod_app) -> Iterator[str]:
    """The production-configured app on 127.0.0.1, one thread per request."""
    server = make_server("127.0.0.1", 0, prod_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def admin_h(served) -> dict[str, str]:
    resp = requests.post(f"{served}/api/v1/security/login", json={
        "username": "admin", "password": ADMIN_PASSWORD, "provider": "db"}, timeout=30)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def at_once(n: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    """`n` calls started together (a barrier releases them at the same moment)."""
    barrier = threading.Barrier(n)

    def run(i: int) -> requests.Response:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def statuses(responses: list[requests.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


def vietnamese(resp: requests.Response) -> bool:
    text = json.dumps(resp.json(), ensure_ascii=False)
    return any(ch in VIETNAMESE for ch in text.lower())


def test_parallel_account_creations_with_one_username(served, admin_h, tree):
    username = f"cb{uid().lower()}"

    def create(i: int) -> requests.Response:
        return requests.post(f"{served}/api/v1/account/", headers=admin_h, timeout=60, json={
            "username": username, "first_name": "Cán bộ", "last_name": f"Số {i}",
            "unit_id": tree["G1"].id, "role": "Officer", "password": "Mot-mat-khau-dai-2026"})

    for _ in range(3):  # a race is not won the same way each time
        responses = at_once(5, create)
        if statuses(responses) == [422] * 5:  # the name was taken by the round before
            username = f"cb{uid().lower()}"
            continue
        assert statuses(responses) == [201, 422, 422, 422, 422], [r.text for r in responses]
        for resp in responses:
            if resp.status_code == 422:
                assert "username" in resp.json()["message"], resp.text
                assert vietnamese(resp), resp.text
        username = f"cb{uid().lower()}"


def test_parallel_approvals_of_one_member(prod_app, served, admin_h, tree):
    from unionadmin.core.members import services

    allocate(prod_app, tree["P"])
    for _ in range(4):  # a race is not lost the same way each time
        mid = as_system(prod_app, lambda: services.create(member_data(tree["G1"])).id)

        def approve(_i: int, mid: int = mid) -> requests.Response:
            return requests.post(f"{served}/api/v1/member/{mid}/approve", json={},
                                 headers=admin_h, timeout=120)

        responses = at_once(20, approve)
        assert statuses(responses) == [200] + [409] * 19, [r.text for r in responses
                                                          if r.status_code != 409]
        assert all(vietnamese(r) for r in responses if r.status_code == 409)
        member = requests.get(f"{served}/api/v1/member/{mid}", headers=admin_h, timeout=30).json()
        assert member["result"]["status"] == "active" and member["result"]["card_number"]
