"""Classes, their teachers, groups and students; join codes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lycee_ia.accounts.models import User
from lycee_ia.admin.models import AuditEntry
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.teaching.models import ClassTeacher, Enrolment, GroupMember, SchoolClass
from tests.helpers import csrf_token_from, login, page_text, submit
from tests.teaching.activity import read
from tests.teaching.conftest import QUIZ_MODULE


def test_a_teacher_creates_a_class_and_teaches_it(app, client, world):
    login(client, world.teacher.username)
    response = submit(client, "/classes", {"name": "  1re   G2 "})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "1re G2"))
        assert db.session.get(ClassTeacher, (created.id, world.teacher.id)) is not None
    assert "1re G2" in page_text(client.get("/classes"))
    again = submit(client, "/classes", {"name": "1re G2"})
    assert again.status_code == 400 and "existe déjà" in page_text(again)
    empty = submit(client, "/classes", {"name": ""})
    assert empty.status_code == 400 and "Indiquez le nom de la classe." in page_text(empty)


def test_an_administrator_gives_a_class_to_several_teachers(app, client, world):
    other = app.test_client()
    login(other, world.other_teacher.username)
    assert other.get(f"/classes/{world.class_a}").status_code == 404
    login(client, world.admin.username)
    # Picked from the list of the school's teachers, not typed.
    picker = page_text(client.get(f"/admin/classes/{world.class_a}"))
    assert f'<option value="{world.other_teacher.id}">' in picker
    assert f'<option value="{world.teacher.id}">' not in picker  # already teaching there
    assert f'<option value="{world.student.id}">' not in picker
    response = submit(client, f"/admin/classes/{world.class_a}", {"teacher": str(world.other_teacher.id)})
    assert response.status_code == 302
    assert other.get(f"/classes/{world.class_a}").status_code == 200
    page = page_text(client.get("/admin/classes"))
    assert "prof.a, prof.b" in page
    # A forged choice (a student's id, an id not in the list) is refused.
    refused = submit(client, f"/admin/classes/{world.class_a}", {"teacher": str(world.student.id)})
    assert refused.status_code == 400 and "Choisissez un enseignant dans la liste" in page_text(refused)
    unknown = submit(client, f"/admin/classes/{world.class_a}", {"teacher": "abc"})
    assert unknown.status_code == 400
    submit(
        client,
        f"/admin/classes/{world.class_a}/enseignants/{world.other_teacher.id}/retirer",
        form_url=f"/admin/classes/{world.class_a}",
    )
    assert other.get(f"/classes/{world.class_a}").status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world.admin.id)))
        assert {"class.add_teacher", "class.remove_teacher"} <= actions


def test_an_administrator_creates_a_class_in_a_school(app, client, world):
    login(client, world.admin.username)
    response = submit(client, "/admin/classes", {"name": "Terminale 1", "school": str(world.school_id)})
    assert response.status_code == 302
    assert "Terminale 1" in page_text(client.get("/admin/classes"))
    bad = submit(client, "/admin/classes", {"name": "Terminale 2", "school": "999"})
    assert bad.status_code == 400


def test_groups_hold_students_of_the_class_only(app, client, world):
    login(client, world.teacher.username)
    response = submit(client, f"/classes/{world.class_a}/groupes", {"name": "Demi-groupe B"}, form_url=f"/classes/{world.class_a}/eleves")
    assert response.status_code == 302
    group_url = response.headers["Location"]
    assert "Demi-groupe B" in page_text(client.get(group_url))
    duplicate = submit(client, f"/classes/{world.class_a}/groupes", {"name": "demi-groupe b"}, form_url=f"/classes/{world.class_a}/eleves")
    assert duplicate.status_code == 400 and "existe déjà" in page_text(duplicate)
    # A student of another class cannot be slipped in.
    bad = submit(client, group_url, {"students": [str(world.other_student.id)]})
    assert bad.status_code == 400
    assert submit(client, group_url, {"students": [str(world.student.id)]}).status_code == 302
    with app.app_context():
        group_id = int(group_url.rsplit("/", 1)[1])
        assert set(db.session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id))) == {world.student.id}
    assert submit(client, group_url, {}).status_code == 302  # nobody
    with app.app_context():
        assert not db.session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id)).all()


def test_a_group_with_an_assignment_cannot_be_deleted(app, client, world):
    login(client, world.teacher.username)
    submit(
        client,
        f"/classes/{world.class_a}/devoirs/{world.assignment_id}",
        {"target": f"g{world.group_id}", "opens_on": "2026-01-05", "due_on": "", "note": ""},
    )
    response = submit(client, f"/classes/{world.class_a}/groupes/{world.group_id}/supprimer", form_url=f"/classes/{world.class_a}/eleves")
    assert response.status_code == 302
    assert "a des modules à faire" in page_text(client.get(response.headers["Location"]))
    submit(
        client,
        f"/classes/{world.class_a}/devoirs/{world.assignment_id}",
        {"target": "classe", "opens_on": "2026-01-05", "due_on": "", "note": ""},
    )
    response = submit(client, f"/classes/{world.class_a}/groupes/{world.group_id}/supprimer", form_url=f"/classes/{world.class_a}/eleves")
    assert "est supprimé" in page_text(client.get(response.headers["Location"]))


def test_removing_a_student_keeps_their_learning_events(app, client, world):
    with app.app_context():
        student = db.session.get(User, world.student.id)
        read(db.session, student, QUIZ_MODULE)
        db.session.commit()
        events = db.session.scalar(select(func.count()).select_from(LearningEvent).where(LearningEvent.user_id == student.id))
        assert events > 0
    login(client, world.teacher.username)
    response = submit(client, f"/classes/{world.class_a}/eleves/{world.student.id}/retirer", {"confirm": "1"}, form_url=f"/classes/{world.class_a}/eleves")
    assert response.status_code == 302
    assert "Son travail reste enregistré" in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is None
        assert not db.session.scalars(select(GroupMember).where(GroupMember.user_id == world.student.id)).all()
        assert db.session.scalar(select(func.count()).select_from(LearningEvent).where(LearningEvent.user_id == world.student.id)) == events
        assert db.session.get(ModuleProgress, (world.student.id, QUIZ_MODULE)) is not None
        assert db.session.get(User, world.student.id).active
    assert client.get(f"/classes/{world.class_a}/eleves/{world.student.id}").status_code == 404
    assert world.student.username not in page_text(client.get(f"/classes/{world.class_a}"))


def test_a_teacher_resets_a_students_password_and_gets_a_slip(app, client, world):
    student = app.test_client()
    login(student, world.student.username)
    login(client, world.teacher.username)
    response = submit(client, f"/classes/{world.class_a}/eleves/{world.student.id}/mot-de-passe", {"confirm": "1"}, form_url=f"/classes/{world.class_a}/eleves")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = page_text(response).split("Mot de passe provisoire : <code>")[1].split("</code>")[0]
    # The old session ends; the new password works and must be changed.
    assert student.get("/accueil").status_code == 302
    fresh = app.test_client()
    login(fresh, world.student.username, password)
    assert fresh.get("/modules").headers["Location"].startswith("/compte")
    # Not for a student of another class.
    assert client.post(
        f"/classes/{world.class_a}/eleves/{world.other_student.id}/mot-de-passe",
        data={"csrf_token": _token(client), "confirm": "1"},
    ).status_code == 404


def _token(client) -> str:
    return csrf_token_from(client.get("/compte").get_data(as_text=True))


def test_a_student_joins_with_the_code_until_it_expires_or_is_revoked(app, client, world):
    login(client, world.other_student.username)
    response = submit(client, "/rejoindre", {"code": f"  {world.join_code[:3].lower()} {world.join_code[3:].lower()} "})
    assert response.status_code == 302
    assert "Tu as rejoint la classe « 2nde A »" in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.other_student.id)) is not None
    again = submit(client, "/rejoindre", {"code": world.join_code})
    assert again.status_code == 400 and "Tu es déjà dans la classe" in page_text(again)

    latecomer = app.test_client()
    login(latecomer, world.target.username)
    with app.app_context():
        school_class = db.session.get(SchoolClass, world.class_a)
        school_class.join_code_expires_at -= timedelta(days=8)
        db.session.commit()
    expired = submit(latecomer, "/rejoindre", {"code": world.join_code})
    assert expired.status_code == 400 and "il a expiré" in page_text(expired)

    teacher = app.test_client()
    login(teacher, world.teacher.username)
    submit(teacher, f"/classes/{world.class_a}/code", {"days": "30"}, form_url=f"/classes/{world.class_a}/eleves")
    with app.app_context():
        new_code = db.session.get(SchoolClass, world.class_a).join_code
    assert new_code != world.join_code and new_code in page_text(teacher.get(f"/classes/{world.class_a}/eleves"))
    submit(teacher, f"/classes/{world.class_a}/code/revoquer", form_url=f"/classes/{world.class_a}/eleves")
    revoked = submit(latecomer, "/rejoindre", {"code": new_code})
    assert revoked.status_code == 400
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.target.id)) is None


def test_guessing_codes_is_stopped_after_ten_failures(app, client, world):
    login(client, world.target.username)
    for attempt in range(10):
        response = submit(client, "/rejoindre", {"code": f"ZZZZZ{attempt}"})
        assert response.status_code == 400
    blocked = submit(client, "/rejoindre", {"code": world.join_code})
    assert blocked.status_code == 400 and "Trop de codes erronés" in page_text(blocked)
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.target.id)) is None


def test_a_teacher_cannot_join_a_class_with_a_code(client, world):
    login(client, world.other_teacher.username)
    assert client.get("/rejoindre").status_code == 403


def test_the_home_page_links_a_teacher_to_their_classes(client, world):
    login(client, world.teacher.username)
    assert f'href="/classes/{world.class_a}"' in client.get("/accueil").get_data(as_text=True)
