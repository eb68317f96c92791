"""An out-of-tree plugin used by tests/test_plugins.py: one implementation of every hook, and a
migration of its own. Loaded with UNIONADMIN_PLUGINS=ua_sample_plugin (tests/ is on sys.path)."""

from __future__ import annotations

from pathlib import Path

from flask_appbuilder import BaseView, expose, has_access

from unionadmin import hookimpl

__version__ = "0.1"
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
EVENTS: list[tuple[str, int]] = []


def in_sample_subtree(unit) -> bool:
    """`applies_to` of the sample report and template: the subtree of the unit whose code is the
    setting SAMPLE_PLUGIN_UNIT, or everywhere without the setting."""
    from flask import current_app
    from sqlalchemy import select

    from unionadmin.core.db import session
    from unionadmin.core.units.models import Unit

    code = current_app.config.get("SAMPLE_PLUGIN_UNIT")
    if not code:
        return True
    path = session().scalar(select(Unit.path).where(Unit.code == code))
    return path is not None and unit.path.startswith(path)


@hookimpl
def register_card_templates():
    return [{"name": "sample_card", "label": "Sample card", "html": "<p>{{ card.full_name }}</p>",
             "css": "", "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 1},
             "applies_to": in_sample_subtree}]


@hookimpl
def approval_steps(member):
    if member.union_position == "skip-sample-step":
        return []
    return [{"name": "sample_check", "label": "Sample check", "role": "Approver", "level": "upper"}]


@hookimpl
def validate_member(member, errors):
    if member["full_name"].startswith("Cấm"):
        errors.add("full_name", "Refused by the sample plugin.")
    if member.get("shirt_size") == "XL" and not member.get("badge_no"):
        errors.add("badge_no", "An XL shirt needs a badge number.")


@hookimpl
def register_member_fields():
    return [{"name": "shirt_size", "label": "Shirt size", "type": "choice", "required": False,
             "choices": ["S", "M", "L", "XL"]},
            {"name": "badge_no", "label": "Badge number", "type": "integer", "required": False}]


def _count(params):
    from unionadmin.core.members import search  # noqa: F401 - the core's scoped helpers
    from unionadmin.core.reports.progress import compute

    totals = compute(params.unit)["totals"]
    return {"columns": [("unit_name", "Unit"), ("members_entered", "Entered")],
            "rows": [], "totals": {"unit_name": "Total", "members_entered": totals["members_entered"]}}


@hookimpl
def register_reports():
    return [{"name": "sample_count", "label": "Sample count", "params": ["unit_id"], "run": _count,
             "applies_to": in_sample_subtree}]


@hookimpl
def member_event(event):
    EVENTS.append((event.kind, event.member_id))


class SampleView(BaseView):
    route_base = "/sample"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return "sample plugin page"


@hookimpl
def register_views(appbuilder):
    appbuilder.add_view(SampleView, "Sample page", category="Reports")
