"""Staff, trainers and administrators each find their own work on their home page."""

from __future__ import annotations

import re

from lycee_ia.accounts.models import Role, User
from lycee_ia.admin.services import log_action
from lycee_ia.db import db
from lycee_ia.teaching import services
from tests.helpers import login, page_text
from tests.teaching.activity import read, take_quiz

P1 = "p1-socle-commun"
P2 = "p2-donnees-ethique-conformite"
P3 = "p3-enseigner-avec-et-sur-l-ia"


def _main(response) -> str:
    return page_text(response).split("<main", 1)[1]


def test_a_new_member_of_staff_is_told_where_to_start(client, make_user):
    user = make_user(Role.STAFF, first_name="Nadia")
    login(client, user.username)
    text = _main(client.get("/accueil"))
    assert "Bonjour Nadia" in text and "Aucun module en cours" in text
    assert f'href="/modules/{P1}"' in text and "Pour commencer" in text


def test_staff_and_trainers_see_their_modules_in_progress_and_what_comes_next(app, client, make_user):
    for role in (Role.STAFF, Role.TRAINER):
        user = make_user(role, first_name="Camille")
        with app.app_context():
            person = db.session.get(User, user.id)
            read(db.session, person, P1)
            take_quiz(db.session, person, P1)
            read(db.session, person, P3, sections=1)
            db.session.commit()
        browser = app.test_client()
        login(browser, user.username)
        text = _main(browser.get("/accueil"))
        assert "En cours" in text and f'href="/modules/{P3}"' in text
        assert "Reprendre « " in text
        assert "Maîtrisé" in text and "Module suivant" in text
        assert f'href="/modules/{P2}"' in text  # the next one in the curriculum after P1
        assert not re.search(r"\b(tu|ton|ta)\b", text)  # « vous » for staff


def test_an_administrators_home_shows_counts_and_links(app, client, make_user):
    admin = make_user(Role.ADMIN, first_name="Alex")
    make_user(Role.STUDENT)
    closed = make_user(Role.STUDENT)
    with app.app_context():
        db.session.get(User, closed.id).active = False
        services.create_class(db.session, actor=None, name="2nde Z", school=None)
        log_action(db.session, db.session.get(User, admin.id), "user.create", "quelqu.un")
        db.session.commit()
    login(client, admin.username)
    text = _main(client.get("/accueil"))
    for link in ("/admin/comptes", "/admin/classes", "/admin/modules", "/admin/journal"):
        assert f'href="{link}"' in text, link
    assert "3 comptes, dont 1 fermé" in text
    assert "1 classe en cours" in text and "1 classe sans enseignant" in text
    assert "Compte créé (quelqu.un)" in text
