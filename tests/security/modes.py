"""Apps configured as a real laptop or a real server would be, on the test database,
and a real HTTP server on 127.0.0.1 to reach them."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path

from werkzeug.serving import make_server

from config import LaptopConfig, ServerConfig
from lycee_ia import create_app

# What the tests keep from the test app: its database, folders and keys.
_KEPT = ("DATABASE_URL", "DATA_DIR", "COURSES_DIR", "SECRET_KEY", "SYNC_ROLES", "SYNC_BACKGROUND", "SERVER_URL",
         "TESTING", "SERVER_NAME", "HOST", "PORT")


def mode_settings(mode: str, tmp_path: Path, **env: str) -> dict:
    """The settings ``config.py`` gives that mode for ``env``, minus what the test app decides."""
    if mode == "laptop":
        folder = tmp_path / "laptop-data"
        settings = LaptopConfig.from_env({"LYCEE_IA_DATA_DIR": str(folder), **env})
    else:
        settings = ServerConfig.from_env(
            {"DATABASE_URL": "postgresql://lycee@db/lycee", "SECRET_KEY": "s" * 64, "LYCEE_IA_SECURE_COOKIES": "0", **env}
        )
    return {key: value for key, value in settings.items() if key not in _KEPT}


def mode_app(app_config: dict, mode: str, tmp_path: Path, **env: str):
    from tests.conftest import shared_catalogue

    app = create_app({**app_config, **mode_settings(mode, tmp_path, **env)})
    app.extensions["lycee_ia.catalogue"] = shared_catalogue(app_config["COURSES_DIR"])
    return app


@contextmanager
def live(app) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def request(port: int, method: str, path: str, *, headers: dict | None = None, body: str | None = None,
            source: str | None = None) -> tuple[int, dict[str, str], str, list[str]]:
    """One HTTP request; returns status, headers (last of each), body text and every Set-Cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, dict(response.headers.items()), text, cookies
    finally:
        connection.close()


def cookie_value(set_cookies: list[str], name: str) -> str | None:
    for header in set_cookies:
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name].value
    return None
