"""`unionadmin report NAME --unit CODE [--format json|xlsx|pdf] [--date-from D --date-to D]`:
any report, core or plugin, acting as a named account (`--as`, default admin) and its scope."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from unionadmin.core.actor import acting_as, cli_actor
from unionadmin.core.db import session
from unionadmin.core.errors import NotFound, ServiceError, ValidationError
from unionadmin.core.reports.registry import FORMATS, offered_reports, produce
from unionadmin.core.scope import unit_clause
from unionadmin.core.units.models import Unit


@click.command("report")
@click.argument("name")
@click.option("--unit", "unit_code", required=True, help="Code of the unit reported on.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--date-from", help="First day of the period (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--date-to", help="Last day of the period (inclusive).")
@click.option("--status", help="members: statuses, comma-separated.")
@click.option("--columns", help="members: columns, comma-separated.")
@click.option("--as", "username", default="admin", show_default=True, help="Account to act as.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write.")
@with_appcontext
def report(name: str, unit_code: str, fmt: str, date_from: str | None, date_to: str | None,
           status: str | None, columns: str | None, username: str, output: str | None) -> None:
    """Run a report for a unit and write it as JSON, xlsx or PDF."""
    with current_app.test_request_context():
        with acting_as(cli_actor(username)) as actor:
            unit = session().scalar(select(Unit).where(Unit.code == unit_code, unit_clause(actor)))
            if unit is None:
                raise click.ClickException(f"Unit '{unit_code}' does not exist or is outside the scope "
                                           f"of '{username}'.")
            raw = {"unit_id": unit.id, "date_from": date_from, "date_to": date_to,
                   "status": status, "columns": columns}
            try:
                out = produce(name, raw, fmt)
            except NotFound:
                # Unknown, not offered to this account, or not covering this unit: one answer.
                offered = ", ".join(r.name for r in offered_reports())
                raise click.ClickException(_("No report “%(name)s” for the unit %(unit)s. Reports "
                                             "offered to this account: %(reports)s.", name=name,
                                             unit=unit_code, reports=offered)) from None
            except ValidationError as exc:
                raise click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())) \
                    from None
            except ServiceError as exc:
                raise click.ClickException(str(exc.message)) from None
    if fmt == "json":
        text = json.dumps(out.content, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            sys.stdout.write(text + "\n")
        return
    path = output or out.filename
    with open(path, "wb") as handle:
        handle.write(out.content)
    click.echo(f"{len(out.result['rows'])} rows written to {path}")
