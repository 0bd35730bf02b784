"""xAPI outbox: learning events waiting for the Learning Record Store.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_outbox',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('rejected_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['learning_events.id'], name=op.f('fk_xapi_outbox_event_id_learning_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_xapi_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_xapi_outbox_event_id'))
    )


def downgrade() -> None:
    op.drop_table('xapi_outbox')
