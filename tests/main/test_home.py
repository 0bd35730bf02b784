"""A student's home page says what to do: assigned work first, where to resume, what is mastered, what comes next."""

from __future__ import annotations

import re
from datetime import timedelta

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.results import module_results, student_home
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import services
from tests.helpers import login, page_text
from tests.teaching.activity import read, take_quiz

E1 = "e1-ia-autour-de-moi"
E2 = "e2-comment-une-machine-apprend"
E3 = "e3-ia-generative-hallucinations"
E4 = "e4-verifier-sourcer-declarer"
E10 = "e10-ia-travail-citoyennete"
NOTE = "Relis bien la partie 2 avant le quiz."


def _class_with_student(app, make_user, assignments=((E2, 5, NOTE),)):
    """A student enrolled in a class whose teacher gave ``assignments`` (module, due in days, note)."""
    teacher = make_user(Role.TEACHER)
    student = make_user(Role.STUDENT, first_name="Léa")
    with app.app_context():
        session = db.session
        teacher, student = session.get(User, teacher.id), session.get(User, student.id)
        school_class = services.create_class(session, actor=teacher, name=f"2nde {student.username}", school=None)
        services.enrol(session, school_class, student, at=utcnow() - timedelta(days=30))
        modules = get_catalogue().modules
        for module_id, due_in, note in assignments:
            services.assign_module(
                session, actor=teacher, school_class=school_class, module=modules[module_id], group=None,
                opens_at=utcnow() - timedelta(days=10), due_at=utcnow() + timedelta(days=due_in), note=note,
            )
        session.commit()
    return student


def _work(app, student, mastered=(E1,), reading=((E4, 2),)):
    with app.app_context():
        session = db.session
        user = session.get(User, student.id)
        for module_id in mastered:
            read(session, user, module_id, when=utcnow() - timedelta(days=2))
            take_quiz(session, user, module_id, when=utcnow() - timedelta(days=1))
        for module_id, sections in reading:
            read(session, user, module_id, sections=sections)
        session.commit()


def test_the_home_service_puts_assigned_work_first_then_resume_mastered_and_next(app, make_user):
    student = _class_with_student(app, make_user, assignments=((E2, 5, NOTE), (E3, -1, "")))
    _work(app, student)
    with app.app_context():
        modules = get_catalogue().modules
        home = student_home(db.session, db.session.get(User, student.id), modules)
        assert [t.module.id for t in home.todo] == [E3, E2]  # soonest due first
        assert home.todo[0].assignment.overdue and not home.todo[1].assignment.overdue
        assert home.todo[1].assignment.note == NOTE
        assert home.todo[1].section.id == modules[E2].sections[0].id and not home.todo[1].started
        assert home.resume.module.id == E4
        assert home.resume_section.id == modules[E4].sections[2].id  # the first section not read
        assert [r.module.id for r in home.mastered] == [E1]
        assert home.mastered[0].mastered_at is not None
        assert home.next_module.id == E2  # the curriculum's order: E1 then E2


def test_the_next_module_skips_those_already_mastered(app, make_user):
    student = make_user(Role.STUDENT)
    _work(app, student, mastered=(E1, E2), reading=())
    with app.app_context():
        home = student_home(db.session, db.session.get(User, student.id), get_catalogue().modules)
        assert home.todo == [] and home.resume is None
        assert home.next_module.id == E3


def test_the_home_page_shows_the_work_the_due_date_the_note_and_where_to_resume(app, make_user, client):
    student = _class_with_student(app, make_user)
    _work(app, student)
    login(client, student.username)
    response = client.get("/accueil")
    assert response.status_code == 200
    text = page_text(response)
    with app.app_context():
        modules = get_catalogue().modules
        e2, e4, e1 = modules[E2], modules[E4], modules[E1]
    assert "Bonjour Léa" in text
    # Assigned work first, with its due date and the teacher's note (quoted once).
    assert text.index("À faire") < text.index(e2.title) < text.index("Reprendre «")
    assert f"«\u00a0{NOTE}\u00a0»" in text and "« «" not in text
    assert re.search(r"Pour le <strong>\d+(er)? \w+ \d{4}</strong>", text)
    assert f'href="/modules/{E2}/partie/{e2.sections[0].id}"' in text
    # « Reprendre » leads to the section where the student stopped.
    assert f'href="/modules/{E4}/partie/{e4.sections[2].id}"' in text
    assert f"Reprendre « {e4.title} »" in text
    # What was mastered, and the next module in the curriculum's order.
    assert e1.title in text.split("Maîtrisé", 1)[1]
    assert re.search(rf'Module suivant : <a href="/modules/{E2}">', text)


def test_a_student_without_work_is_told_so(app, login_as, client):
    login_as(Role.STUDENT)
    text = page_text(client.get("/accueil"))
    assert "Rien à faire pour le moment" in text and "Reprendre «" not in text


def test_the_home_page_costs_the_same_queries_however_much_work_there_is(app, make_user, client, count_queries):
    light = _class_with_student(app, make_user, assignments=((E2, 5, ""),))
    heavy = _class_with_student(app, make_user, assignments=((E2, 5, NOTE), (E3, 3, ""), (E10, -2, "Vite !")))
    _work(app, heavy, mastered=(E1, E4), reading=((E3, 1), (E10, 2)))
    counts = []
    for student in (light, heavy):
        client = app.test_client()
        login(client, student.username)
        with count_queries() as counter:
            assert client.get("/accueil").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[0] <= 5, counts
