"""Every hook a UnionAdmin plugin may implement.

A plugin is a module or package with functions decorated by ``@unionadmin.hookimpl`` whose names
are the hooks below. It is found through the entry-point group ``unionadmin.plugins`` or the
``UNIONADMIN_PLUGINS`` setting (comma-separated module names). Hooks are called by the core's
services, never by views, with the scope of the account the core is acting for.

Unless a hook says otherwise, every plugin's implementation is called and the results are
collected in a list (pluggy's default); no hook here is ``firstresult``.

**Where an item is offered** (``applies_to``): a card template or a report may carry the key
``applies_to``, a function ``(unit) -> bool`` of a ``Unit``. The item is then offered only for
units where it returns True; absent, it is offered everywhere. Write it as a rule on the tree
(true for a unit and the units below it, such as "inside my province") and keep it cheap: the
core lists the item for an account when the rule holds for the account's unit or for a unit of
its scope above grassroots level (so a province's report is listed for that province's officers
and for those above them, not for another province's), and, where it does not hold for a unit,
answers as if the item did not exist (a report: 404 / "no such report"; a card template: left
out of the choice, and choosing or printing it is refused with an error on ``card_template``).
See ``unionadmin/plugins/applies.py``.

A plugin that needs tables declares them on Flask-AppBuilder's ``Model`` (the core's one
metadata) and sets a module attribute ``MIGRATIONS_DIR`` (a directory of Alembic revisions on a
branch of its own); ``unionadmin db upgrade`` applies them (see
``unionadmin/plugins/migrations.py`` and docs/plugins.md).

Beyond the hooks a plugin uses: ``unionadmin.plugins.config(plugin, key, default)`` for its
settings (plugins/settings.py), a ``translations/`` folder for its messages
(plugins/translations.py), ``roles`` and ``applies_to`` on its views and APIs
(plugins/access.py), and ``unionadmin.testing`` for its tests.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("unionadmin")
hookimpl = pluggy.HookimplMarker("unionadmin")


@hookspec
def register_card_templates():
    """Called once at start-up. Return a list of card templates, each a mapping with
    ``name`` (unique), ``label`` (shown to officers), ``html`` and ``css`` (for xhtml2pdf),
    ``layout`` (page size and the positions it needs) and optionally ``applies_to`` (a function
    ``(unit) -> bool``: the template is offered, chosen and printed only for units where it
    returns True; see "Where an item is offered" above). Without ``applies_to`` a template is
    offered for every unit."""


@hookspec
def approval_steps(member):
    """Called when a member is submitted for approval (created, resubmitted or readmitted),
    after the core's own step is defined. Return a list of extra steps, each a mapping with
    ``name`` (an identifier, stored with the step), ``label`` (shown; stored as text in the
    language of the submission), ``role`` (the role that decides: ``Approver``, ``Officer``,
    ``Viewer`` or ``Unit Admin``; a Unit Admin and an Admin may always decide) and ``level``: a
    unit level, one of ``central``, ``province``, ``upper``, ``grassroots``, ``department``,
    ``group``. An account decides the step when it holds ``role`` in an ancestor of the member's
    unit (or the unit itself) whose level is ``level`` or higher (``upper``: a district or
    industrial-zone union, its province, the centre). The steps of every plugin run after the
    core step, in plugin order. Return ``[]`` or None for members the plugin ignores; a step
    with another level, or without name or role, stops the submission.
    During an Excel import the member is not saved yet (rows are written in batches): read its
    columns (``member.unit_id``, ``member.gender``...), not its relationships or its id."""


@hookspec
def validate_member(member, errors):
    """Called before every save of a member (form, API, import), after the core's checks.
    ``member`` is a mapping of the values to be saved (``unit_id`` included); ``errors`` is a
    collector: call ``errors.add(field, message)`` with a translated message to refuse the
    save. Return nothing."""


@hookspec
def register_member_fields():
    """Called once at start-up. Return a list of extra member fields, each a mapping with
    ``name`` (an identifier), ``label``, ``type`` (``string``, ``integer``, ``date``,
    ``boolean`` or ``choice``), ``required`` (bool) and, for choices, ``choices`` (a list of
    values). They are stored with the member (in ``Member.extra``), checked by the member
    services (type, choices, required), shown in the add/edit forms, in the API as flat keys
    named after the field, in exports and the import template; choice fields are list filters
    (``/members/list/``, API filter ``col:<name>,opr:eq``). Names must not be core field names."""


@hookspec
def register_reports():
    """Called once at start-up. Return a list of reports, each a mapping with ``name``,
    ``label``, ``params`` (names of the parameters it takes), ``run`` (a function of the
    scoped parameters returning columns and rows) and optionally ``applies_to`` (a function
    ``(unit) -> bool``: the report is listed and runs only where it returns True, and answers
    like an unknown report elsewhere; see "Where an item is offered" above), or instances of
    ``unionadmin.core.reports.registry.Report`` with the same fields. They get the core
    reports' scope, menu, API, CLI and export formats."""


@hookspec
def member_event(event):
    """Called after every member event is committed, for every member in the country (check
    the unit yourself), with the event: a ``MemberEvent`` row whose attributes are ``id``,
    ``kind`` (the event kinds of docs/api.md: ``created``, ``approved``, ``transferred_in``...),
    ``member_id``, ``effective_date`` (the business date), ``recorded_at`` (when it was entered,
    naive UTC), ``actor_id`` (the account, None for the system), ``from_unit_id``,
    ``to_unit_id`` (None when the event moves nobody) and ``details`` (a dict or None). Return
    nothing; an exception is logged, never undoes the event."""


@hookspec
def register_views(appbuilder):
    """Called once at start-up, after the core's views are registered, with the app's
    AppBuilder: add menu items, views and APIs. Return nothing."""
