"""The core's reports, offered through the `register_reports` hook as a plugin's are
(plugins/defaults.py): the report registry collects them with the plugins' reports, first."""

from __future__ import annotations

from unionadmin.core.reports import cards, changes, members, progress, units
from unionadmin.core.reports.base import Report
from unionadmin.plugins.hookspecs import hookimpl


@hookimpl
def register_reports() -> list[Report]:
    return [progress.REPORT, changes.REPORT, units.REPORT, cards.REPORT, members.REPORT]
