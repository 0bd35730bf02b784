"""The schema: migrations and models agree, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import lycee_ia.models  # noqa: F401
from lycee_ia.db import Base, db, make_engine
from lycee_ia.migrations import current_revision, downgrade, head_revision, upgrade


def test_migrations_build_exactly_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(app):
    with app.app_context():
        assert current_revision(db.engine) == head_revision()


def test_migrations_go_down_to_nothing_and_back_up(app):
    with app.app_context():
        engine = db.engine
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert {table.name for table in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    engine.dispose()


def test_foreign_keys_are_enforced(db_session):
    from lycee_ia.teaching.models import Enrolment

    db_session.add(Enrolment(class_id=999, user_id=999))
    try:
        db_session.flush()
    except Exception as error:  # IntegrityError on both databases
        assert "foreign key" in str(error).lower() or "FOREIGN KEY" in str(error)
        db_session.rollback()
    else:
        raise AssertionError("an enrolment in a missing class was accepted")


def test_a_request_gets_its_own_session_closed_afterwards(app):
    seen = []

    @app.get("/_test/session")
    def session_probe():
        seen.append(db.session)
        db.session.execute(text("SELECT 1"))
        return "ok"

    client = app.test_client()
    client.get("/_test/session")
    client.get("/_test/session")
    assert len(seen) == 2 and seen[0] is not seen[1]
    assert not seen[0].in_transaction()


def test_the_head_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    from lycee_ia.migrations import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
