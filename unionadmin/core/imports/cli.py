"""`unionadmin import-members FILE.xlsx --unit CODE [--dry-run] [--as USERNAME]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from unionadmin.core import jobs
from unionadmin.core.actor import acting_as, cli_actor
from unionadmin.core.db import session
from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.imports import services
from unionadmin.core.units.models import Unit


def _error_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}-loi.xlsx")


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit the members go to "
              "(rows may name another unit in the 'Mã đơn vị' column).")
@click.option("--dry-run", is_flag=True, help="Check the file without entering anything.")
@click.option("--as", "username", default="admin", show_default=True,
              help="Account whose scope applies.")
def import_members(file: Path, unit_code: str, dry_run: bool, username: str) -> None:
    """Import members from an Excel workbook (the same import as the web page)."""
    _run(file, unit_code, dry_run, username)


@with_appcontext
def _run(file: Path, unit_code: str, dry_run: bool, username: str) -> None:
    current_app.config["UNIONADMIN_JOBS"] = "queue"  # run below, in this process, with a bar
    with acting_as(cli_actor(username)):
        unit_id = session().scalar(select(Unit.id).where(Unit.code == unit_code))
        try:
            job = services.start_import(file.read_bytes(), file.name, unit_id, dry_run=dry_run)
        except ValidationError as exc:
            raise click.ClickException(" ".join(m for ms in exc.errors.values() for m in ms)) from None
        except ServiceError as exc:
            raise click.ClickException(str(exc.message)) from None
        with click.progressbar(length=max(job.total, 1), label=file.name) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            job = jobs.run(job.id, progress=progress)
        state = services.job_state(job)
        if state["status"] == "failed":
            raise click.ClickException(state["message"] or "failed")
        label = "valid" if dry_run else "created"
        click.echo(f"{state['done']} rows: {state['valid']} {label}, {state['duplicates']} already "
                   f"registered, {state['error_rows']} with errors (job {job.id}).")
        if state["error_rows"]:
            target = _error_path(file)
            with target.open("wb") as out:
                services.error_file(job, out)
            click.echo(f"Rows with errors written to {target}")
