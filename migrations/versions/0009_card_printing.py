"""Card printing: member photos, and the card template chosen per unit.

Revision ID: 0009_card_printing
Revises: 0004_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_card_printing'
down_revision = '0004_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_photo',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('image', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                                name=op.f('fk_member_photo_member_id_member')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'],
                                name=op.f('fk_member_photo_updated_by_id_ab_user')),
        sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_photo')),
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_template', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('card_template')
    op.drop_table('member_photo')
