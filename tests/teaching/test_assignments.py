"""Assignments: given to a class or a group, seen first by students, edited, withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lycee_ia.accounts.models import User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.models import QuizAttempt
from lycee_ia.teaching import services
from lycee_ia.teaching.models import Assignment, SchoolClass
from lycee_ia.teaching.services import TeachingError
from tests.helpers import login, page_text, submit
from tests.teaching.activity import read, take_quiz
from tests.teaching.conftest import QUIZ_MODULE, READING_MODULE, STAFF_MODULE


def _day(delta: int) -> str:
    return services.local_day(utcnow() + timedelta(days=delta)).isoformat()


def _edit(client, world, **fields):
    data = {"target": "classe", "opens_on": _day(-1), "due_on": "", "note": ""}
    data.update(fields)
    return submit(client, f"/classes/{world.class_a}/devoirs/{world.assignment_id}", data)


def test_students_see_assigned_work_first_with_the_due_date_and_the_note(app, client, world):
    teacher = app.test_client()
    login(teacher, world.teacher.username)
    response = _edit(teacher, world, due_on=_day(3), note="Pour jeudi : lisez tout, puis le quiz.")
    assert response.status_code == 302
    login(client, world.student.username)
    html = page_text(client.get("/modules"))
    todo, others = html.split("<h2>À faire</h2>")[1].split("<h2>Autres modules</h2>")
    assert "Un module avec un quiz" in todo and "Un module d'exemple pour les tests" not in todo
    assert "Un module d'exemple pour les tests" in others
    assert "Donné en 2nde A" in todo and "Pour jeudi : lisez tout, puis le quiz." in todo
    assert "Pas commencé" in todo and "En retard" not in todo
    # A student of another class does not see it.
    other = app.test_client()
    login(other, world.other_student.username)
    assert "À faire" not in page_text(other.get("/modules"))


def test_the_state_follows_the_students_work_and_overdue_work_is_marked(app, client, world):
    teacher = app.test_client()
    login(teacher, world.teacher.username)
    _edit(teacher, world, opens_on=_day(-10), due_on=_day(-2))
    login(client, world.student.username)
    todo = page_text(client.get("/modules")).split("<h2>À faire</h2>")[1]
    assert "En retard" in todo and "Pas commencé" in todo
    with app.app_context():
        student = db.session.get(User, world.student.id)
        read(db.session, student, QUIZ_MODULE)
        db.session.commit()
    assert "Lecture en cours" in page_text(client.get("/modules")).split("<h2>À faire</h2>")[1]
    with app.app_context():
        take_quiz(db.session, db.session.get(User, world.student.id), QUIZ_MODULE)
        db.session.commit()
    todo = page_text(client.get("/modules")).split("<h2>À faire</h2>")[1]
    assert "Maîtrisé" in todo and "En retard" not in todo


def test_a_group_assignment_is_for_the_groups_students_only(app, client, world, make_user):
    with app.app_context():
        outsider = make_user("eleve", username="hors.groupe", first_name="Paul", last_name="Hors")
        services.enrol(db.session, db.session.get(SchoolClass, world.class_a), db.session.get(User, outsider.id))
        db.session.commit()
    login(client, world.teacher.username)
    response = submit(
        client,
        f"/classes/{world.class_a}/devoirs/nouveau",
        {"module": READING_MODULE, "target": f"g{world.group_id}", "opens_on": _day(0), "due_on": _day(7), "note": ""},
    )
    assert response.status_code == 302
    grid = page_text(client.get(f"/classes/{world.class_a}"))
    assert "Groupe 1 · pour le" in grid and "Non concerné" in grid
    member = app.test_client()
    login(member, world.student.username)
    assert "Un module d'exemple pour les tests" in page_text(member.get("/modules")).split("<h2>À faire</h2>")[1]
    other = app.test_client()
    login(other, "hors.groupe")
    todo = page_text(other.get("/modules")).split("<h2>À faire</h2>")[1].split("<h2>Autres modules</h2>")[0]
    assert "Un module d'exemple pour les tests" not in todo and "Un module avec un quiz" in todo


def test_an_assignment_opening_later_is_not_shown_yet(app, client, world):
    teacher = app.test_client()
    login(teacher, world.teacher.username)
    _edit(teacher, world, opens_on=_day(3), due_on=_day(10))
    login(client, world.student.username)
    assert "À faire" not in page_text(client.get("/modules"))
    assert "ouvre le" in page_text(teacher.get(f"/classes/{world.class_a}"))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"opens_on": "2026-03-10", "due_on": "2026-03-01"}, "La date limite doit venir après la date d'ouverture."),
        ({"opens_on": "pas une date"}, "N'est pas une date valide."),
        ({"opens_on": ""}, "Indiquez la date d'ouverture."),
        ({"note": "x" * 1001}, "1000 caractères au plus."),
        ({"target": "g999"}, "N'est pas un choix valide."),
    ],
)
def test_bad_assignment_forms_are_refused_in_french(app, client, world, fields, message):
    login(client, world.teacher.username)
    response = _edit(client, world, **fields)
    assert response.status_code == 400
    assert message.lower() in page_text(response).lower()


def test_a_module_is_never_given_twice_to_the_same_students(app, client, world):
    login(client, world.teacher.username)
    response = submit(
        client,
        f"/classes/{world.class_a}/devoirs/nouveau",
        {"module": QUIZ_MODULE, "target": f"g{world.group_id}", "opens_on": _day(0), "due_on": "", "note": ""},
    )
    assert response.status_code == 400 and "déjà donné à ces élèves" in page_text(response)
    staff_only = submit(
        client,
        f"/classes/{world.class_a}/devoirs/nouveau",
        {"module": STAFF_MODULE, "target": "classe", "opens_on": _day(0), "due_on": "", "note": ""},
    )
    assert staff_only.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_the_service_refuses_a_staff_module(app, world):
    with app.app_context():
        school_class = db.session.get(SchoolClass, world.class_a)
        with pytest.raises(TeachingError, match="réservé aux personnels"):
            services.assign_module(
                db.session,
                actor=db.session.get(User, world.teacher.id),
                school_class=school_class,
                module=get_catalogue().modules[STAFF_MODULE],
                group=None,
                opens_at=utcnow(),
                due_at=None,
            )


def test_withdrawing_keeps_every_event_and_giving_it_again_shows_the_work(app, client, world):
    with app.app_context():
        student = db.session.get(User, world.student.id)
        read(db.session, student, QUIZ_MODULE)
        take_quiz(db.session, student, QUIZ_MODULE)
        db.session.commit()
        events = db.session.scalar(select(func.count()).select_from(LearningEvent))
        attempts = db.session.scalar(select(func.count()).select_from(QuizAttempt))
    login(client, world.teacher.username)
    response = submit(client, f"/classes/{world.class_a}/devoirs/{world.assignment_id}/retirer", form_url=f"/classes/{world.class_a}/devoirs/{world.assignment_id}")
    assert response.status_code == 302
    assert "reste enregistré" in page_text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.get(Assignment, world.assignment_id) is None
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == events
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == attempts
        assert db.session.get(ModuleProgress, (world.student.id, QUIZ_MODULE)).quiz_passed_at is not None
    assert client.get(f"/classes/{world.class_a}/devoirs/{world.assignment_id}").status_code == 404
    submit(
        client,
        f"/classes/{world.class_a}/devoirs/nouveau",
        {"module": QUIZ_MODULE, "target": "classe", "opens_on": _day(0), "due_on": "", "note": ""},
    )
    assert "Maîtrisé" in page_text(client.get(f"/classes/{world.class_a}"))


def test_editing_changes_dates_target_and_note(app, client, world):
    login(client, world.teacher.username)
    form = page_text(client.get(f"/classes/{world.class_a}/devoirs/{world.assignment_id}"))
    assert "Modifier le devoir : Un module avec un quiz" in form
    _edit(client, world, target=f"g{world.group_id}", due_on="2030-06-15", note="Relisez la partie 2.")
    with app.app_context():
        assignment = db.session.get(Assignment, world.assignment_id)
        assert assignment.group_id == world.group_id and assignment.note == "Relisez la partie 2."
        assert services.local_day(assignment.due_at).isoformat() == "2030-06-15"
    assert "15 juin 2030" in page_text(client.get(f"/classes/{world.class_a}"))
