"""`unionadmin cards FILE.pdf --unit CODE [--status active] [--as USERNAME] [--jobs N]`: A4
sheets of cards for a unit's subtree, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from unionadmin.core.actor import acting_as, cli_actor
from unionadmin.core.cards import printing
from unionadmin.core.cards.templates import TemplateError
from unionadmin.core.db import session
from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.units.models import Unit

STATUSES = ("active", "suspended", "transfer_pending", "any")


@click.command("cards")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit whose subtree is printed.")
@click.option("--status", default="active", show_default=True, type=click.Choice(STATUSES),
              help="Members of this status only ('any': every member with a valid card).")
@click.option("--cards-only", is_flag=True, help="Card-size pages instead of A4 sheets.")
@click.option("--as", "username", default="admin", show_default=True,
              help="Account whose scope applies.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes rendering in parallel (one core each; large runs only).")
def cards_command(file: Path, unit_code: str, status: str, cards_only: bool, username: str,
                  jobs: int) -> None:
    """Print the cards of a unit and the units below it (A4 sheets with cut marks)."""
    _run(file, unit_code, None if status == "any" else status, not cards_only, username, jobs)


@with_appcontext
def _run(file: Path, unit_code: str, status: str | None, sheets: bool, username: str,
         jobs: int) -> None:
    with acting_as(cli_actor(username)):
        unit_id = session().scalar(select(Unit.id).where(Unit.code == unit_code))
        try:
            if unit_id is None:
                raise click.ClickException(f"No unit with code {unit_code!r} in your scope.")
            total = printing.count_unit_cards(unit_id, status)
            with click.progressbar(length=max(total, 1), label=file.name) as bar:
                pdf, printed = printing.print_unit(unit_id, status, sheets=sheets,
                                                   progress=bar.update, jobs=jobs)
        except TemplateError as exc:
            raise click.ClickException(str(exc)) from None
        except ValidationError as exc:
            raise click.ClickException(" ".join(m for ms in exc.errors.values() for m in ms)) from None
        except ServiceError as exc:
            message = exc.message or "not found or outside your scope"
            raise click.ClickException(str(message)) from None
    file.write_bytes(pdf)
    click.echo(f"{printed} cards written to {file}.")
