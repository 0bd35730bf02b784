"""Teacher visits: when a teacher last opened their home page (issue 14, « since your last visit »).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 17:15:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teacher_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('previous_visit_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_teacher_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_teacher_visits'))
    )


def downgrade() -> None:
    op.drop_table('teacher_visits')
