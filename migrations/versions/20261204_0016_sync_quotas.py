"""sync quotas: per enrolled laptop, pushes per minute and new events and bytes per day

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04 16:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_quotas',
    sa.Column('device_pk', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=True),
    sa.Column('window_pushes', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('day_new_events', sa.Integer(), nullable=False),
    sa.Column('day_bytes', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_pk'], ['sync_devices.id'], name=op.f('fk_sync_quotas_device_pk_sync_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_pk', name=op.f('pk_sync_quotas'))
    )


def downgrade() -> None:
    op.drop_table('sync_quotas')
