"""Browser tests: the real app served on a local port, driven by Playwright in Debian's
chromium (never a downloaded browser). Screenshots go to test-artifacts/screens/.
(tests/browser is a package so that this conftest does not clash with tests/conftest.py.)"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic", "--disable-dev-shm-usage"]


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("UNIONADMIN_BROWSER_TESTS") == "required":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on 127.0.0.1:<free port> with its own migrated SQLite database."""
    from tests.helpers import build_app
    from unionadmin.core.setup import ensure_admin, upgrade_database

    tmp = tmp_path_factory.mktemp("live")
    app = build_app(f"sqlite:///{tmp}/live.db", tmp, RATELIMIT_ENABLED=False,
                    UNIONADMIN_IDLE_MINUTES=60)
    with app.app_context():
        upgrade_database(app)
        ensure_admin(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        _skip_or_fail("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


class Shots:
    """Numbered screenshots of each step, per screen width."""

    def __init__(self, page, width: int, name: str) -> None:
        self.page, self.n = page, 0
        self.folder = ARTIFACTS / f"{name}-{width}"
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, step: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{step}.png"), full_page=True)


@pytest.fixture(params=[1280, 375], ids=["desktop", "phone"])
def page(request, browser, live_server):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.shots = Shots(page, width, request.node.originalname)
    page.width = width
    page.base = live_server["url"]
    page.live_app = live_server["app"]
    page.console_errors = errors
    yield page
    context.close()
