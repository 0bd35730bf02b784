"""HSTS on servers, no caching of the sync API, and a laptop that answers only
to its own loopback names (DNS rebinding) (issue 11, item 15)."""

from __future__ import annotations

import pytest

from config import ConfigError
from tests.security.modes import live, mode_app, mode_settings, request


def test_a_server_sends_hsts_and_a_laptop_does_not(app_config, tmp_path):
    server = mode_app(app_config, "server", tmp_path).test_client()
    laptop = mode_app(app_config, "laptop", tmp_path).test_client()
    for path in ("/connexion", "/static/css/app.css", "/nulle-part"):
        assert server.get(path).headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Strict-Transport-Security" not in laptop.get(path).headers


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/sync/v1/enrol"),      # bad body: a JSON error
    ("GET", "/api/sync/v1/state"),       # no token
    ("POST", "/api/sync/v1/events"),     # no token
    ("GET", "/api/sync/v1/nulle-part"),  # not found
])
def test_every_sync_api_answer_is_no_store(client, method, path):
    response = client.open(path, method=method, data=b"{", content_type="application/json")
    assert response.status_code >= 400
    assert response.headers["Cache-Control"] == "no-store"


def test_a_successful_sync_api_answer_is_no_store_too(app, client, make_user):
    import json

    user = make_user("eleve")
    response = client.post("/api/sync/v1/enrol", data=json.dumps({
        "username": user.username, "password": "mot-de-passe-de-test", "device_id": "a" * 32,
        "public_key": "b" * 64, "label": "test",
    }), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:5000", "localhost", "LOCALHOST:8123", "[::1]", "[::1]:5000"])
def test_a_laptop_answers_its_loopback_names(app_config, tmp_path, host):
    client = mode_app(app_config, "laptop", tmp_path).test_client()
    response = client.get("/connexion", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example", "localhost.", "192.168.1.20:5000", "127.0.0.2", "[::1]:x"])
def test_a_laptop_refuses_any_other_host_in_french(app_config, tmp_path, host):
    client = mode_app(app_config, "laptop", tmp_path).test_client()
    for path in ("/connexion", "/static/css/app.css", "/api/sync/v1/state"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400
        assert "Adresse refusée" in response.get_data(as_text=True)


def test_dns_rebinding_against_a_real_laptop_is_refused(app_config, tmp_path):
    # What a page of evil.example resolved to 127.0.0.1 sends: its own name as Host.
    app = mode_app(app_config, "laptop", tmp_path)
    with live(app) as port:
        status, _, text, _ = request(port, "GET", "/connexion", headers={"Host": f"evil.example:{port}"})
        assert status == 400 and "Adresse refusée" in text and "Traceback" not in text
        status, _, _, _ = request(port, "GET", "/connexion")
        assert status == 200


def test_a_server_leaves_host_to_its_proxy_unless_names_are_set(app_config, tmp_path):
    open_server = mode_app(app_config, "server", tmp_path).test_client()
    assert open_server.get("/connexion", headers={"Host": "evil.example"}).status_code == 200
    named = mode_app(app_config, "server", tmp_path, LYCEE_IA_ALLOWED_HOSTS="lycee-ia.exemple.fr").test_client()
    assert named.get("/connexion", headers={"Host": "lycee-ia.exemple.fr"}).status_code == 200
    assert named.get("/connexion", headers={"Host": "LYCEE-IA.exemple.fr:443"}).status_code == 200
    refused = named.get("/connexion", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "Adresse refusée" in refused.get_data(as_text=True)


def test_a_wrong_host_name_list_stops_the_app_in_french(tmp_path):
    with pytest.raises(ConfigError, match="LYCEE_IA_ALLOWED_HOSTS contient « https://x.fr »"):
        mode_settings("server", tmp_path, LYCEE_IA_ALLOWED_HOSTS="https://x.fr")
