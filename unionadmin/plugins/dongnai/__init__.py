"""Đồng Nai: the bundled example plugin (off by default).

Enable it with ``UNIONADMIN_PLUGINS=unionadmin.plugins.dongnai``. It acts only on the units under
the province whose code is the setting ``UNIONADMIN_DONGNAI_PROVINCE_CODE`` (default ``DNA``, the
demo's; settings are read with `unionadmin.plugins.config`: the environment, the instance
folder's plugins.toml or the app's settings, docs/plugins.md#settings):

* an approval step: after the grassroots union approves, the upper-level union confirms;
* a member field ``industrial_zone`` (one of the province's industrial zones) with a check:
  only members of the province may have one, and members under the industrial-zones union
  (``UNIONADMIN_DONGNAI_KCN_UNION_CODE``, default ``KCN``) must have one;
* a provincial card template, offered only for units of the province;
* a report of weekly entry progress by upper-level union, offered only for units of the province
  (both through ``applies_to``: elsewhere they do not exist).

It reads and writes nothing except through the core's services and scoped report helpers.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from unionadmin import hookimpl
from unionadmin.core.db import session
from unionadmin.core.scope import in_subtree
from unionadmin.core.units import services as units
from unionadmin.core.units.models import Unit
from unionadmin.plugins import config

__version__ = "1.0"

#: Đồng Nai's industrial zones (the province's list, short names as officers write them).
INDUSTRIAL_ZONES = (
    "Amata", "Biên Hòa 1", "Biên Hòa 2", "Long Thành", "Nhơn Trạch 1", "Nhơn Trạch 2",
    "Nhơn Trạch 3", "Nhơn Trạch 5", "Nhơn Trạch 6", "Nhơn Trạch 2 - Nhơn Phú",
    "Nhơn Trạch 2 - Lộc Khang", "Dệt may Nhơn Trạch", "Hố Nai", "Sông Mây", "Loteco",
    "Tam Phước", "Giang Điền", "Agtex Long Bình", "An Phước", "Long Đức", "Lộc An - Bình Sơn",
    "Gò Dầu", "Xuân Lộc", "Định Quán", "Thạnh Phú", "Bàu Xéo", "Long Khánh", "Dầu Giây",
    "Suối Tre", "Ông Kèo", "Tân Phú", "Nhơn Trạch",
)
FIELD = "industrial_zone"
STEP = "dongnai_upper_confirm"
TEMPLATE = "dongnai"
#: The name of its settings: UNIONADMIN_DONGNAI_<KEY>.
NAME = "dongnai"


def province_code() -> str:
    return config(NAME, "province_code", "DNA")


def kcn_code() -> str:
    return config(NAME, "kcn_union_code", "KCN")


def _chain(unit_id: Any) -> list[Unit]:
    """The unit and its ancestors, root first ([] for an unknown unit)."""
    unit = session().get(Unit, unit_id) if isinstance(unit_id, int) else None
    return units.ancestors(unit) + [unit] if unit is not None else []


def _province_path() -> str | None:
    """The province's path, looked up once per request: `applies_to` is asked for many units."""
    code = province_code()
    cached = g.get("_dongnai_province")
    if cached is None or cached[0] != code:
        cached = (code, session().scalar(select(Unit.path).where(Unit.code == code)))
        g._dongnai_province = cached
    return cached[1]


def in_province(unit: Unit | Any) -> bool:
    """Whether a unit (or a unit id) lies in the province: the `applies_to` of the card template
    and the report."""
    if not isinstance(unit, Unit):
        unit = session().get(Unit, unit) if isinstance(unit, int) else None
    path = _province_path()
    return unit is not None and path is not None and in_subtree(unit.path, path)


# -- hooks --------------------------------------------------------------------------------------


@hookimpl
def approval_steps(member):
    """The upper-level union confirms after the grassroots union, for members of the province
    whose grassroots union sits under an upper-level union."""
    chain = _chain(member.unit_id)
    if not any(u.code == province_code() for u in chain) or not any(u.level == "upper" for u in chain):
        return []
    return [{"name": STEP, "label": _("Confirmed by the upper-level union"), "role": "Approver",
             "level": "upper"}]


@hookimpl
def register_member_fields():
    return [{"name": FIELD, "label": _l("Industrial zone"), "type": "choice", "required": False,
             "choices": list(INDUSTRIAL_ZONES)}]


@hookimpl
def validate_member(member, errors):
    zone = member.get(FIELD)
    chain = _chain(member.get("unit_id"))
    if not any(u.code == province_code() for u in chain):
        if zone:
            errors.add(FIELD, _("The industrial zone is recorded only for members in Đồng Nai."))
        return
    if not zone and any(u.code == kcn_code() for u in chain):
        errors.add(FIELD, _("Members of the industrial zones' union must have an industrial zone."))


@hookimpl
def register_card_templates():
    # Here, not at the top: the module imports this package (`in_province`), a cycle.
    from unionadmin.plugins.dongnai.card import template

    return [template()]


@hookimpl
def register_reports():
    # Here, not at the top: the module imports this package (`in_province`), a cycle.
    from unionadmin.plugins.dongnai.report import REPORT

    return [REPORT]
