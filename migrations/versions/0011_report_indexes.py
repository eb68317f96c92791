"""Covering indexes (PostgreSQL) for deep list pages, the dashboard and the reports.

Index-only scans need the columns a query reads inside the index: INCLUDE is PostgreSQL syntax,
so these are created there only, named `ixm_` (env.py leaves them out of model comparisons).

- member (unit_id, status, created_at), on every database: progress and dashboard counts per
  unit and status of a subtree.
- member (sort_key, id) INCLUDE (unit_id): a deep list page pages ids in sort order with the
  scope check on the index alone (ScopedInterface.page_rows, a deferred join).
- member (created_at) INCLUDE (unit_id, status): entries of the last weeks (progress, dashboard
  chart) as an index range.
- member (id) INCLUDE (gender, ethnicity, party_member, date_of_birth): the `changes` make-up
  of those at the end joins each period to its member on the index alone.
- membership_period (unit_id, start_date) INCLUDE (end_date, start_kind, end_kind, member_id):
  the `changes` flows of a subtree without visiting the table.

Revision ID: 0011_report_indexes
Revises: 0010_performance
"""

from alembic import op

revision = '0011_report_indexes'
down_revision = '0010_performance'
branch_labels = None
depends_on = None

INDEXES = {
    'ixm_member_sort_cover': 'member (sort_key, id) INCLUDE (unit_id)',
    'ixm_member_created_cover': 'member (created_at) INCLUDE (unit_id, status)',
    'ixm_member_breakdown': 'member (id) INCLUDE (gender, ethnicity, party_member, date_of_birth)',
    'ixm_period_unit_cover': 'membership_period (unit_id, start_date) '
                             'INCLUDE (end_date, start_kind, end_kind, member_id)',
}


def upgrade():
    op.create_index('ix_member_unit_status_created', 'member', ['unit_id', 'status', 'created_at'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, spec in INDEXES.items():
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {spec}')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_member_unit_status_created', table_name='member')
