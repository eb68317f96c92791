"""One framework for core and plugin reports.

A report declares a name, a title (an English msgid, shown in Vietnamese), the parameters it takes
and a `run(params)` function returning columns and rows (and totals). The framework parses the
parameters, applies the scope (a unit outside the caller's subtree is NotFound, exactly like a
missing one) and gives every report the menu page, the API, the CLI and the export formats.

A plugin's report may be limited to part of the tree (`applies_to`, plugins/applies.py): it is
listed only for actors it is offered to (`offered_reports`), and for any other actor, or for a
unit where it does not apply, it answers exactly like a report that does not exist (NotFound).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from unionadmin.core import audit
from unionadmin.core.actor import current_actor
from unionadmin.core.db import session, today
from unionadmin.core.errors import NotFound, ValidationError
from unionadmin.core.reports import export
from unionadmin.core.reports.base import Params, Report  # also imported from here by plugins
from unionadmin.core.scope import get_unit
from unionadmin.core.units.models import Unit
from unionadmin.plugins import applies, defaults
from unionadmin.plugins.manager import get_pm

log = logging.getLogger(__name__)

#: Parameters the framework knows how to parse (a report names the ones it takes).
PARAM_LABELS: dict[str, Any] = {
    "unit_id": _l("Unit"),
    "date_from": _l("From"),
    "date_to": _l("To"),
    "status": _l("Status"),
    "columns": _l("Columns"),
    "page": _l("Page"),
    "page_size": _l("Rows per page"),
}
FORMATS = ("json", "xlsx", "pdf")
#: Rows a list report puts in one file (xhtml2pdf lays out a few hundred table rows a second).
MAX_ROWS = {"xlsx": 100_000, "pdf": 2_000}


def _from_plugin(item: Any, plugin: str | None) -> Report:
    """A report returned by `register_reports`: a Report, or a mapping with name, label/title,
    params, run and optionally applies_to. `plugin` is who returned it (None: the core), whatever
    the Report says."""
    if isinstance(item, Report):
        return item if item.plugin == plugin else dataclasses.replace(item, plugin=plugin)
    params = tuple(item.get("params") or ("unit_id",))
    if "unit_id" not in params:
        params = ("unit_id", *params)
    return Report(name=item["name"], title=item.get("title") or item.get("label") or item["name"],
                  run=item["run"], params=params, description=item.get("description", ""),
                  kind=item.get("kind", "aggregate"), plugin=plugin,
                  applies_to=item.get("applies_to"))


def all_reports() -> dict[str, Report]:
    """Every report, collected once per app at first use through `register_reports`: the core's
    (its default plugin, core/reports/default_plugin.py) first, then each plugin's."""
    cache = current_app.extensions.get("unionadmin.reports")
    if cache is not None:
        return cache
    reports: dict[str, Report] = {}
    for impl in defaults.hookimpls(get_pm(), "register_reports"):
        plugin = None if defaults.is_core(impl.plugin_name) else impl.plugin_name
        for item in impl.function() or []:
            report = _from_plugin(item, plugin)
            if report.applies_to is not None and not callable(report.applies_to):
                # Offered nowhere rather than everywhere: the plugin meant to limit it.
                log.error("Report '%s' of plugin %s: applies_to is not a function of a unit; "
                          "the report is left out", report.name, impl.plugin_name)
                continue
            if report.name in reports:
                # The first one stays: a plugin never replaces a core report (nor an earlier
                # plugin's).
                log.error("Report '%s' of plugin %s: the name is taken; the report is left out",
                          report.name, impl.plugin_name)
                continue
            reports[report.name] = report
    current_app.extensions["unionadmin.reports"] = reports
    return reports


def offered_reports() -> list[Report]:
    """The reports offered to the current actor: what the menu page, the API list and the CLI
    show (a plugin's `applies_to` leaves its report out for actors it does not concern)."""
    return [r for r in all_reports().values() if applies.offered(r.applies_to)]


def get_report(name: str) -> Report:
    """The report called `name` if it is offered to the current actor; NotFound otherwise."""
    report = all_reports().get(name)
    if report is None or not applies.offered(report.applies_to):
        raise NotFound()
    return report


# -- parameters --------------------------------------------------------------------------------

def parse_date(value: Any, name: str) -> date | None:
    """ISO (2026-01-31) or Vietnamese (31/01/2026) dates; empty is None."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError.single(name, _("Not a valid date (dd/mm/yyyy)."))


def _int(value: Any, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError.single(name, _("Not a valid number.")) from None
    return min(max(number, low), high)


def default_unit() -> Unit:
    """The caller's own unit (an Admin without a unit must choose one)."""
    actor = current_actor()
    if actor.unit_id is None:
        raise ValidationError.single("unit_id", _("Choose a unit."))
    return get_unit(actor.unit_id)


def parse_params(report: Report, raw: Mapping[str, Any], paged: bool = True) -> Params:
    """Raw query or CLI values -> Params; a unit outside the scope, or one the report does not
    apply to, is NotFound."""
    unit_raw = raw.get("unit_id")
    if unit_raw in (None, ""):
        unit = default_unit()
        if not applies.applies(report.applies_to, unit):
            # The caller did not choose a unit: ask for one instead of pretending nothing exists.
            raise ValidationError.single("unit_id", _("This report does not cover your unit: "
                                                      "choose a unit it covers."))
    else:
        try:
            unit = get_unit(int(unit_raw))
        except (TypeError, ValueError):
            raise NotFound() from None
        if not applies.applies(report.applies_to, unit):
            raise NotFound()
    day = today()
    date_to = parse_date(raw.get("date_to"), "date_to") or day
    date_from = parse_date(raw.get("date_from"), "date_from") or date(date_to.year, 1, 1)
    if date_from > date_to:
        raise ValidationError.single("date_from", _("The start date is after the end date."))
    columns = raw.get("columns")
    if isinstance(columns, str):
        columns = [c for c in columns.split(",") if c]
    known = set(PARAM_LABELS) | {"format", "_l_"}
    return Params(
        unit=unit, date_from=date_from, date_to=date_to,
        status=raw.get("status") or None, columns=list(columns) if columns else None,
        page=_int(raw.get("page"), "page", 0, 0, 10**6),
        page_size=_int(raw.get("page_size"), "page_size", 25, 1, 100),
        paged=paged,
        extra={k: str(v) for k, v in raw.items() if k not in known and v not in (None, "")},
    )


# -- running -----------------------------------------------------------------------------------

def _column(col: Any) -> dict[str, str]:
    if isinstance(col, Mapping):
        return {"name": str(col["name"]), "label": str(col.get("label") or col["name"])}
    if isinstance(col, tuple | list):
        return {"name": str(col[0]), "label": str(col[1] if len(col) > 1 else col[0])}
    return {"name": str(col), "label": str(col)}


def run(report: Report, params: Params) -> dict[str, Any]:
    """The report's result in the public JSON shape (values still Python dates/numbers)."""
    data = report.run(params)
    columns = [_column(c) for c in data.get("columns", [])]
    names = [c["name"] for c in columns]
    rows = [{n: row.get(n) for n in names} if isinstance(row, Mapping)
            else dict(zip(names, row, strict=False)) for row in data.get("rows", [])]
    result: dict[str, Any] = {
        "name": report.name, "title": str(report.title), "params": params.as_dict(),
        "unit": {"id": params.unit.id, "code": params.unit.code, "name": params.unit.name},
        "columns": columns, "rows": rows, "totals": data.get("totals"),
    }
    for key, value in data.items():
        if key not in result and key not in ("columns", "rows"):
            result[key] = value
    return result


def record_export(report: Report, params: Params, fmt: str, rows: int) -> None:
    """Every export leaves an audit row (who, what, which unit, which period)."""
    audit.record("report.export", "report", None, params.unit.path,
                 {"report": report.name, "format": fmt, "rows": rows, **params.as_dict()})
    session().commit()


def jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@dataclass
class Output:
    report: Report
    params: Params
    result: dict[str, Any]
    content: bytes | dict[str, Any]
    mimetype: str
    filename: str


def produce(name: str, raw: Mapping[str, Any], fmt: str = "json", audit_json: bool = True) -> Output:
    """Run a report for the current actor and render it; every export leaves an audit row."""
    report = get_report(name)
    if fmt not in FORMATS:
        raise ValidationError.single("format", _("Unknown format."))
    params = parse_params(report, raw, paged=fmt == "json")
    params.max_rows = MAX_ROWS.get(fmt, params.max_rows)
    result = run(report, params)
    stem = f"{report.name}_{params.unit.code}_{today().strftime('%Y%m%d')}"
    if fmt == "xlsx":
        content, mimetype = export.to_xlsx(result), export.XLSX_MIME
    elif fmt == "pdf":
        content, mimetype = export.to_pdf(result), export.PDF_MIME
    else:
        content, mimetype = jsonable(result), "application/json"
    if fmt != "json" or audit_json:
        record_export(report, params, fmt, len(result["rows"]))
    return Output(report, params, result, content, mimetype, f"{stem}.{fmt}")
