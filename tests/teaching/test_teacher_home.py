"""The teacher's home (issue 14): each class with what changed since the last visit."""

from __future__ import annotations

from datetime import datetime, timedelta

from lycee_ia.accounts.models import User
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import home as teacher_home_module
from lycee_ia.teaching.models import Assignment, SchoolClass, TeacherVisit
from tests.helpers import login, page_text
from tests.teaching.activity import read, take_quiz
from tests.teaching.conftest import QUIZ_MODULE


def _section(html: str, title: str) -> str:
    return html.split(f"<h3>{title}</h3>")[1].split("<h3>")[0].split("</section>")[0]


def test_the_visit_is_remembered_and_a_reload_keeps_the_news(app, world):
    with app.app_context():
        session = db.session
        teacher = session.get(User, world.teacher.id)
        monday = datetime(2026, 11, 30, 7, 0)
        assert teacher_home_module.record_visit(session, teacher, monday) is None
        # Twenty minutes later: the same visit.
        assert teacher_home_module.record_visit(session, teacher, monday + timedelta(minutes=20)) is None
        # The next morning: a new visit, whose news start where the last one ended.
        tuesday = monday + timedelta(days=1)
        assert teacher_home_module.record_visit(session, teacher, tuesday) == monday + timedelta(minutes=20)
        assert teacher_home_module.record_visit(session, teacher, tuesday + timedelta(minutes=5)) == monday + timedelta(minutes=20)
        session.commit()
        visit = session.get(TeacherVisit, teacher.id)
        assert visit.last_seen_at == tuesday + timedelta(minutes=5)


def test_the_end_of_the_week_is_sunday_night_in_paris():
    # Wednesday 2 December 2026, 10:00 UTC; Sunday 6 December 23:59:59 Paris is 22:59:59 UTC.
    assert teacher_home_module.end_of_week(datetime(2026, 12, 2, 10, 0)) == datetime(2026, 12, 6, 22, 59, 59)
    # A Sunday at 23:30 UTC is already Monday in Paris: the week is the next one.
    assert teacher_home_module.end_of_week(datetime(2026, 12, 6, 23, 30)) == datetime(2026, 12, 13, 22, 59, 59)


def test_the_home_shows_who_finished_since_the_last_visit_who_needs_help_and_what_is_due(app, client, world):
    now = utcnow()
    with app.app_context():
        session = db.session
        assignment = session.get(Assignment, world.assignment_id)
        assignment.opens_at = now - timedelta(days=20)
        assignment.due_at = min(teacher_home_module.end_of_week(now), now + timedelta(days=6)) - timedelta(minutes=1)
        if assignment.due_at <= now:
            assignment.due_at = now + timedelta(minutes=30)
        # The teacher came three days ago.
        session.add(TeacherVisit(user_id=world.teacher.id, previous_visit_at=None, last_seen_at=now - timedelta(days=3)))
        student = session.get(User, world.student.id)
        read(session, student, QUIZ_MODULE, when=now - timedelta(days=1))
        take_quiz(session, student, QUIZ_MODULE, when=now - timedelta(hours=2))
        session.commit()
    login(client, world.teacher.username)
    html = page_text(client.get("/accueil"))
    assert "Depuis votre dernière visite" in html
    assert world.class_a_name in html
    finished = _section(html, "Ont terminé un module")
    assert "Inès Amrani" in finished and "Un module avec un quiz" in finished
    due = _section(html, "À faire pour cette semaine")
    assert "« Un module avec un quiz »" in due and "1 élève sur" in due
    # Reloading straight away keeps the same news.
    again = page_text(client.get("/accueil"))
    assert "Inès Amrani" in _section(again, "Ont terminé un module")
    # A visit the next day no longer repeats what was already seen.
    with app.app_context():
        visit = db.session.get(TeacherVisit, world.teacher.id)
        visit.last_seen_at = utcnow() - timedelta(minutes=70)  # after the quiz, more than an hour ago
        db.session.commit()
    later = page_text(client.get("/accueil"))
    assert "Inès Amrani" not in _section(later, "Ont terminé un module")
    assert "Personne n'a terminé de module depuis." in later


def test_a_student_who_needs_help_is_named_on_the_home(app, client, world):
    now = utcnow()
    with app.app_context():
        session = db.session
        assignment = session.get(Assignment, world.assignment_id)
        assignment.opens_at = now - timedelta(days=20)
        assignment.due_at = now - timedelta(days=3)
        session.commit()
    login(client, world.teacher.username)
    html = page_text(client.get("/accueil"))
    helped = _section(html, "Élèves à aider")
    assert "Inès Amrani" in helped and "En retard" in helped
    # Another teacher's home does not show class A.
    other = app.test_client()
    login(other, world.other_teacher.username)
    assert world.class_a_name not in page_text(other.get("/accueil"))
