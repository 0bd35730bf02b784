"""The teacher's Monday morning (issue 14): one student added or corrected by hand, a slip reprinted,
a printable report per student, a module previewed with its answer key before it is given."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import create_user
from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db
from lycee_ia.teaching.models import ClassGroup, Enrolment, GroupMember
from tests.helpers import csrf_token_from, login, page_text, submit
from tests.teaching.conftest import QUIZ_MODULE, READING_MODULE

PASSWORD_RE = re.compile(r"Mot de passe provisoire : <code>([^<]+)</code>")


def _students_url(world) -> str:
    return f"/classes/{world.class_a}/eleves"


def test_a_teacher_adds_one_student_by_hand_and_gets_the_slip_once(app, client, world):
    login(client, world.teacher.username)
    response = submit(
        client, f"{_students_url(world)}/ajouter", {"first_name": "  Zoé ", "last_name": "Le Goff", "groups": [str(world.group_id)]},
        form_url=_students_url(world),
    )
    assert response.status_code == 200
    html = page_text(response)
    assert "zoe.le-goff" in html and PASSWORD_RE.search(html), html
    password = PASSWORD_RE.search(html).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zoe.le-goff"))
        assert (user.first_name, user.last_name, user.role) == ("Zoé", "Le Goff", Role.STUDENT)
        assert db.session.get(Enrolment, (world.class_a, user.id)) is not None
        assert db.session.get(GroupMember, (world.group_id, user.id)) is not None
        assert password not in (user.password_hash or "")
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.add_student")) is not None
    # The password is never shown again.
    assert password not in page_text(client.get(_students_url(world)))
    # The new student signs in with the slip.
    student = app.test_client()
    assert student.post("/connexion", data={
        "username": "zoe.le-goff", "password": password,
        "csrf_token": csrf_token_from(student.get("/connexion").get_data(as_text=True)),
    }).status_code == 302


def test_a_second_student_of_the_same_name_gets_a_numbered_username_like_an_import(app, client, world):
    with app.app_context():
        create_user(db.session, actor=None, username="zoe.le-goff", role=Role.STUDENT, first_name="Zoé", last_name="Le Goff")
        db.session.commit()
    login(client, world.teacher.username)
    response = submit(client, f"{_students_url(world)}/ajouter", {"first_name": "Zoé", "last_name": "Le Goff"}, form_url=_students_url(world))
    assert response.status_code == 200 and "zoe.le-goff2" in page_text(response)


def test_a_bad_name_or_a_foreign_group_is_refused_in_french_and_nothing_is_created(app, client, world):
    login(client, world.teacher.username)
    with app.app_context():
        foreign = ClassGroup(class_id=world.class_b, name="Groupe d'une autre classe")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
        before = db.session.scalar(select(func.count()).select_from(User))
    cases = [
        ({"first_name": "=HYPERLINK(1)", "last_name": "Martin"}, "commence par « = »"),
        ({"first_name": "<script>", "last_name": "Martin"}, "contient « < »"),
        ({"first_name": "", "last_name": "Martin"}, "Indiquez le prénom."),
        ({"first_name": "Léa", "last_name": "M" * 101}, "100 caractères au plus."),
        ({"first_name": "Léa", "last_name": "Martin", "groups": [str(foreign_id)]}, "n'est pas un choix valide"),
        ({"first_name": "Léa", "last_name": "Martin", "groups": ["abc"]}, "Choix incorrect"),
    ]
    for data, words in cases:
        response = submit(client, f"{_students_url(world)}/ajouter", data, form_url=_students_url(world))
        assert response.status_code == 400, (data, response.status_code)
        assert "Traceback" not in page_text(response)
        assert words in page_text(response), (data, page_text(response)[:2000])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == before
    # Without a CSRF token: refused.
    assert client.post(f"{_students_url(world)}/ajouter", data={"first_name": "Léa", "last_name": "Martin"}).status_code == 400


def test_a_teacher_corrects_a_name_and_the_groups_of_a_student_of_their_class_only(app, client, world):
    login(client, world.teacher.username)
    url = f"{_students_url(world)}/{world.student.id}/modifier"
    form = page_text(client.get(url))
    assert 'value="Inès"' in form and 'value="Amrani"' in form
    response = submit(client, url, {"first_name": "Inés", "last_name": "Amrani-Roux", "groups": [str(world.group_id)]})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world.student.id)
        assert (user.first_name, user.last_name, user.username) == ("Inés", "Amrani-Roux", "eleve.a")
        assert db.session.get(GroupMember, (world.group_id, user.id)) is not None
    response = submit(client, url, {"first_name": "Inés", "last_name": "Amrani-Roux"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(GroupMember, (world.group_id, world.student.id)) is None
    bad = submit(client, url, {"first_name": "@cmd", "last_name": "Amrani"})
    assert bad.status_code == 400 and "commence par « @ »" in page_text(bad)
    # A student of another class: 404, as if the student did not exist.
    other = f"/classes/{world.class_a}/eleves/{world.other_student.id}/modifier"
    assert client.get(other).status_code == 404
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(other, data={"first_name": "X", "last_name": "Y", "csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(User, world.other_student.id).first_name == "Noé"


def test_reprinting_a_slip_asks_first_then_gives_a_new_password(app, client, world):
    login(client, world.teacher.username)
    url = f"{_students_url(world)}/{world.student.id}/fiche"
    with app.app_context():
        old_hash = db.session.get(User, world.student.id).password_hash
    confirmation = page_text(client.get(url))
    assert "l'ancien mot de passe" in confirmation and "ne fonctionnera plus" in confirmation
    with app.app_context():
        assert db.session.get(User, world.student.id).password_hash == old_hash  # asking changes nothing
    response = submit(client, url)
    assert response.status_code == 200
    html = page_text(response)
    assert "Fiche de connexion réimprimée" in html and "eleve.a" in html and PASSWORD_RE.search(html)
    with app.app_context():
        assert db.session.get(User, world.student.id).password_hash != old_hash
    assert client.get(f"/classes/{world.class_a}/eleves/{world.other_student.id}/fiche").status_code == 404


def test_the_printable_report_of_a_student_sums_up_their_work(app, client, world):
    login(client, world.teacher.username)
    response = client.get(f"{_students_url(world)}/{world.student.id}/rapport")
    assert response.status_code == 200
    html = page_text(response)
    assert "Inès Amrani" in html and "Modules donnés" in html and "Travail module par module" in html
    assert 'class="wrap student-report"' in html
    assert client.get(f"{_students_url(world)}/{world.other_student.id}/rapport").status_code == 404


def test_the_module_preview_shows_the_sections_and_every_answer_of_the_quiz(app, client, world):
    from lycee_ia.content.catalogue import get_catalogue
    from markupsafe import Markup

    login(client, world.teacher.username)
    response = client.get(f"/classes/{world.class_a}/modules/{QUIZ_MODULE}/apercu")
    assert response.status_code == 200
    html = page_text(response)
    with app.app_context():
        module = get_catalogue().modules[QUIZ_MODULE]
        for section in module.sections:
            assert section.title in html
        assert html.count("Réponse attendue :") == len(module.quiz.questions)
        short = module.question("qe-court")
        key = html.split(Markup(short.stem).striptags()[:30])[1].split("</li>")[0]
        assert "AIE" in key
    # The assignment page links to it.
    page = client.get(f"/classes/{world.class_a}/devoirs/nouveau").get_data(as_text=True)
    assert f"/classes/{world.class_a}/modules/{QUIZ_MODULE}/apercu" in page
    # A module that does not exist, or one for staff only: 404, in French.
    missing = client.get(f"/classes/{world.class_a}/modules/rien/apercu")
    assert missing.status_code == 404 and "n'existe pas" in page_text(missing)
    # A student never reaches it, even for a module of their own class.
    student = app.test_client()
    login(student, world.student.username)
    refused = student.get(f"/classes/{world.class_a}/modules/{QUIZ_MODULE}/apercu")
    assert refused.status_code == 404 and "AIE" not in page_text(refused)
    assert READING_MODULE  # the reading module has no quiz: its preview says so
    assert "Ce module n'a pas de quiz." in page_text(client.get(f"/classes/{world.class_a}/modules/{READING_MODULE}/apercu"))


def test_the_services_refuse_a_group_of_another_class_and_a_student_of_another_class(app, world):
    import pytest

    from lycee_ia.teaching import services
    from lycee_ia.teaching.models import SchoolClass

    with app.app_context():
        session = db.session
        class_a = session.get(SchoolClass, world.class_a)
        teacher = session.get(User, world.teacher.id)
        foreign = ClassGroup(class_id=world.class_b, name="Ailleurs")
        session.add(foreign)
        session.flush()
        with pytest.raises(services.TeachingError, match="groupes choisis"):
            services.add_student(session, actor=teacher, school_class=class_a, first_name="Léa", last_name="Roux", group_ids={foreign.id})
        with pytest.raises(services.TeachingError, match="pas dans cette classe"):
            services.update_student(
                session, actor=teacher, school_class=class_a, student=session.get(User, world.other_student.id),
                first_name="X", last_name="Y", group_ids=set(),
            )
        session.rollback()
