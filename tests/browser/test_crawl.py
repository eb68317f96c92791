"""No English left: every page reachable from the menu, as each role, shows no text that is
an English message of the catalogues (the app's or Flask-AppBuilder's)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from babel.messages.pofile import read_po

from tests.helpers import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-UnionAdmin-2026"
# Words that read the same in both languages.
SAME = {"Email", "UnionAdmin", "OK", "English", "ID", "CCCD", "PDF", "Excel", "Swagger",
        # Role names are identifiers (docs/api.md#vocabulary), shown as such only on FAB's Admin-only
        # role pages; officers' pages show their Vietnamese labels.
        "Admin", "Unit Admin", "Approver", "Officer", "Viewer"}


@pytest.fixture(scope="module")
def english() -> set[str]:
    with open(ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    found = set()
    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else (message.id or [""])[0]
        if (msgid and message.string and message.string != msgid and msgid not in SAME
                and re.search(r"[A-Za-z]{3}", msgid) and "%" not in msgid):
            found.add(msgid.strip())
    return found


@pytest.fixture(scope="module")
def demo(live_server):
    from unionadmin.core.actor import SYSTEM, acting_as
    from unionadmin.core.demo import DemoDataExists, seed_demo

    app = live_server["app"]
    with app.app_context(), acting_as(SYSTEM):
        try:
            seed_demo(members=300, seed=7)
        except DemoDataExists:
            pass
    return live_server


def _visible_texts(page) -> list[str]:
    return page.evaluate("""() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, el = node.parentElement;
            if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
            const style = getComputedStyle(el);
            if (style.display === 'none' || style.visibility === 'hidden') continue;
            const text = node.textContent.trim();
            if (text) out.push(text);
        }
        document.querySelectorAll('[placeholder],[title],input[type=submit],button').forEach(e => {
            for (const a of ['placeholder', 'title', 'value']) {
                const v = e.getAttribute(a); if (v && v.trim()) out.push(v.trim());
            }
        });
        return out;
    }""")


def _menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(".navbar a[href]", "els => els.map(e => e.href)")
    links = []
    for href in hrefs:
        parsed = urlparse(href)
        if parsed.netloc == urlparse(base).netloc and parsed.path not in ("", "#") \
                and "logout" not in parsed.path and "/lang/" not in parsed.path:
            links.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return sorted(set(links))


def _detail_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href*='/show/'], a[href*='/edit/'], a[href$='/add']", "els => els.map(e => e.href)")
    return [urlparse(h).path for h in hrefs[:3]]


@pytest.mark.parametrize("username, password", [
    ("admin", ADMIN_PASSWORD), ("tinh.admin", DEMO_PASSWORD), ("bienhoa.duyet", DEMO_PASSWORD),
    ("cdcs001.canbo", DEMO_PASSWORD), ("tinh.xem", DEMO_PASSWORD)])
def test_no_english_on_any_page(browser, demo, english, username, password):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = demo["url"]
    page.goto(base + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    to_visit = ["/", *_menu_links(page, base), "/members/show/999999999"]
    seen: set[str] = set()
    problems: list[str] = []
    while to_visit:
        path = to_visit.pop(0)
        if path in seen or len(seen) > 40:
            continue
        seen.add(path)
        page.goto(base + path)
        for text in _visible_texts(page):
            if text in english:
                problems.append(f"{path}: {text!r}")
        if path.endswith("/list/"):
            to_visit.extend(_detail_links(page))
    context.close()
    assert len(seen) >= 4
    assert not problems, "English left in the Vietnamese pages:\n" + "\n".join(problems)
