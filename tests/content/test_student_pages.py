"""A learner's own pages: « Mes résultats », the assignment on a module's page, the catalogue's order."""

from __future__ import annotations

import re
from datetime import timedelta

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.catalogue import curriculum_key, get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import services
from tests.helpers import login, page_text
from tests.main.test_home import E1, E2, E4, NOTE, _class_with_student, _work


def test_curriculum_order_compares_numbers_as_numbers():
    ids = ["p1-socle", "e10-travail", "e2-machine", "e1-ia", "p10-x", "e9-empreinte", "p2-donnees"]
    assert sorted(ids, key=curriculum_key) == ["e1-ia", "e2-machine", "e9-empreinte", "e10-travail", "p1-socle", "p2-donnees", "p10-x"]


def test_the_catalogue_follows_the_curriculum(app, login_as, client):
    login_as(Role.STUDENT)
    text = page_text(client.get("/modules"))
    ids = re.findall(r'href="/modules/(e\d+)-[^"/]*"', text)
    assert ids[:3] == ["e1", "e2", "e3"] and ids[-1] == "e10", ids


def test_my_results_lists_every_module_with_best_score_mastery_and_date(app, make_user, client):
    student = make_user(Role.STUDENT)
    _work(app, student, mastered=(E1,), reading=((E4, 2),))
    login(client, student.username)
    response = client.get("/mes-resultats")
    assert response.status_code == 200
    text = page_text(response)
    with app.app_context():
        modules = get_catalogue().modules
        student_modules = sorted((m for m in modules.values() if m.audience == "eleve"), key=lambda m: curriculum_key(m.id))
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="/modules/([^"]+)">.*?</tr>', text, re.S)
    assert rows == [m.id for m in student_modules]
    e1_row = re.search(rf'href="/modules/{E1}">.*?</tr>', text, re.S).group(0)
    assert "Maîtrisé" in e1_row and "100 %" in e1_row and re.search(r"\d+(er)? \w+ \d{4}", e1_row)
    e4_row = re.search(rf'href="/modules/{E4}">.*?</tr>', text, re.S).group(0)
    assert "Lecture en cours" in e4_row and "Maîtrisé le" not in e4_row
    assert "1 module maîtrisé sur" in text
    # The navigation leads there.
    assert 'href="/mes-resultats"' in page_text(client.get("/accueil"))


def test_the_module_page_shows_the_due_date_and_the_teachers_note_to_its_student(app, make_user, client):
    student = _class_with_student(app, make_user)
    login(client, student.username)
    text = page_text(client.get(f"/modules/{E2}"))
    assert f"«\u00a0{NOTE}\u00a0»" in text
    assert re.search(r"à faire pour le <strong>\d+(er)? \w+ \d{4}</strong>", text)
    # Another module, not assigned: nothing of the kind.
    other = page_text(client.get(f"/modules/{E1}"))
    assert "à faire pour le" not in other and NOTE not in other


def test_the_module_page_says_nothing_of_other_students_assignments(app, make_user, client):
    _class_with_student(app, make_user)
    stranger = make_user(Role.STUDENT)
    login(client, stranger.username)
    text = page_text(client.get(f"/modules/{E2}"))
    assert "à faire pour le" not in text and NOTE not in text
