"""/ordinateurs on a laptop: a page that explains where laptops are managed, not a 404."""

from __future__ import annotations

import pytest

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import hash_password
from lycee_ia.db import db
from tests.helpers import TEST_PASSWORD, login, page_text


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.STUDENT, "Tu es sur un ordinateur portable"),
        (Role.TEACHER, "Vous êtes sur un ordinateur portable"),
        (Role.ADMIN, "Vous êtes sur un ordinateur portable"),
        (Role.STAFF, "Vous êtes sur un ordinateur portable"),
    ],
)
def test_the_devices_address_explains_itself_on_a_laptop(make_laptop, role, expected):
    laptop = make_laptop()
    with laptop.app.app_context():
        db.session.add(User(username="quelquun", first_name="Camille", role=role.value, password_hash=hash_password(TEST_PASSWORD)))
        db.session.commit()
    client = laptop.app.test_client()
    # Signed out: the login page, as everywhere.
    assert client.get("/ordinateurs").headers["Location"].startswith("/connexion")
    login(client, "quelquun")
    answer = client.get("/ordinateurs")
    text = page_text(answer)
    assert answer.status_code == 200
    assert expected in text and "serveur" in text
    assert 'href="/synchronisation"' in text


def test_the_server_keeps_its_own_devices_page(app, client, login_as):
    login_as(Role.TEACHER)
    text = page_text(client.get("/ordinateurs"))
    assert "ordinateur portable" not in text
