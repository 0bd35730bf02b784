"""Security basics on every page: headers, caching, error pages in French."""

import pytest

from lycee_ia.db import db
from tests.helpers import page_text, login


def test_every_page_sends_the_security_headers(client):
    response = client.get("/connexion")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_httponly_and_lax(client):
    cookie = client.get("/connexion").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_server_mode_marks_the_cookie_secure(app_config):
    from lycee_ia import create_app

    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    cookie = app.test_client().get("/connexion").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_static_files_are_cacheable_and_pages_with_personal_data_are_not(client, make_user):
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")
    login(client, make_user("eleve").username)
    assert client.get("/accueil").headers["Cache-Control"] == "no-store"
    assert client.get("/compte").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url, code, title", [("/nulle-part", 404, "Page introuvable"), ("/deconnexion", 405, "Action impossible")])
def test_error_pages_are_in_french(client, url, code, title):
    response = client.get(url)
    assert response.status_code == code
    html = page_text(response)
    assert title in html and '<html lang="fr">' in html


def test_a_crash_gives_a_french_500_and_rolls_back(app, make_user):
    from lycee_ia.accounts.models import User

    user = make_user("eleve", first_name="Avant")

    @app.get("/_test/crash")
    def crash():
        db.session.get(User, user.id).first_name = "Pendant"
        db.session.flush()
        raise RuntimeError("boom")

    response = app.test_client().get("/_test/crash")
    assert response.status_code == 500
    assert "Rien de ce que vous aviez déjà enregistré n'est perdu" in page_text(response)
    with app.app_context():
        assert db.session.get(User, user.id).first_name == "Avant"


def test_assets_are_cached_for_a_year_so_pages_make_no_extra_request(client):
    response = client.get("/static/css/app.css?v=1")
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "no-cache" not in response.headers["Cache-Control"]
