"""A per-account session version: every session cookie and JWT carries the version it was
issued under, and a request whose version is not the account's current one is refused. Logout,
a password change or reset and a deactivation bump it, which ends that account's sessions and
tokens on every app server (unionadmin/core/accounts/sessions.py).

Revision ID: 0014_session_version
Revises: 0013_period_tally
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_session_version'
down_revision = '0013_period_tally'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
