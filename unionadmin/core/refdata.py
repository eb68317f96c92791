"""Reference data shipped with the package (copied from shared/data; sources in its README):
the 63 pre-2025 provinces with the codes that open a citizen ID, and the 54 ethnic groups."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from unionadmin.core.text import fold, nfc


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("unionadmin").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def provinces() -> dict[str, dict[str, str]]:
    """Province code ("075") -> row with name and the province it merged into in 2025."""
    return {row["code"].zfill(3): row for row in _rows("provinces.csv")}


@cache
def ethnicities() -> dict[str, str]:
    """Two-digit code -> name, in the statistics office's order."""
    return {row["code"].zfill(2): row["name"] for row in _rows("ethnicities.csv")}


@cache
@cache
def ethnicity_names() -> tuple[str, ...]:
    return tuple(ethnicities().values())


@cache
def _ethnicity_lookup() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Exact (case-insensitive NFC) and accent-free indexes of the ethnic group names."""
    exact = {nfc(name).casefold(): name for name in ethnicities().values()}
    folded: dict[str, list[str]] = {}
    for name in ethnicities().values():
        folded.setdefault(fold(name), []).append(name)
    return exact, folded


def ethnicity_name(value: str | None) -> str | None:
    """Canonical name for a name (any case, with or without diacritics) or a two-digit code;
    None if unknown or ambiguous."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return ethnicities().get(value.zfill(2))

    exact, folded = _ethnicity_lookup()
    if nfc(value).casefold() in exact:
        return exact[nfc(value).casefold()]
    matches = folded.get(fold(value), [])
    return matches[0] if len(matches) == 1 else None
