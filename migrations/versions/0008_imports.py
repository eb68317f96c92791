"""Background jobs and the rows an import rejected (issue #8)

Revision ID: 0008_imports
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_imports'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('input_name', sa.String(length=255), nullable=True),
    sa.Column('input_data', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name=op.f('fk_job_created_by_id_ab_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_job_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_kind_created', ['kind', 'created_at'], unique=False)
        batch_op.create_index('ix_job_unit', ['unit_id', 'created_at'], unique=False)

    op.create_table('import_reject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_import_reject_job_id_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_reject'))
    )
    with op.batch_alter_table('import_reject', schema=None) as batch_op:
        batch_op.create_index('ix_import_reject_job_row', ['job_id', 'row'], unique=False)


def downgrade():
    with op.batch_alter_table('import_reject', schema=None) as batch_op:
        batch_op.drop_index('ix_import_reject_job_row')
    op.drop_table('import_reject')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_unit')
        batch_op.drop_index('ix_job_kind_created')
    op.drop_table('job')
