"""The sample plugin's table, on a branch of its own.

Revision ID: p_sample_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "p_sample_0001"
down_revision = None
branch_labels = ("ua_sample_plugin",)
depends_on = "0001"  # the core revision that creates the `unit` table


def upgrade():
    op.create_table(
        "ua_sample_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_ua_sample_note_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ua_sample_note")),
    )
    op.create_index(op.f("ix_ua_sample_note_unit_id"), "ua_sample_note", ["unit_id"])


def downgrade():
    op.drop_index(op.f("ix_ua_sample_note_unit_id"), table_name="ua_sample_note")
    op.drop_table("ua_sample_note")
