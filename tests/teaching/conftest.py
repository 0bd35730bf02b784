"""Fixtures of the teaching tests: two small modules, two classes, people of every role."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from lycee_ia.accounts.models import Role, School, User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.quiz.grading import correct_answer
from lycee_ia.quiz.services import start_attempt
from lycee_ia.teaching import services
from lycee_ia.teaching.models import SchoolClass

TESTS = Path(__file__).resolve().parent.parent
QUIZ_MODULE = "quiz-exemple"
READING_MODULE = "lecture-exemple"
STAFF_MODULE = "personnel-exemple"
# The classes of the tests were formed this long ago: work due since then is late.
TERM_STARTED_DAYS_AGO = 60


@pytest.fixture
def app_config(app_config, tmp_path):
    """A courses folder: a module with a quiz, one without, one for staff only."""
    courses = tmp_path / "courses"
    shutil.copytree(TESTS / "quiz" / "fixtures" / QUIZ_MODULE, courses / QUIZ_MODULE)
    shutil.copytree(TESTS / "content" / "fixtures" / READING_MODULE, courses / READING_MODULE)
    shutil.copytree(TESTS / "content" / "fixtures" / STAFF_MODULE, courses / STAFF_MODULE)
    return {**app_config, "COURSES_DIR": courses}


@dataclass
class World:
    school_id: int
    class_a: int
    class_b: int
    class_a_name: str
    teacher: User
    other_teacher: User
    spare_teacher: User
    student: User
    other_student: User
    staff: User
    admin: User
    target: User
    group_id: int
    assignment_id: int
    attempt_id: str
    question_id: str
    answer: str
    import_token: str
    join_code: str
    device_id: int  # the student's laptop, enrolled for sync


@pytest.fixture
def world(app, make_user) -> World:
    """Class A (teacher, student, a group, an assignment of the quiz module, a pending import, a
    join code, an open attempt of the student) and class B (another teacher and student)."""
    with app.app_context():
        session = db.session
        school = School(name="Lycée d'essai")
        session.add(school)
        session.commit()
        people = {
            "teacher": make_user(Role.TEACHER, username="prof.a", first_name="Claire", last_name="Dubois"),
            "other_teacher": make_user(Role.TEACHER, username="prof.b", first_name="Marc", last_name="Vidal"),
            "spare_teacher": make_user(Role.TEACHER, username="prof.c", first_name="Anne", last_name="Roy"),
            "student": make_user(Role.STUDENT, username="eleve.a", first_name="Inès", last_name="Amrani"),
            "other_student": make_user(Role.STUDENT, username="eleve.b", first_name="Noé", last_name="Bernard"),
            "staff": make_user(Role.STAFF, username="personnel.a", first_name="Karim", last_name="Benali"),
            "admin": make_user(Role.ADMIN, username="admin.a", first_name="Marc", last_name="Girard"),
            "target": make_user(Role.STUDENT, username="cible", first_name="Sam", last_name="Cible"),
        }
        people = {key: session.get(User, user.id) for key, user in people.items()}
        school = session.get(School, school.id)
        class_a = services.create_class(session, actor=people["teacher"], name="2nde A", school=school)
        class_b = services.create_class(session, actor=people["other_teacher"], name="2nde B", school=school)
        # In the class since the start of term, before any assignment of the tests.
        term_start = utcnow() - timedelta(days=TERM_STARTED_DAYS_AGO)
        services.enrol(session, class_a, people["student"], at=term_start)
        services.enrol(session, class_b, people["other_student"], at=term_start)
        group = services.create_group(session, actor=people["teacher"], school_class=class_a, name="Groupe 1")
        services.set_group_members(session, actor=people["teacher"], school_class=class_a, group=group, user_ids={people["student"].id})
        modules = get_catalogue().modules
        now = utcnow()
        assignment = services.assign_module(
            session,
            actor=people["teacher"],
            school_class=class_a,
            module=modules[QUIZ_MODULE],
            group=None,
            opens_at=now - timedelta(hours=1),  # open: work of the last hour counts
            due_at=None,
        )
        attempt = start_attempt(session, people["student"], modules[QUIZ_MODULE])
        question = modules[QUIZ_MODULE].question(attempt.ids[0])
        _, pending = services.start_roster_import(
            session,
            actor=people["teacher"],
            school_class=class_a,
            data="Nom;Prénom;Classe\nNouvel;Élève;2nde A\n".encode(),
            filename="liste.csv",
        )
        code = services.new_join_code(session, actor=people["teacher"], school_class=class_a)
        from lycee_ia.sync.models import SyncDevice

        device = SyncDevice(device_id="portable-eleve-a", user_id=people["student"].id, token_hash="0" * 64, public_key="ab" * 32)
        session.add(device)
        session.commit()
        return World(
            school_id=school.id,
            class_a=class_a.id,
            class_b=class_b.id,
            class_a_name=class_a.name,
            group_id=group.id,
            assignment_id=assignment.id,
            attempt_id=str(attempt.id),
            question_id=question.id,
            answer=correct_answer(question),
            import_token=pending.id,
            join_code=code,
            device_id=device.id,
            **people,
        )


def get_class(session, class_id: int) -> SchoolClass:
    return session.get(SchoolClass, class_id)
