"""Alembic environment: FAB's metadata (ab_* tables and ours) on SQLite and PostgreSQL."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

from flask_appbuilder import Model  # noqa: E402

import unionadmin.core.models  # noqa: E402,F401

target_metadata = Model.metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # Indexes created by hand in migrations (trigram, expression) are not in the models.
    if type_ == "index" and reflected and compare_to is None and name and name.startswith("ixm_"):
        return False
    return True


def _engine():
    return current_app.extensions["migrate"].db.engine


def run_migrations_offline():
    context.configure(url=str(_engine().url), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = _engine()
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True,
                          include_object=_include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
