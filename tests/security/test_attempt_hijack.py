"""Another student's attempt: pushed events naming it, ids taken in advance, stored data that breaks pages.

The victim takes the quiz on the web; the attacker, a classmate who learnt
the victim's attempt id (it is in the address bar), enrols a "laptop"
through the real sync API with their own password and pushes events.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import Role
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, record_events
from lycee_ia.quiz.models import QuizAttempt
from lycee_ia.quiz.services import EVENT_NAMESPACE
from tests.helpers import csrf_token_from, login, page_text
from tests.quiz.test_taking import answer_all
from tests.security.pushes import MODULE, QUIZ_FIXTURES, enrol_laptop, module_quiz, wrong_answer


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": QUIZ_FIXTURES, "SYNC_ROLES": frozenset({"server"})}


def _start(client) -> tuple[str, str]:
    """Start an attempt on the web; return its id and the address of its first question."""
    page = client.get(f"/modules/{MODULE}/quiz")
    response = client.post(f"/modules/{MODULE}/quiz/commencer", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    attempt_url = response.headers["Location"]
    first = client.get(attempt_url).headers["Location"]
    return attempt_url.rstrip("/").rsplit("/", 1)[1], first


def _attempt(app, attempt_id: str) -> QuizAttempt:
    with app.app_context():
        row = db.session.get(QuizAttempt, uuid.UUID(attempt_id))
        db.session.expunge(row)
        return row


@pytest.fixture
def people(app, make_user):
    victim = make_user(Role.STUDENT, username="victime")
    attacker = make_user(Role.STUDENT, username="attaquant")
    return victim, attacker


def test_events_naming_another_students_attempt_are_refused(app, client, people):
    victim, attacker = people
    login(client, victim.username)
    attempt_id, first = _start(client)
    version, questions = module_quiz(app)
    with app.test_client() as other:
        laptop = enrol_laptop(other, attacker.username)
        common = {"registration": attempt_id, "module_id": MODULE, "module_version": version}
        forged = [
            laptop.event(
                verb="answered", object_type="question", object_id=f"{MODULE}/{q.id}",
                # Well-formed (the typed wire format would refuse anything else first): only the attempt is wrong.
                result={"response": wrong_answer(q), "score": 0.0, "success": False}, context={"quiz": True}, **common,
            )
            for q in questions
        ]
        forged.append(laptop.event(
            verb="failed", object_type="quiz", object_id=MODULE, result={"score": 0.0, "success": False, "mastery": 80}, **common
        ))
        forged.append(laptop.event(
            id=attempt_id, verb="attempted", object_type="quiz", object_id=MODULE,
            context={"questions": [q.id for q in questions]}, **common,
        ))
        answer = laptop.push(forged)
    assert answer["held"] == []
    assert {r["reason"] for r in answer["refused"]} == {"other_attempt", "id_taken"}
    with app.app_context():
        assert db.session.scalar(select(LearningEvent).where(LearningEvent.user_id == attacker.id)) is None
    attempt = _attempt(app, attempt_id)
    assert attempt.status == "open" and attempt.answers == {}
    # The victim goes on and finishes: every page answers, with their own results.
    answer_all(client, first)
    result = client.get(f"/modules/{MODULE}/quiz/{attempt_id}")
    assert result.status_code == 200 and "100 %" in page_text(result)
    assert _attempt(app, attempt_id).status == "passed"


def test_summaries_ignore_events_of_another_person_naming_an_attempt(app, people):
    """Events recorded by any path (not only sync) never change another person's attempt."""
    victim, attacker = people
    with app.test_client() as client:
        login(client, victim.username)
        attempt_id, _ = _start(client)
    with app.app_context():
        record_events(
            db.session,
            [NewEvent(user_id=attacker.id, verb="failed", object_type="quiz", object_id=MODULE, module_id=MODULE,
                      module_version="x", registration=uuid.UUID(attempt_id), result={"score": 0.0})],
        )
        db.session.commit()
    assert _attempt(app, attempt_id).status == "open"


def test_ids_taken_in_advance_do_not_swallow_the_victims_answers(app, client, people):
    """The attacker inserts, before the victim answers, events with the ids the victim's answers would get
    under the old recipe (uuid5 of the attempt and the question), and under the new one if they guess it."""
    victim, attacker = people
    login(client, victim.username)
    attempt_id, first = _start(client)
    _, questions = module_quiz(app)
    old_recipe = [uuid.uuid5(EVENT_NAMESPACE, f"{attempt_id}:{part}") for part in [q.id for q in questions] + ["end"]]
    new_recipe = [uuid.uuid5(EVENT_NAMESPACE, f"{victim.uuid}:{attempt_id}:{part}") for part in [q.id for q in questions] + ["end"]]
    with app.test_client() as other:
        laptop = enrol_laptop(other, attacker.username)
        taken = [laptop.event(id=str(event_id)) for event_id in old_recipe + new_recipe]  # plain reading events
        assert len(laptop.push(taken)["held"]) == len(taken)
    answer_all(client, first)
    attempt = _attempt(app, attempt_id)
    assert attempt.status == "passed" and set(attempt.answers) == {q.id for q in questions}
    assert all(a["correct"] for a in attempt.answers.values())
    page = client.get(f"/modules/{MODULE}/quiz/{attempt_id}")
    assert page.status_code == 200 and "100 %" in page_text(page)
    with app.app_context():
        answers = db.session.scalars(
            select(LearningEvent).where(LearningEvent.user_id == victim.id, LearningEvent.verb == "answered")
        ).all()
        assert len(answers) == len(questions)


def test_derived_ids_name_the_person(app, people):
    victim, attacker = people
    from lycee_ia.quiz.services import attempt_event_id

    attempt = uuid.uuid4()
    assert attempt_event_id(victim, attempt, "q1") != attempt_event_id(attacker, attempt, "q1")
    assert attempt_event_id(victim, attempt, "q1") == attempt_event_id(victim, attempt, "q1")


def test_the_result_page_never_fails_on_stored_data(app, client, people):
    """Answers stored by an older release or another instance that this version cannot read."""
    victim, _ = people
    login(client, victim.username)
    attempt_id, _ = _start(client)
    version, questions = module_quiz(app)
    attempt = uuid.UUID(attempt_id)
    with app.app_context():
        events = [
            NewEvent(
                user_id=victim.id, verb="answered", object_type="question", object_id=f"{MODULE}/{q.id}",
                module_id=MODULE, module_version=version, registration=attempt, context={"quiz": True},
                result=[{"response": {"not": "an answer"}}, {"score": 1.0}, None, {"response": wrong_answer(q)}][i % 4],
                occurred_at=utcnow(),
            )
            for i, q in enumerate(questions)
        ]
        events.append(NewEvent(user_id=victim.id, verb="failed", object_type="quiz", object_id=MODULE, module_id=MODULE,
                               module_version=version, registration=attempt, result={"score": 0.25}, occurred_at=utcnow()))
        record_events(db.session, events)
        db.session.commit()
    page = client.get(f"/modules/{MODULE}/quiz/{attempt_id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Résultat du quiz" in text and "25 %" in text
    for question_url in re.findall(rf'href="(/modules/{MODULE}/quiz/{attempt_id}/[^"]+)"', page.get_data(as_text=True)):
        assert client.get(question_url).status_code in (200, 302)
    for q in questions:
        assert client.get(f"/modules/{MODULE}/quiz/{attempt_id}/{q.id}").status_code in (200, 302)


def test_a_result_page_of_an_unknown_version_says_so(app, client, people):
    victim, _ = people
    login(client, victim.username)
    attempt_id, _ = _start(client)
    with app.app_context():
        row = db.session.get(QuizAttempt, uuid.UUID(attempt_id))
        row.module_version = "version-disparue"
        row.status = "failed"
        db.session.commit()
    page = client.get(f"/modules/{MODULE}/quiz/{attempt_id}")
    assert page.status_code == 404 and "version" in page_text(page)


def test_the_teachers_student_detail_never_fails_on_stored_data(app, client, make_user):
    from tests.security.pushes import classroom

    room = classroom(app, make_user)
    login(client, room.student.username)
    attempt_id, _ = _start(client)
    version, questions = module_quiz(app)
    odd = [{"not": "an answer"}, ["x", 3], 12345, None, "", True, {"a": {"b": [1]}}]
    with app.app_context():
        record_events(
            db.session,
            [
                NewEvent(
                    user_id=room.student.id, verb="answered", object_type="question", object_id=f"{MODULE}/{q.id}",
                    module_id=MODULE, module_version=version, registration=uuid.UUID(attempt_id), context={"quiz": True},
                    result={"response": odd[i % len(odd)], "score": "beaucoup", "duration": "long"}, occurred_at=utcnow(),
                )
                for i, q in enumerate(questions)
            ],
        )
        db.session.commit()
    with app.test_client() as teacher:
        login(teacher, room.teacher.username)
        assert teacher.get(f"/classes/{room.class_id}/eleves/{room.student.id}").status_code == 200
        assert teacher.get(f"/classes/{room.class_id}").status_code == 200
    assert client.get(f"/modules/{MODULE}/quiz/{attempt_id}").status_code in (200, 302)
