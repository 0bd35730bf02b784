"""removed students can be put back (with their groups); classes can be archived

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 17:15:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('removed_enrolments',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('groups', sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_removed_enrolments_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_removed_enrolments_removed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_removed_enrolments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_removed_enrolments'))
    )
    with op.batch_alter_table('removed_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_removed_enrolments_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('removed_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_removed_enrolments_user_id'))
    op.drop_table('removed_enrolments')
