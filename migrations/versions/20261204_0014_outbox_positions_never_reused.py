"""Laptop outbox: queue positions are never reused (SQLite AUTOINCREMENT).

A plain SQLite INTEGER PRIMARY KEY gives the next row max(rowid) + 1, so once
the queue is empty positions start again at 1. With AUTOINCREMENT a position
is given once. PostgreSQL's sequence never reuses a value: nothing to do there.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "sync_outbox", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
