"""Where the plugin acts: the province whose code is the setting UNIONADMIN_UA_SAMPLE_PROVINCE_CODE
(default ``SPL``), and every unit below it."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from unionadmin.core.db import session
from unionadmin.core.scope import in_subtree
from unionadmin.core.units.models import Unit
from unionadmin.plugins import config

#: The plugin's name in its settings: UNIONADMIN_UA_SAMPLE_<KEY>.
NAME = "ua_sample"


def province_code() -> str:
    return config(NAME, "province_code", "SPL")


def province_path() -> str | None:
    """The province's path, looked up once per request (`applies_to` is asked for many units)."""
    code = province_code()
    cached = g.get("_ua_sample_province")
    if cached is None or cached[0] != code:
        cached = (code, session().scalar(select(Unit.path).where(Unit.code == code)))
        g._ua_sample_province = cached
    return cached[1]


def in_province(unit: Unit | int | Any) -> bool:
    """Whether a unit (or a unit id) lies in the province: the `applies_to` of the plugin's
    report, card template, page and API."""
    if not isinstance(unit, Unit):
        unit = session().get(Unit, unit) if isinstance(unit, int) and not isinstance(unit, bool) else None
    path = province_path()
    return unit is not None and path is not None and in_subtree(unit.path, path)
