"""Performance: the security version stamp behind the per-process permission cache.

Revision ID: 0010_performance
Revises: 0009_card_printing
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_performance'
down_revision = '0009_card_printing'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'ua_security_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ua_security_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('ua_security_version')
