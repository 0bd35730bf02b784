"""Students read « tu » everywhere; staff keep « vous »."""

from __future__ import annotations

import re

import pytest

from lycee_ia.accounts.models import Role, User
from lycee_ia.db import db
from tests.helpers import csrf_token_from, login, page_text, submit

FORMAL = re.compile(r"\b(vous|votre|vos)\b", re.IGNORECASE)
STUDENT_PAGES = [
    "/accueil",
    "/mes-resultats",
    "/modules",
    "/modules/e2-comment-une-machine-apprend",
    "/modules/e2-comment-une-machine-apprend/partie/tester",
    "/compte",
    "/rejoindre",
    "/synchronisation",
    "/synchronisation/inscription",
    "/nulle-part",  # a 404 page
    "/classes",  # a 403 page
]


def _visible(response) -> str:
    body = page_text(response)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("path", STUDENT_PAGES)
def test_student_pages_say_tu(app, make_user, client, path):
    student = make_user(Role.STUDENT)
    with app.app_context():
        db.session.get(User, student.id).must_change_password = False
        db.session.commit()
    login(client, student.username)
    text = _visible(client.get(path))
    assert not FORMAL.search(text), FORMAL.findall(text) and text[max(0, FORMAL.search(text).start() - 80):][:200]


def test_error_pages_say_tu_to_students_and_vous_to_staff(app, make_user, client):
    student = make_user(Role.STUDENT)
    login(client, student.username)
    assert "Vérifie l'adresse ou reviens à l'accueil." in page_text(client.get("/nulle-part"))
    assert "Tu n'as pas le droit d'accéder à cette page" in page_text(client.get("/classes"))
    teacher = make_user(Role.TEACHER)
    other = app.test_client()
    login(other, teacher.username)
    assert "Vérifiez l'adresse ou revenez à l'accueil." in page_text(other.get("/nulle-part"))
    assert "Vous n'avez pas le droit" in page_text(other.get("/rejoindre"))


def test_a_provisional_password_and_its_change_speak_to_the_student(app, make_user, client):
    student = make_user(Role.STUDENT)
    with app.app_context():
        db.session.get(User, student.id).must_change_password = True
        db.session.commit()
    login(client, student.username)
    page = page_text(client.get("/compte"))
    assert "Ton mot de passe actuel est provisoire : choisis-en un qui n'appartient qu'à toi." in page
    response = submit(
        client, "/compte", {"current": "mot-de-passe-de-test", "new": "une phrase assez longue", "confirm": "une phrase assez longue"},
        follow_redirects=True,
    )
    assert "Ton mot de passe a été changé." in page_text(response)


def test_the_numeric_error_says_tu_to_a_student_and_vous_to_staff(app, make_user):
    section = "/modules/e2-comment-une-machine-apprend/partie/tester"
    messages = {}
    for role in (Role.STUDENT, Role.STAFF):
        user = make_user(role)
        client = app.test_client()
        login(client, user.username)
        html = client.get(section).get_data(as_text=True)
        response = client.post(
            f"{section}/activite/e2-act-taux",
            data={"answer": "douze", "nonce": "n", "csrf_token": csrf_token_from(html)},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 400
        messages[role] = response.json["error"]
    assert messages[Role.STUDENT] == "« douze » n'est pas un nombre : écris par exemple 3,14 ou -2 (sans unité)."
    assert messages[Role.STAFF] == "« douze » n'est pas un nombre : écrivez par exemple 3,14 ou -2 (sans unité)."
