"""Shared fixtures: a real database, the app, clients, login helpers, a browser.

The suite runs on SQLite by default and on PostgreSQL when
``LYCEE_IA_TEST_DATABASE_URL`` is set. Either way the schema is built once per
run by the Alembic migrations themselves; each test then gets a clean copy
(a copied SQLite file, or truncated tables in a private PostgreSQL schema).

With ``LYCEE_IA_STRICT_TESTS=1`` (CI), a skipped test fails: the browser and
PostgreSQL tests must really run there.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import has_app_context
from sqlalchemy import Integer, create_engine, event, text
from werkzeug.serving import make_server

from lycee_ia import create_app
from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import create_user, hash_password
from lycee_ia.db import Base, db
from lycee_ia.migrations import upgrade
from tests.helpers import ARTIFACTS, TEST_PASSWORD, login

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("LYCEE_IA_TEST_DATABASE_URL")
STRICT = os.environ.get("LYCEE_IA_STRICT_TESTS") == "1"
CHROMIUM = "/usr/bin/chromium"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


# --- strict mode: a skip is a failure ---------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under LYCEE_IA_STRICT_TESTS=1: {reason}"


# --- database ----------------------------------------------------------------

@dataclass
class TestDatabase:
    url: str
    dialect: str
    template: Path | None = None  # SQLite: the migrated file each test copies

    def fresh_url(self, tmp_path: Path) -> str:
        if self.dialect == "sqlite":
            target = tmp_path / "lycee-ia.sqlite3"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        engine = create_engine(self.url)
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return self.url


def _postgres_url_with_schema(url: str, schema: str) -> str:
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database(tmp_path_factory, record_testsuite_property) -> Iterator[TestDatabase]:
    import lycee_ia.models  # noqa: F401

    from lycee_ia.db import make_engine

    if POSTGRES_URL:
        # A private schema per run: concurrent runs on one server never collide.
        schema = f"lycee_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", POSTGRES_URL))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _postgres_url_with_schema(POSTGRES_URL, schema)
        record_testsuite_property("database", "postgresql")
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield TestDatabase(url=url, dialect="postgresql")
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("template") / "template.sqlite3"
        record_testsuite_property("database", "sqlite")
        url = f"sqlite:///{template}"
        engine = make_engine(url)
        upgrade(engine)
        # Closing the last connection folds the WAL into the main file, so
        # that a plain copy of that file is the whole database.
        engine.dispose()
        assert not Path(f"{template}-wal").exists()
        yield TestDatabase(url=url, dialect="sqlite", template=template)


@pytest.fixture
def app_config(database, tmp_path) -> dict:
    """Settings of the test app; a test may change them before ``app`` is built."""
    return {
        "DATABASE_URL": database.fresh_url(tmp_path),
        "DATA_DIR": tmp_path,
        "COURSES_DIR": ROOT / "courses",
        "SERVER_NAME": None,
    }


_CATALOGUES: dict[Path, object] = {}


def shared_catalogue(courses_dir: Path):
    """The catalogue of ``courses_dir``, built once per test run.

    A built catalogue is immutable, and building the 14 shipped modules takes
    seconds: every app gets its own copy of the lists (so that a test may swap
    a module in its app alone) around the same module objects.
    """
    from lycee_ia.content.catalogue import Catalogue, build_catalogue

    key = Path(courses_dir).resolve()
    if key not in _CATALOGUES:
        _CATALOGUES[key] = build_catalogue(key)[0]
    built = _CATALOGUES[key]
    return Catalogue(root=built.root, modules=dict(built.modules), broken=dict(built.broken), problems=dict(built.problems))


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    if Path(app_config["COURSES_DIR"]).resolve().is_relative_to(ROOT):
        app.extensions["lycee_ia.catalogue"] = shared_catalogue(app_config["COURSES_DIR"])
    yield app
    app.extensions["lycee_ia.db"]["engine"].dispose()


@pytest.fixture
def db_session(app):
    """The app's session, inside an application context."""
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -----------------------------------------------------------------

_TEST_HASH: list[str] = []


def _test_hash() -> str:
    # Hashing is deliberately slow; every test account shares one password.
    if not _TEST_HASH:
        _TEST_HASH.append(hash_password(TEST_PASSWORD))
    return _TEST_HASH[0]


@pytest.fixture
def make_user(app):
    """``make_user(role, username=None, **fields)``: a committed account with TEST_PASSWORD."""
    counter = iter(range(1, 100_000))

    def make(role: Role | str = Role.STUDENT, username: str | None = None, **fields) -> User:
        # Inside a test's app context, use its session: a second session would
        # wait for the first one's write lock on SQLite.
        context = nullcontext() if has_app_context() else app.app_context()
        with context:
            number = next(counter)
            user, _ = create_user(
                db.session,
                actor=None,
                username=username or f"{Role(role).value}{number:03d}",
                role=role,
                first_name=fields.pop("first_name", f"Prénom{number}"),
                last_name=fields.pop("last_name", f"Nom{number}"),
                password_hash=_test_hash(),
                **fields,
            )
            db.session.commit()
            return user

    return make


# --- HTTP helpers ----------------------------------------------------------------

@pytest.fixture
def login_as(client, make_user):
    """``login_as(role)``: create an account of that role and sign the client in."""

    def do(role: Role | str = Role.STUDENT, **fields) -> User:
        user = make_user(role, **fields)
        login(client, user.username)
        return user

    return do


# --- query counting (catches N+1 on dashboards) ---------------------------------

@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``."""

    class Counter:
        def __init__(self):
            self.count = 0
            self.statements: list[str] = []

        def __enter__(self):
            event.listen(engine, "before_cursor_execute", self._on_execute)
            return self

        def __exit__(self, *exc):
            event.remove(engine, "before_cursor_execute", self._on_execute)

        def _on_execute(self, conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
                self.count += 1
                self.statements.append(statement)

    engine = app.extensions["lycee_ia.db"]["engine"]
    return Counter


# --- demo data and a live server for the browser -----------------------------------

@pytest.fixture
def demo_app(app, demo_rows):
    """The app with the demo data, copied in bulk from a demo loaded once per run."""
    from sqlalchemy import insert

    rows = demo_rows(app.config["COURSES_DIR"])
    with app.app_context():
        with db.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                if rows.get(table.name):
                    connection.execute(insert(table), rows[table.name])
            if connection.dialect.name == "postgresql":
                # Rows came with their ids: move each sequence past them.
                for table in Base.metadata.sorted_tables:
                    column = table.c.get("id")
                    if column is not None and column.primary_key and isinstance(column.type, Integer) and rows.get(table.name):
                        connection.execute(
                            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
                        )
    return app


@pytest.fixture(scope="session")
def demo_rows(database, tmp_path_factory):
    """``demo_rows(courses_dir)``: every row of the demo data, by table.

    The demo is loaded once per run and per course folder (its assignments
    follow the modules there): loading it runs the real services (students
    reading and answering), which takes seconds; tests get a copy of its rows.
    """
    from sqlalchemy import select

    from lycee_ia.demo import load_demo

    cache: dict[Path, dict] = {}

    def rows_for(courses_dir) -> dict:
        key = Path(courses_dir).resolve()
        if key not in cache:
            app = create_app({
                "DATABASE_URL": database.fresh_url(tmp_path_factory.mktemp("demo")),
                "COURSES_DIR": key,
                "SERVER_NAME": None,
            })
            app.extensions["lycee_ia.catalogue"] = shared_catalogue(key)
            with app.app_context():
                load_demo(db.session)
                db.session.commit()
                with db.engine.connect() as connection:
                    cache[key] = {
                        table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                        for table in Base.metadata.sorted_tables
                    }
            app.extensions["lycee_ia.db"]["engine"].dispose()
            if database.dialect == "postgresql":
                # One schema for the whole run: leave it empty for the test.
                database.fresh_url(tmp_path_factory.mktemp("demo"))
        return cache[key]

    return rows_for


@pytest.fixture
def live_server(demo_app):
    """The demo app served over real HTTP on 127.0.0.1, in a thread."""
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp only so that the test can inject axe-core; the app's own
    # pages never need it (their policy is checked separately).
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run npm ci")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def check_accessibility(axe_source):
    """``check_accessibility(page)``: run axe-core; fail on serious or critical violations."""

    def check(page) -> None:
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
        ]
        assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(details)

    return check
