"""Poisoned learning events (issue 11, item 6).

A student's laptop (or anyone holding its token) pushes events whose result
or context has the wrong type: a score of "beaucoup", NaN, a nested list as
an answer, ``questions: 7``. Each is refused on the way in with a reason, never
a 500; and rows already stored with such values (inserted here directly) do
not break any page that reads them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.models import QuizAttempt
from lycee_ia.sync.server import enrol_device
from lycee_ia.sync.wire import format_time
from tests.helpers import TEST_PASSWORD, login, page_text
from tests.teaching.activity import take_quiz
from tests.teaching.conftest import QUIZ_MODULE, app_config, world  # noqa: F401

API = "/api/sync/v1"
DEVICE = "portable-empoisonne-01"


@pytest.fixture
def token(app, world):  # noqa: F811
    with app.app_context():
        _, issued = enrol_device(
            db.session, username="eleve.a", password=TEST_PASSWORD, address="127.0.0.1",
            device_id=DEVICE, public_key="cd" * 32, label="PC", laptop_now=utcnow(),
        )
        db.session.commit()
    return issued


def _event(world, **fields):  # noqa: F811
    event = {
        "id": str(uuid.uuid4()), "user": str(world.student.uuid), "device": DEVICE,
        "verb": "answered", "object_type": "question", "object_id": f"{QUIZ_MODULE}/qe-court",
        "module_id": QUIZ_MODULE, "module_version": "1", "registration": str(uuid.uuid4()),
        "result": {"response": "AIE", "score": 1.0, "success": True}, "context": {"quiz": True},
        "occurred_at": format_time(utcnow() - timedelta(minutes=1)),
    }
    event.update(fields)
    return event


def _push_raw(client, token, body: str):
    return client.post(
        f"{API}/events", data=body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


POISONS = [
    ("score-texte", {"result": {"response": "AIE", "score": "beaucoup", "success": True}}, "bad_score"),
    ("score-trop-grand", {"result": {"response": "AIE", "score": 7, "success": True}}, "bad_score"),
    ("succes-texte", {"result": {"response": "AIE", "score": 1, "success": "oui"}}, "bad_success"),
    ("duree-negative", {"result": {"response": "AIE", "score": 1, "success": True, "duration": -5}}, "bad_duration"),
    ("liste-imbriquee", {"result": {"response": [[1, 2], [3]], "score": 0, "success": False}}, "bad_response"),
    ("sans-reponse", {"result": {"score": 1, "success": True}}, "bad_response"),
    ("question-inconnue", {"object_id": f"{QUIZ_MODULE}/pas-une-question"}, "unknown_question"),
    ("ordre-mal-forme", {"object_id": f"{QUIZ_MODULE}/qe-ordre", "result": {"response": {"a": 1}}}, "bad_response"),
    ("questions-7", {"verb": "attempted", "object_type": "quiz", "object_id": QUIZ_MODULE, "result": None,
                     "context": {"questions": 7}}, "bad_questions"),
    ("fin-score-texte", {"verb": "passed", "object_type": "quiz", "object_id": QUIZ_MODULE,
                         "result": {"score": "beaucoup", "success": True, "mastery": 80}, "context": None}, "bad_score"),
    ("contexte-inconnu", {"context": {"quiz": True, "admin": True}}, "bad_context"),
]


@pytest.mark.parametrize("change, reason", [p[1:] for p in POISONS], ids=[p[0] for p in POISONS])
def test_each_poisoned_event_is_refused_with_its_reason(app, client, world, token, change, reason):  # noqa: F811
    poisoned = _event(world, **change)
    # A reading event is believed as sent (an answer would also need its attempt on the server).
    genuine = _event(
        world, verb="experienced", object_type="section", object_id=f"{QUIZ_MODULE}/s1",
        registration=None, result=None, context=None,
    )
    response = client.post(
        f"{API}/events", json={"sent_at": format_time(utcnow()), "events": [poisoned, genuine]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json["refused"] == [{"id": poisoned["id"], "reason": reason}]
    assert response.json["held"] == [genuine["id"]]
    with app.app_context():
        assert db.session.get(LearningEvent, uuid.UUID(poisoned["id"])) is None


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_bad_json(app, client, world, token, constant):  # noqa: F811
    body = (
        '{"sent_at": "%s", "events": [{"id": "%s", "user": "%s", "device": "%s", "verb": "answered", '
        '"object_type": "question", "object_id": "%s/qe-court", "module_id": "%s", "module_version": "1", '
        '"registration": "%s", "result": {"response": "AIE", "score": %s, "success": true}, "context": {"quiz": true}, '
        '"occurred_at": "%s"}]}'
    ) % (
        format_time(utcnow()), uuid.uuid4(), world.student.uuid, DEVICE, QUIZ_MODULE, QUIZ_MODULE, uuid.uuid4(),
        constant, format_time(utcnow() - timedelta(minutes=1)),
    )
    response = _push_raw(client, token, body)
    assert response.status_code == 400
    assert response.json["code"] == "bad_json" and "NaN" in response.json["message"]
    with app.app_context():
        assert db.session.scalar(select(LearningEvent).where(LearningEvent.device_id == DEVICE)) is None


def _poison_stored_rows(app, world):  # noqa: F811
    """A finished attempt of the student, then its stored rows spoiled directly in the database."""
    from tests.teaching.activity import module

    with app.app_context():
        from lycee_ia.accounts.models import User

        student = db.session.get(User, world.student.id)
        attempt = take_quiz(db.session, student, QUIZ_MODULE)
        db.session.commit()
        attempt_id = attempt.id
        answers = list(db.session.scalars(
            select(LearningEvent).where(LearningEvent.registration == attempt_id, LearningEvent.verb == "answered")
            .order_by(LearningEvent.occurred_at)
        ))
        assert len(answers) == len(module(QUIZ_MODULE).quiz.questions)
        spoiled = [
            {"response": [[1, 2], [3]], "score": "beaucoup", "success": True},
            {"response": "AIE", "score": 1e308 * 10 if db.session.get_bind().dialect.name == "sqlite" else "NaN", "success": "oui"},
            ["pas", "un", "objet"],
            None,
        ]
        for event, result in zip(answers, spoiled):
            db.session.execute(update(LearningEvent).where(LearningEvent.id == event.id).values(result=result))
        # A second attempt whose summary holds a nonsense question list and score.
        other = take_quiz(db.session, student, QUIZ_MODULE, when=utcnow() - timedelta(minutes=20))
        db.session.commit()
        db.session.execute(update(QuizAttempt).where(QuizAttempt.id == other.id).values(question_ids={"ids": 7}))
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("UPDATE quiz_attempts SET score = 'beaucoup' WHERE id = :id"), {"id": other.id.hex})
        else:
            db.session.execute(text("UPDATE quiz_attempts SET score = 'NaN'::float WHERE id = :id"), {"id": other.id})
        db.session.commit()
        return attempt_id, other.id


def test_pages_that_read_spoiled_rows_answer_200(app, world):  # noqa: F811
    attempt_id, other_id = _poison_stored_rows(app, world)
    teacher = app.test_client()
    login(teacher, "prof.a")
    base = f"/classes/{world.class_a}/devoirs/{world.assignment_id}"
    for url in (f"{base}/analyse", f"{base}/analyse?portee=toutes", f"{base}/analyse.csv", f"/classes/{world.class_a}"):
        response = teacher.get(url)
        assert response.status_code == 200, url
    detail = teacher.get(f"/classes/{world.class_a}/eleves/{world.student.id}")
    assert detail.status_code == 200
    assert "réponse illisible" in page_text(detail)
    student = app.test_client()
    login(student, "eleve.a")
    assert student.get(f"/modules/{QUIZ_MODULE}/quiz").status_code == 200
    result = student.get(f"/modules/{QUIZ_MODULE}/quiz/{attempt_id}")
    assert result.status_code == 200 and "réponse illisible" in page_text(result)
    assert student.get(f"/modules/{QUIZ_MODULE}/quiz/{other_id}").status_code == 200
