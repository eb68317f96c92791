"""The sample province plugin: what docs/plugins.md builds, step by step, from an empty folder.

An installable package outside the core (pyproject.toml declares the entry point
``ua_sample_plugin``), acting only in the province whose code is the setting
``UNIONADMIN_UA_SAMPLE_PROVINCE_CODE`` (default ``SPL``). It implements every hook:

* ``approval_steps``: the province checks each new member after the grassroots union;
* ``register_member_fields`` and ``validate_member``: a uniform shirt size and a badge number
  (an XL shirt needs a badge number), and a name the province refuses;
* ``register_card_templates`` and ``register_reports``: a card and a report offered only in the
  province (``applies_to``);
* ``member_event``: remembers the events of the province's members (``EVENTS``);
* ``register_views``: a page and an API for the province's Unit Admins (views.py), over a table
  of its own (models.py, created by its migration in migrations/).

Its messages are English msgids translated in its own catalogue (translations/vi and en).
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ua_sample_plugin import report, views
from ua_sample_plugin.province import in_province
from unionadmin import hookimpl
from unionadmin.core.db import session
from unionadmin.core.members.models import Member

__version__ = "0.2"  # shown by `unionadmin plugins` when it is not installed as a distribution
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
#: (kind, member id) of every event of a member of the province, in the order they came.
EVENTS: list[tuple[str, int]] = []
SHIRT_SIZES = ["S", "M", "L", "XL"]
REFUSED_PREFIX = "Cấm"


@hookimpl
def register_card_templates():
    # The keys, what `card` holds and the checks a template passes: docs/card-templates.md.
    return [{"name": "sample_card", "label": _l("Sample province card"), "applies_to": in_province,
             "html": '<p class="holder">{{ card.holder_name }}</p>'
                     '<p>{{ _("Card number") }}: {{ card.card_number }}</p>'
                     '<p>{{ card.unit_name }}</p>',
             "css": "@page { size: 85.6mm 54mm; margin: 4mm 4mm 4mm 30mm; }"
                    " .holder { font-size: 11pt; font-weight: bold; }",
             "layout": {"width_mm": 85.6, "height_mm": 54, "pages": 1,
                        "photo": {"x_mm": 4, "y_mm": 12, "width_mm": 21, "height_mm": 28}}}]


@hookimpl
def approval_steps(member):
    # `member` is a Member whose columns are set (during an Excel import it is not saved yet:
    # read member.unit_id, not member.unit).
    if not in_province(member.unit_id) or member.union_position == "skip-sample-step":
        return []
    return [{"name": "sample_check", "label": _("Checked by the province"), "role": "Approver",
             "level": "upper"}]


@hookimpl
def validate_member(member, errors):
    # `member` is a mapping of the values to be saved, plugin fields included (flat).
    if not in_province(member.get("unit_id")):
        return
    if str(member.get("full_name") or "").startswith(REFUSED_PREFIX):
        errors.add("full_name", _("The province refuses this name."))
    if member.get("shirt_size") == "XL" and not member.get("badge_no"):
        errors.add("badge_no", _("An XL shirt needs a badge number."))


@hookimpl
def register_member_fields():
    return [{"name": "shirt_size", "label": _l("Shirt size"), "type": "choice", "required": False,
             "choices": SHIRT_SIZES},
            {"name": "badge_no", "label": _l("Badge number"), "type": "integer", "required": False}]


@hookimpl
def register_reports():
    return [report.REPORT]


@hookimpl
def member_event(event):
    # Called after the event is committed; `event` is the MemberEvent row (kind, member_id,
    # effective_date, recorded_at, actor_id, from_unit_id, to_unit_id, details).
    member = session().get(Member, event.member_id)
    if member is not None and in_province(member.unit_id):
        EVENTS.append((event.kind, event.member_id))


@hookimpl
def register_views(appbuilder):
    appbuilder.add_view(views.SampleNoteView, "Province notes", label=_l("Province notes"),
                        icon="fa-sticky-note", category="Organisation")
    appbuilder.add_api(views.SampleNoteApi)
