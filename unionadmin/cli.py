"""The `unionadmin` command: a Flask CLI group bound to the app, with FAB's `fab` commands.

Commands act as a named account (`--as USERNAME`, default `admin`) so that the same scope
rules hold outside a request.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app, g
from flask.cli import FlaskGroup, with_appcontext
from flask_appbuilder.cli import fab
from flask_migrate import cli as migrate_cli

from unionadmin import create_app
from unionadmin.core import jobs
from unionadmin.core.actor import SYSTEM, acting_as
from unionadmin.core.cards.cli import cards_command
from unionadmin.core.db import session
from unionadmin.core.demo import DemoDataExists, seed_demo
from unionadmin.core.imports.cli import import_members
from unionadmin.core.members import tallies
from unionadmin.core.reports.cli import report as report_command
from unionadmin.core.setup import bootstrap as do_bootstrap
from unionadmin.core.setup import upgrade_database
from unionadmin.plugins import defaults
from unionadmin.plugins.manager import get_pm, plugin_info


def _create_app():
    return create_app()


@click.group("db", help="Database migrations (Alembic) and role synchronisation.")
@click.option("-d", "--directory", default=None, help="Migration script directory.")
@click.option("-x", "--x-arg", multiple=True, help="Arguments for env.py.")
@with_appcontext
def db_group(directory: str | None, x_arg: tuple[str, ...]) -> None:
    g.directory = directory  # read by Flask-Migrate's commands
    g.x_arg = x_arg


for _name, _command in migrate_cli.db.commands.items():
    if _name != "upgrade":
        db_group.add_command(_command, _name)


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Apply migrations (core and plugins), then create or sync roles and permissions."""
    upgrade_database(current_app, revision, directory=g.directory)
    click.echo("Database upgraded; roles and permissions in sync.")


@db_group.command("recount")
@with_appcontext
def recount() -> None:
    """Recount the per-unit member and period tallies and copy member profiles onto their
    periods (after a bulk load that bypassed the database triggers)."""
    tallies.rebuild()
    session().commit()
    click.echo("Member tallies recounted.")


@click.group("jobs", help="Background jobs (imports).")
def jobs_group() -> None:
    pass


@jobs_group.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep jobs younger than this (default: UNIONADMIN_JOB_RETENTION_DAYS, 90).")
@with_appcontext
def purge_jobs(days: int | None) -> None:
    """Delete finished jobs older than DAYS with their files and rejected rows (for cron)."""
    days = days if days is not None else int(current_app.config.get("UNIONADMIN_JOB_RETENTION_DAYS", 90))
    click.echo(f"Deleted {jobs.purge(timedelta(days=days))} finished jobs older than {days} days.")


@click.command("demo")
@click.option("--members", default=3000, show_default=True, help="Number of demo members.")
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@with_appcontext
def demo(members: int, seed: int) -> None:
    """Seed a realistic demo province with fictional members."""
    try:
        with acting_as(SYSTEM):
            summary = seed_demo(members=members, seed=seed)
    except DemoDataExists as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Demo data: {summary['units']} units, {summary['members']} members, "
               f"{summary['accounts']} accounts.")


@click.command("plugins")
@click.option("--all", "show_all", is_flag=True,
              help="Also list the core's own plugins (its reports and card template).")
@with_appcontext
def plugins(show_all: bool) -> None:
    """List loaded plugins, their versions and the hooks each implements."""
    rows = [row for row in plugin_info(get_pm()) if show_all or not defaults.is_core(row["name"])]
    if not rows:
        click.echo("No plugins loaded.")
    for row in rows:
        click.echo(f"{row['name']} {row['version']}: {', '.join(row['hooks']) or '-'}")


@click.command("bootstrap")
@with_appcontext
def bootstrap() -> None:
    """Upgrade the database, create the admin account and seed the demo when empty
    (what `make run` does before starting the server)."""
    for line in do_bootstrap(current_app):
        click.echo(line)


def register_commands(app: Flask) -> None:
    """Nothing to add per app yet: commands live on the `unionadmin` group."""


class UnionAdminGroup(FlaskGroup):
    def __init__(self, **kwargs) -> None:
        super().__init__(create_app=_create_app, add_version_option=True,
                         load_dotenv=False, **kwargs)
        # The CLI is UnionAdmin's own: no commands from other packages' `flask.commands` entry
        # points (Flask-Limiter's `limiter`; FAB's `fab` is added below). Flask 3.1 has no public
        # switch for this, only this flag of FlaskGroup (tests/test_fab_compat.py checks it).
        self._loaded_plugin_commands = True
        for command in (db_group, jobs_group, demo, plugins, bootstrap, fab, report_command):
            self.add_command(command)

        self.add_command(import_members)

        self.add_command(cards_command)


main = UnionAdminGroup(help="UnionAdmin: member management for Vietnam's trade unions.")
