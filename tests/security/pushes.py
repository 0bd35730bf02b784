"""Helpers of the attack tests on pushed learning events: a class, an enrolled laptop, forged events."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.quiz.grading import correct_answer, grade
from lycee_ia.quiz.model import Question
from lycee_ia.sync.wire import format_time
from lycee_ia.teaching import services
from lycee_ia.teaching.models import SchoolClass
from tests.helpers import TEST_PASSWORD

API = "/api/sync/v1"
QUIZ_FIXTURES = Path(__file__).resolve().parents[1] / "quiz" / "fixtures"
MODULE = "quiz-exemple"


@dataclass
class Laptop:
    """A laptop enrolled through the real API with a student's password alone."""

    client: object
    token: str
    device_id: str
    user_uuid: str

    def push(self, events: list[dict]) -> dict:
        response = self.client.post(
            f"{API}/events",
            json={"sent_at": format_time(utcnow()), "events": events},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    def event(self, **fields) -> dict:
        event = {
            "id": str(uuid.uuid4()),
            "user": self.user_uuid,
            "device": self.device_id,
            "verb": "experienced",
            "object_type": "section",
            "object_id": f"{MODULE}/debut",
            "module_id": MODULE,
            "module_version": None,
            "result": None,
            "context": None,
            "registration": None,
            "occurred_at": format_time(utcnow() - timedelta(minutes=5)),
        }
        event.update(fields)
        return event


def enrol_laptop(client, username: str, device_id: str = "pc-de-l-attaquant-01", public_key: str = "cd" * 32) -> Laptop:
    response = client.post(
        f"{API}/enrol",
        json={
            "username": username, "password": TEST_PASSWORD, "device_id": device_id,
            "public_key": public_key, "label": "PC", "laptop_time": format_time(utcnow()),
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return Laptop(client, response.json["token"], device_id, response.json["state"]["user"]["uuid"])


def wrong_answer(question: Question):
    """An answer the pure grader scores 0 (the key turned around)."""
    key = correct_answer(question)
    if question.type == "single":
        return next(c.id for c in question.choices if c.id != key)
    if question.type == "ordering":
        scored = [(grade(question, list(order)).score, list(order)) for order in itertools.permutations(key)]
        return min(scored)[1]
    if question.type == "numeric":
        return "999"
    return "réponse fausse"


def module_quiz(app, module_id: str = MODULE):
    with app.app_context():
        module = get_catalogue().modules[module_id]
        return module.version, list(module.quiz.questions)


def attempt_events(
    laptop: Laptop, version: str, questions: list[Question], *, right: bool, claim: bool,
    attempt: str | None = None, start: datetime | None = None, module_id: str = MODULE, verb: str | None = None,
) -> list[dict]:
    """A whole attempt as a laptop sends it: attempted, one answer per question, its end.

    ``right``: the answers given are the keys (else wrong ones); ``claim``:
    what the laptop says they are worth (every answer right and the quiz
    passed at 100 %, or the opposite).
    """
    attempt = attempt or str(uuid.uuid4())
    start = start or utcnow() - timedelta(minutes=10)
    common = {"registration": attempt, "module_id": module_id, "module_version": version}
    events = [
        laptop.event(
            id=attempt, verb="attempted", object_type="quiz", object_id=module_id,
            context={"questions": [q.id for q in questions]}, occurred_at=format_time(start), **common,
        )
    ]
    for number, question in enumerate(questions, start=1):
        events.append(
            laptop.event(
                verb="answered", object_type="question", object_id=f"{module_id}/{question.id}",
                result={
                    "response": correct_answer(question) if right else wrong_answer(question),
                    "score": 1.0 if claim else 0.0, "success": claim, "duration": 12,
                },
                context={"quiz": True}, occurred_at=format_time(start + timedelta(seconds=30 * number)), **common,
            )
        )
    events.append(
        laptop.event(
            verb=verb or ("passed" if claim else "failed"), object_type="quiz", object_id=module_id,
            result={"score": 1.0 if claim else 0.0, "success": claim, "mastery": 80},
            occurred_at=format_time(start + timedelta(minutes=5)), **common,
        )
    )
    return events


@dataclass
class Classroom:
    teacher: User
    student: User
    class_id: int


def classroom(app, make_user, *, opens_in: timedelta = timedelta(days=-1), username: str = "lea") -> Classroom:
    """A teacher's class with one student and the quiz module assigned (opening ``opens_in`` from now)."""
    teacher = make_user(Role.TEACHER, username=f"prof.{username}")
    student = make_user(Role.STUDENT, username=username, first_name="Léa", last_name="Martin")
    with app.app_context():
        session = db.session
        teacher_row = session.get(User, teacher.id)
        school_class = services.create_class(session, actor=teacher_row, name=f"2nde {username}", school=None)
        services.enrol(session, school_class, session.get(User, student.id))
        services.assign_module(
            session, actor=teacher_row, school_class=school_class, module=get_catalogue().modules[MODULE],
            group=None, opens_at=utcnow() + opens_in, due_at=None,
        )
        session.commit()
        class_id = school_class.id
    return Classroom(teacher, student, class_id)


def grid_row(html: str, name: str) -> str:
    """The text of ``name``'s row in the teacher's grid."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        if name in text:
            return text
    raise AssertionError(f"{name} not in the grid")


def school_class(session, class_id: int) -> SchoolClass:
    return session.get(SchoolClass, class_id)
