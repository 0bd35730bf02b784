"""Nobody can lock another person out by failing on purpose (issue 11, item 9).

Laptop: every account is behind 127.0.0.1, so addresses are not counted and
failures on one account cost nothing to the others. Server: an address is
delayed only past a threshold meant for a whole school behind one NAT. An
account is delayed, more and more, never locked: once the delay has passed,
its owner's password works.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import LoginFailure
from lycee_ia.accounts.services import LoginThrottled, authenticate
from lycee_ia.db import db, utcnow
from tests.helpers import TEST_PASSWORD, csrf_token_from, page_text, submit
from tests.security.modes import mode_app, mode_settings


def _try(client, username: str, password: str = "faux-mot"):
    return submit(client, "/connexion", {"username": username, "password": password})


def test_on_a_laptop_twelve_failures_on_one_account_do_not_stop_another(app_config, tmp_path, make_user):
    app = mode_app(app_config, "laptop", tmp_path)
    victim_of_typos, other = make_user("eleve"), make_user("enseignant")
    client = app.test_client()
    for _ in range(12):
        assert _try(client, victim_of_typos.username).status_code in (401, 429)
    response = _try(client, other.username, TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/accueil"
    with app.app_context():
        assert db.session.scalars(select(LoginFailure.kind).distinct()).all() == ["account"]


def test_on_a_laptop_failures_on_unknown_names_stop_nobody(app_config, tmp_path, make_user):
    app = mode_app(app_config, "laptop", tmp_path)
    teacher = make_user("enseignant")
    client = app.test_client()
    for attempt in range(12):
        assert _try(client, f"personne{attempt}").status_code == 401
    assert _try(client, teacher.username, TEST_PASSWORD).status_code == 302


def test_an_unknown_name_and_a_real_account_are_delayed_alike(app_config, tmp_path, make_user):
    app = mode_app(app_config, "laptop", tmp_path)
    user = make_user("eleve")
    client = app.test_client()
    answers = {}
    for name in (user.username, "inconnu.total"):
        for _ in range(5):
            assert _try(client, name).status_code == 401
        response = _try(client, name)
        answers[name] = (response.status_code, re.sub(r"\d+", "N", re.search(r"Trop de tentatives[^<]*", page_text(response)).group(0)))
    assert answers[user.username] == answers["inconnu.total"]
    assert answers[user.username][0] == 429
    assert "réessayez dans N secondes" in answers[user.username][1]


def test_the_right_password_works_as_soon_as_the_delay_has_passed(db_session, make_user):
    user = make_user("enseignant")
    now = utcnow()
    for _ in range(11):  # an attacker who waits out every delay
        try:
            authenticate(db_session, user.username, "devine", None, now=now)
        except LoginThrottled as throttled:
            now = throttled.retry_at
            authenticate(db_session, user.username, "devine", None, now=now)
    db_session.commit()
    with pytest.raises(LoginThrottled) as throttled:
        authenticate(db_session, user.username, TEST_PASSWORD, None, now=now + timedelta(seconds=1))
    assert throttled.value.retry_at - now <= timedelta(minutes=15)
    assert authenticate(db_session, user.username, TEST_PASSWORD, None, now=throttled.value.retry_at).id == user.id
    # And a success clears the account's delays.
    assert authenticate(db_session, user.username, "devine", None, now=throttled.value.retry_at) is None
    assert authenticate(db_session, user.username, TEST_PASSWORD, None, now=throttled.value.retry_at).id == user.id


def test_a_teachers_reset_clears_the_students_delays(db_session, make_user):
    from lycee_ia.accounts.models import User
    from lycee_ia.accounts.services import reset_password

    student = db_session.get(User, make_user("eleve").id)
    now = utcnow()
    for _ in range(5):
        authenticate(db_session, student.username, "oublie", None, now=now)
    with pytest.raises(LoginThrottled):
        authenticate(db_session, student.username, "oublie", None, now=now)
    password = reset_password(db_session, actor=None, user=student)
    assert authenticate(db_session, student.username, password, None, now=now).id == student.id


def test_modes_count_addresses_only_on_servers(tmp_path):
    assert mode_settings("laptop", tmp_path)["LOGIN_ADDRESS_MAX_FAILURES"] == 0
    assert mode_settings("server", tmp_path)["LOGIN_ADDRESS_MAX_FAILURES"] == 200
    assert mode_settings("server", tmp_path, LYCEE_IA_LOGIN_ADDRESS_MAX_FAILURES="500")["LOGIN_ADDRESS_MAX_FAILURES"] == 500


def test_on_a_server_an_address_is_delayed_past_its_threshold_not_before(app_config, tmp_path, make_user):
    # The threshold lowered to 8 keeps the test fast (each attempt hashes a password).
    app = mode_app(app_config, "server", tmp_path, LYCEE_IA_LOGIN_ADDRESS_MAX_FAILURES="8")
    teacher = make_user("enseignant")
    client = app.test_client()
    for attempt in range(8):  # eight students, one typo each, behind the school's NAT
        assert _try(client, f"eleve{attempt}").status_code == 401
    blocked = _try(client, teacher.username, TEST_PASSWORD)
    assert blocked.status_code == 429 and "réessayez dans" in page_text(blocked)
    elsewhere = app.test_client()
    page = elsewhere.get("/connexion", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    response = elsewhere.post(
        "/connexion",
        data={"username": teacher.username, "password": TEST_PASSWORD, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    assert response.status_code == 302
