"""Where a plugin's tables belong: on Flask-AppBuilder's `Model.metadata`, the core's one metadata
(the sample plugin's are: test_plugins.py checks its migrations build exactly its models). A
table declared on a metadata of its own is invisible to the schema check: the database has a table
the models lack, and the check (tests/core/test_migrations.py, unionadmin.testing.schema_diff)
fails, as docs/plugins.md warns."""

from __future__ import annotations

import textwrap

from tests.helpers import build_app, schema_diff, uid
from unionadmin.core.setup import upgrade_database

PLUGIN = '''
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
metadata = MetaData()  # its own: the mistake
Table("{table}", metadata, Column("id", Integer, primary_key=True))
'''

MIGRATION = '''
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = None
branch_labels = ("{name}",)
depends_on = "0001"


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_{table}")))


def downgrade():
    op.drop_table("{table}")
'''


def test_a_table_on_a_metadata_of_its_own_fails_the_schema_check(tmp_path, monkeypatch):
    name, tag = f"ua_own_meta_{uid().lower()}", uid().lower()
    table = f"ua_own_{tag}"
    package = tmp_path / "site" / name
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN.format(table=table)))
    (package / "migrations" / f"own_{tag}.py").write_text(
        textwrap.dedent(MIGRATION.format(revision=f"own_{tag}", name=name, table=table)))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    app = build_app(f"sqlite:///{tmp_path}/own.db", tmp_path / "instance", UNIONADMIN_PLUGINS=name)
    with app.app_context():
        upgrade_database(app)
    assert [(d[0], d[1].name) for d in schema_diff(app)] == [("remove_table", table)]
