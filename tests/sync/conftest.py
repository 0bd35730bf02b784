"""Sync fixtures: a server app served over real HTTP, and laptops with their own SQLite files.

The server uses the suite's database (SQLite, or PostgreSQL when asked); a
laptop is always a SQLite file of its own, as on a real laptop.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lycee_ia import create_app
from lycee_ia.db import db, make_engine
from lycee_ia.migrations import upgrade
from tests.sync.processes import FaultProxy, ServerProcess, free_port, server_env
from tests.sync.support import LaptopHandle, QUIZ_FIXTURES


@pytest.fixture(scope="session")
def laptop_template(tmp_path_factory) -> Path:
    """A migrated, empty laptop database, copied for each laptop."""
    import lycee_ia.models  # noqa: F401

    path = tmp_path_factory.mktemp("laptop-template") / "laptop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def server_courses(tmp_path) -> Path:
    """The server's content: a copy of the quiz fixture module, which tests may change."""
    root = tmp_path / "server-courses"
    shutil.copytree(QUIZ_FIXTURES, root / QUIZ_FIXTURES.name)
    return root


@pytest.fixture
def app_config(app_config, server_courses):
    # The server: its own secret key (so its signing key differs from the laptops').
    return {**app_config, "COURSES_DIR": server_courses, "SYNC_ROLES": frozenset({"server"}),
            "SECRET_KEY": "server-" + secrets.token_hex(24)}


@pytest.fixture
def server_url(app):
    """The server app over real HTTP on 127.0.0.1 (a thread of this process)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def make_laptop(tmp_path, laptop_template):
    """``make_laptop(name)``: a laptop app with its own SQLite file, data folder and keys."""
    made = []

    def make(name: str = "laptop", courses: Path | None = None, **config) -> LaptopHandle:
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(laptop_template, folder / "lycee-ia.sqlite3")
        # The same key file a laptop process would read (lycee-ia sync ... in a subprocess).
        secret = f"{name}-" + secrets.token_hex(24)
        (folder / "secret_key").write_text(secret + "\n", encoding="ascii")
        (folder / "secret_key").chmod(0o600)
        courses = courses or QUIZ_FIXTURES.parent
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder / 'lycee-ia.sqlite3'}",
                "DATA_DIR": folder,
                "COURSES_DIR": courses,
                "SERVER_NAME": None,
                "SECRET_KEY": secret,
                "SYNC_ROLES": frozenset({"laptop"}),
                **config,
            }
        )
        handle = LaptopHandle(app, folder, courses)
        made.append(handle)
        return handle

    yield make
    for handle in made:
        handle.app.extensions["lycee_ia.db"]["engine"].dispose()


@pytest.fixture
def server_session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def server_process(app_config, database, server_courses, tmp_path):
    """The server as a process of its own (``lycee-ia serve``) on a free port of 127.0.0.1."""
    for attempt in range(3):
        # A free port can be taken by another process before the server binds it: try another.
        port = free_port()
        env = server_env(app_config["DATABASE_URL"], database.dialect, tmp_path / "server", server_courses, port)
        process = ServerProcess(env, port, tmp_path / f"server-{attempt}.log")
        try:
            process.start()
            break
        except RuntimeError:
            process.stop()
            if attempt == 2:
                raise
    process.starts = 1
    yield process
    process.stop()


@pytest.fixture
def proxy(server_process):
    proxy = FaultProxy(server_process.port, on_kill=server_process.kill)
    yield proxy
    proxy.release.set()
    proxy.close()
