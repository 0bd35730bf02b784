"""Alembic environment: migrates the database the app is configured for.

Called by ``lycee-ia db upgrade`` (and the tests) with an open connection in
``config.attributes["connection"]``; called by the ``alembic`` command itself
(for ``alembic revision --autogenerate``), it reads the app's configuration.
"""

from alembic import context

import lycee_ia.models  # noqa: F401  every table registers itself on Base.metadata
from lycee_ia.db import Base, make_engine

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Render our JSON document type (JSONB on PostgreSQL) as importable code."""
    if type_ == "type" and getattr(obj, "_variant_mapping", None) and "postgresql" in obj._variant_mapping:
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things: Alembic rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from config import load_config

    url = context.config.get_main_option("sqlalchemy.url") or load_config()["DATABASE_URL"]
    with make_engine(url).begin() as connection:
        run_migrations(connection)
