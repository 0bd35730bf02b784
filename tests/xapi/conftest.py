"""Fixtures of the xAPI tests: Ralph's virtual environment (built once), its credentials, a live LRS.

If Ralph cannot be installed or started, the tests fail (they never skip):
``make test`` in CI builds the environment from a clean clone.
"""

from __future__ import annotations

import pytest

from tests.xapi.ralph import (
    FaultProxy,
    RalphServer,
    RalphUnavailable,
    ensure_ralph_venv,
    make_credentials,
)


@pytest.fixture(scope="session")
def ralph_venv():
    try:
        return ensure_ralph_venv()
    except RalphUnavailable as error:
        pytest.fail(f"Ralph's virtual environment could not be built: {error}")


@pytest.fixture(scope="session")
def ralph_auth(ralph_venv, tmp_path_factory):
    """One LRS account for the session: ``ralph auth`` hashes with bcrypt, which takes seconds."""
    workdir = tmp_path_factory.mktemp("ralph-auth")
    try:
        credentials = make_credentials(ralph_venv, workdir)
    except RalphUnavailable as error:
        pytest.fail(str(error))
    return workdir / "auth.json", credentials


@pytest.fixture
def ralph(ralph_venv, ralph_auth, tmp_path):
    """A fresh Ralph LRS (filesystem backend, empty) on 127.0.0.1, killed after the test."""
    auth_file, credentials = ralph_auth
    workdir = tmp_path / "ralph"
    (workdir / "app").mkdir(parents=True)
    (workdir / "auth.json").write_bytes(auth_file.read_bytes())
    server = RalphServer(ralph_venv, workdir, credentials)
    try:
        server.start()
    except RalphUnavailable as error:
        pytest.fail(str(error))
    yield server
    server.kill()


@pytest.fixture
def lrs_config(ralph):
    """Settings that make the test app a server forwarding to ``ralph``."""
    username, password = ralph.credentials
    return {
        "LRS_URL": ralph.url,
        "LRS_USERNAME": username,
        "LRS_PASSWORD": password,
        "LRS_TIMEOUT": 20,
        "XAPI_QUEUE": True,
    }


@pytest.fixture
def fault_proxy():
    proxies: list[FaultProxy] = []

    def make(upstream_port, plan, on_kill=None) -> FaultProxy:
        proxy = FaultProxy(upstream_port, plan, on_kill)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()
