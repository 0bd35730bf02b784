"""Quiz attempts, module version snapshots, event registration, quiz summary in progress.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:27:43.352818
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('module_versions',
    sa.Column('module_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('module_id', 'version', name=op.f('pk_module_versions'))
    )
    op.create_table('quiz_attempts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=100), nullable=False),
    sa.Column('module_version', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('question_ids', sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts'))
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_module', ['user_id', 'module_id'], unique=False)

    with op.batch_alter_table('learning_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learning_events_registration'), ['registration'], unique=False)

    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_attempts', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('quiz_failures', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('quiz_best_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('quiz_passed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_quiz_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_column('last_quiz_at')
        batch_op.drop_column('quiz_passed_at')
        batch_op.drop_column('quiz_best_score')
        batch_op.drop_column('quiz_failures')
        batch_op.drop_column('quiz_attempts')

    with op.batch_alter_table('learning_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_events_registration'))
        batch_op.drop_column('registration')

    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_user_module')

    op.drop_table('quiz_attempts')
    op.drop_table('module_versions')
