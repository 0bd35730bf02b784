"""Sessions end when people sign out, and last beyond the browser only when asked (issue 11, item 8).

A real HTTP server on 127.0.0.1: the cookie an attacker copies is the very
header the browser received.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import pytest

from lycee_ia.accounts.models import User
from lycee_ia.db import db
from tests.helpers import TEST_PASSWORD, csrf_token_from, login, submit
from tests.security.modes import cookie_value, live, mode_app, request

COOKIE = "lycee_ia_session"


def _sign_in(port: int, username: str, remember: bool = False) -> list[str]:
    status, _, html, cookies = request(port, "GET", "/connexion")
    assert status == 200
    anonymous = cookie_value(cookies, COOKIE)
    form = {"username": username, "password": TEST_PASSWORD, "csrf_token": csrf_token_from(html)}
    if remember:
        form["remember"] = "on"  # what a browser sends for a checked box without a value
    status, headers, _, cookies = request(
        port, "POST", "/connexion", body=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{COOKIE}={anonymous}"},
    )
    assert status == 302 and headers["Location"] == "/accueil", status
    return cookies


@pytest.mark.parametrize("mode", ["laptop", "server"])
def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app_config, tmp_path, make_user, mode):
    app = mode_app(app_config, mode, tmp_path)
    user = make_user("eleve")
    with live(app) as port:
        owner = cookie_value(_sign_in(port, user.username), COOKIE)
        status, _, html, cookies = request(port, "GET", "/accueil", headers={"Cookie": f"{COOKIE}={owner}"})
        assert status == 200 and "Bonjour" in html
        owner = cookie_value(cookies, COOKIE) or owner  # the browser keeps what the server sends
        # An attacker copies the cookie (a shared computer, a borrowed browser);
        # the copy works while the owner is signed in...
        stolen = owner
        status, _, _, _ = request(port, "GET", "/compte", headers={"Cookie": f"{COOKIE}={stolen}"})
        assert status == 200
        # ...the owner signs out, in their own browser...
        status, headers, _, _ = request(
            port, "POST", "/deconnexion", body=urlencode({"csrf_token": csrf_token_from(html)}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{COOKIE}={owner}"},
        )
        assert status == 302 and headers["Location"] == "/connexion"
        # ...and the copy replayed afterwards is a stranger's cookie.
        status, headers, _, _ = request(port, "GET", "/accueil", headers={"Cookie": f"{COOKIE}={stolen}"})
        assert status == 302 and headers["Location"].startswith("/connexion")
        status, _, _, _ = request(port, "GET", "/compte", headers={"Cookie": f"{COOKIE}={stolen}"})
        assert status == 302


def test_signing_out_ends_the_accounts_other_sessions_and_signing_in_again_works(client, app, make_user):
    user = make_user("eleve")
    other = app.test_client()
    login(client, user.username)
    login(other, user.username)
    with app.app_context():
        before = db.session.get(User, user.id).session_token
    submit(client, "/deconnexion", form_url="/accueil")
    with app.app_context():
        assert db.session.get(User, user.id).session_token != before
    assert other.get("/accueil").status_code == 302
    login(client, user.username)
    assert client.get("/accueil").status_code == 200


def test_signing_out_anonymously_is_harmless(client):
    response = submit(client, "/deconnexion", form_url="/connexion")
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"


@pytest.mark.parametrize("mode", ["laptop", "server"])
def test_without_rester_connecte_the_cookie_ends_with_the_browser(app_config, tmp_path, make_user, mode):
    app = mode_app(app_config, mode, tmp_path)
    user = make_user("eleve")
    with live(app) as port:
        cookies = _sign_in(port, user.username)
    header = next(c for c in cookies if c.startswith(f"{COOKIE}="))
    assert "expires=" not in header.lower() and "max-age" not in header.lower()


@pytest.mark.parametrize("mode", ["laptop", "server"])
def test_rester_connecte_keeps_the_cookie_eight_hours(app_config, tmp_path, make_user, mode):
    app = mode_app(app_config, mode, tmp_path)
    user = make_user("eleve")
    with live(app) as port:
        cookies = _sign_in(port, user.username, remember=True)
        header = next(c for c in cookies if c.startswith(f"{COOKIE}="))
        status, _, _, _ = request(port, "GET", "/accueil", headers={"Cookie": f"{COOKIE}={cookie_value(cookies, COOKIE)}"})
        assert status == 200
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header, re.IGNORECASE).group(1))
    with app.app_context():
        signed_in = db.session.get(User, user.id).last_login_at
    lifetime = expires.replace(tzinfo=None) - signed_in
    assert abs(lifetime.total_seconds() - 8 * 3600) < 120


def test_the_login_page_offers_rester_connecte_unchecked(client):
    html = client.get("/connexion").get_data(as_text=True)
    label = re.search(r"<label>(<input[^>]*>)([^<]*)</label>", html)
    assert label, "the box is labelled by its label element"
    box, text = label.groups()
    assert 'type="checkbox"' in box and 'name="remember"' in box and "checked" not in box
    assert text.strip() == "Rester connecté 8 h (pas sur un ordinateur partagé)"
