"""Forwarded headers are believed only from the configured proxies; the server
listens where the docs say (issue 11, item 11)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from config import ConfigError, ServerConfig
from lycee_ia.accounts.models import LoginFailure
from lycee_ia.db import db
from tests.helpers import csrf_token_from
from tests.security.modes import cookie_value, live, mode_app, mode_settings, request

COOKIE = "lycee_ia_session"


def _fail_login(port: int, *, source: str | None = None, forwarded: str | None = None) -> int:
    """One wrong password through real HTTP, from ``source`` (a loopback address), with X-Forwarded-For."""
    extra = {"X-Forwarded-For": forwarded} if forwarded else {}
    status, _, html, cookies = request(port, "GET", "/connexion", headers=extra, source=source)
    assert status == 200
    status, _, _, _ = request(
        port, "POST", "/connexion", source=source,
        body=urlencode({"username": "quelquun", "password": "faux-mot", "csrf_token": csrf_token_from(html)}),
        headers={**extra, "Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"{COOKIE}={cookie_value(cookies, COOKIE)}"},
    )
    return status


def _counted_addresses(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(LoginFailure.key).where(LoginFailure.kind == "address")).all()


def test_a_client_that_is_not_a_proxy_cannot_choose_the_address_the_throttle_counts(app_config, tmp_path):
    # Server mode with its default settings; the client connects from 127.0.0.2,
    # which is not a configured proxy, and claims another address.
    app = mode_app(app_config, "server", tmp_path)
    with live(app) as port:
        assert _fail_login(port, source="127.0.0.2", forwarded="203.0.113.9") == 401
    assert _counted_addresses(app) == ["127.0.0.2"]


def test_behind_a_configured_proxy_the_client_is_the_address_the_proxy_saw(app_config, tmp_path):
    app = mode_app(app_config, "server", tmp_path)  # 127.0.0.1 is a proxy by default
    with live(app) as port:
        # The left part was written by the client (invented); the proxy appended what it saw.
        assert _fail_login(port, forwarded="198.51.100.1, 203.0.113.9") == 401
    assert _counted_addresses(app) == ["203.0.113.9"]


def test_proxies_are_a_list_of_addresses_and_networks(app_config, tmp_path):
    app = mode_app(app_config, "server", tmp_path, LYCEE_IA_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.2")
    with live(app) as port:
        assert _fail_login(port, forwarded="203.0.113.9") == 401  # from 127.0.0.1: not a proxy any more
        assert _fail_login(port, source="127.0.0.2", forwarded="203.0.113.10") == 401
    assert sorted(_counted_addresses(app)) == ["127.0.0.1", "203.0.113.10"]


def test_the_default_proxies_are_the_loopback_addresses(tmp_path):
    assert mode_settings("server", tmp_path)["TRUSTED_PROXIES"] == (
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    assert mode_settings("server", tmp_path, LYCEE_IA_TRUSTED_PROXIES="0")["TRUSTED_PROXIES"] == ()
    assert mode_settings("laptop", tmp_path)["TRUSTED_PROXIES"] == ()


@pytest.mark.parametrize("value", ["1", "proxy.lycee.fr", "10.0.0.0/33", "127.0.0.1,,::1"])
def test_a_wrong_proxy_list_stops_the_app_with_a_french_sentence(tmp_path, value):
    with pytest.raises(ConfigError, match="LYCEE_IA_TRUSTED_PROXIES contient .* n'est pas une adresse IP ni un réseau"):
        mode_settings("server", tmp_path, LYCEE_IA_TRUSTED_PROXIES=value)


def test_the_server_listens_on_loopback_unless_told_otherwise(tmp_path):
    env = {"DATABASE_URL": "postgresql://lycee@db/lycee", "SECRET_KEY": "s" * 64}
    assert ServerConfig.from_env(env)["HOST"] == "127.0.0.1"
    assert ServerConfig.from_env({**env, "LYCEE_IA_HOST": "0.0.0.0"})["HOST"] == "0.0.0.0"


@pytest.fixture
def captured_serve(monkeypatch):
    """waitress.serve replaced by a recorder: the test checks where ``serve`` would listen."""
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append(kwargs))
    return calls


def test_serve_takes_host_and_port_options_in_server_mode(app_config, tmp_path, captured_serve):
    app = mode_app(app_config, "server", tmp_path)
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["serve", "--host", "0.0.0.0", "--port", "8080"])
    assert result.exit_code == 0, result.output
    assert [(call["host"], call["port"]) for call in captured_serve] == [("127.0.0.1", app.config["PORT"]), ("0.0.0.0", 8080)]


def test_serve_refuses_a_public_host_in_laptop_mode(app_config, tmp_path, captured_serve):
    app = mode_app(app_config, "laptop", tmp_path)
    result = app.test_cli_runner().invoke(args=["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "n'écoute que sur l'ordinateur lui-même" in result.output
    assert captured_serve == []
