"""The sample plugin's table (a branch of its own).

Revision ID: p_sample_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "p_sample_0001"
down_revision = None
branch_labels = ("ua_sample_plugin",)
depends_on = "0001"


def upgrade():
    op.create_table("ua_sample_note", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("text", sa.String(200), nullable=False))


def downgrade():
    op.drop_table("ua_sample_note")
