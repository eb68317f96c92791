"""Password rules for officer accounts (one place for web, API and CLI)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask_babel import gettext as _

MIN_LENGTH = 10


@cache
def _common() -> frozenset[str]:
    text = resources.files("unionadmin").joinpath("data", "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line and not line.startswith("#"))


def problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password (empty when it is acceptable)."""
    found = []
    if len(password or "") < MIN_LENGTH:
        found.append(_("A password needs at least %(n)s characters.", n=MIN_LENGTH))
    lowered = (password or "").lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        found.append(_("This password is too common; choose another."))
    if username and username.lower() in lowered:
        found.append(_("The password must not contain the username."))
    return found
