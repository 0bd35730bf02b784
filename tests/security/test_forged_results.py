"""A laptop is believed for what the student answered, never for what it is worth.

The attacker is a student with their own password and no laptop: they enrol
a "laptop" through the real sync API, then push forged events (wrong answers
marked correct, a quiz "passed" at 100 %, a module not open yet, attempts past
the limit). The teacher's grid, the student detail and the summaries must show
the server's own grading.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from lycee_ia.admin.models import AuditEntry
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.models import QuizAttempt
from tests.helpers import login, page_text
from tests.security.pushes import MODULE, QUIZ_FIXTURES, attempt_events, classroom, enrol_laptop, grid_row, module_quiz


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": QUIZ_FIXTURES, "SYNC_ROLES": frozenset({"server"})}


def _summaries(app, user_id):
    with app.app_context():
        attempts = list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user_id)))
        progress = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user_id))
        return attempts, progress


def _teacher_pages(app, room):
    with app.test_client() as teacher:
        login(teacher, room.teacher.username)
        grid = grid_row(page_text(teacher.get(f"/classes/{room.class_id}")), "Léa Martin")
        detail = page_text(teacher.get(f"/classes/{room.class_id}/eleves/{room.student.id}"))
    return grid, detail


def test_wrong_answers_claimed_correct_and_a_forged_pass_are_regraded(app, client, make_user):
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    events = attempt_events(laptop, version, questions, right=False, claim=True)
    answer = laptop.push(events)
    # The student did answer: the events are held, with the server's grade.
    assert sorted(answer["held"]) == sorted(e["id"] for e in events) and answer["refused"] == []

    attempts, progress = _summaries(app, room.student.id)
    assert [(a.status, a.score) for a in attempts] == [("failed", 0.0)]
    assert all(not value["correct"] and value["score"] == 0.0 for value in attempts[0].answers.values())
    assert progress.quiz_passed_at is None and progress.quiz_failures == 1 and progress.quiz_best_score == 0.0
    with app.app_context():
        stored = {e.verb: e for e in db.session.scalars(select(LearningEvent).where(LearningEvent.user_id == room.student.id))}
        end = db.session.get(LearningEvent, uuid.UUID(events[-1]["id"]))
        assert end.verb == "failed" and end.result["score"] == 0.0 and end.result["success"] is False
        # What the laptop claimed is kept aside, never used.
        assert end.result["claimed"] == {"score": 1.0, "success": True, "verb": "passed"}
        assert stored["answered"].result["success"] is False and stored["answered"].result["claimed"]["success"] is True

    grid, detail = _teacher_pages(app, room)
    assert "Non réussi 0 %" in grid and "Réussi 100" not in grid
    assert "Quiz non réussi" in detail and "non réussie, 0 %" in detail


def test_right_answers_claimed_wrong_are_passed_by_the_server(app, client, make_user):
    """An honest offline attempt is taken whatever the laptop computed: the server grades it."""
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    events = attempt_events(laptop, version, questions, right=True, claim=False)
    answer = laptop.push(events)
    assert answer["refused"] == [] and len(answer["held"]) == len(events)
    attempts, progress = _summaries(app, room.student.id)
    assert [(a.status, a.score) for a in attempts] == [("passed", 1.0)]
    assert progress.quiz_passed_at is not None and progress.quiz_best_score == 1.0
    grid, _ = _teacher_pages(app, room)
    assert "Réussi 100 %" in grid


def test_answers_and_results_of_an_unknown_attempt_are_refused(app, client, make_user):
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    events = attempt_events(laptop, version, questions, right=False, claim=True)[1:]  # no "attempted"
    answer = laptop.push(events)
    assert answer["held"] == []
    assert {r["reason"] for r in answer["refused"]} == {"unknown_attempt"}
    attempts, progress = _summaries(app, room.student.id)
    assert attempts == [] and progress is None
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sync.refused"))
        assert entry.details["reasons"] == {"unknown_attempt": len(events)}
    grid, _ = _teacher_pages(app, room)
    assert "Pas commencé" in grid


def test_an_answer_sent_before_its_attempt_is_taken_when_the_queue_is_sent_again(app, client, make_user):
    """Refused events stay in the laptop's queue: in order, they are accepted at the next push."""
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    events = attempt_events(laptop, version, questions, right=True, claim=True)
    first = laptop.push(events[1:2])
    assert [r["reason"] for r in first["refused"]] == ["unknown_attempt"]
    again = laptop.push(events)
    assert again["refused"] == [] and sorted(again["held"]) == sorted(e["id"] for e in events)
    attempts, _ = _summaries(app, room.student.id)
    assert [(a.status, a.score, len(a.answers)) for a in attempts] == [("passed", 1.0, len(questions))]


def test_an_attempt_at_a_module_not_open_yet_is_refused(app, client, make_user):
    room = classroom(app, make_user, opens_in=timedelta(days=3))
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    answer = laptop.push(attempt_events(laptop, version, questions, right=True, claim=True))
    assert answer["held"] == []
    reasons = [r["reason"] for r in answer["refused"]]
    assert reasons[0] == "not_open" and set(reasons[1:]) == {"unknown_attempt"}
    attempts, progress = _summaries(app, room.student.id)
    assert attempts == [] and progress is None


def test_the_web_refuses_to_start_a_quiz_before_it_opens(app, client, make_user):
    room = classroom(app, make_user, opens_in=timedelta(days=3))
    login(client, room.student.username)
    from tests.helpers import csrf_token_from

    page = client.get(f"/modules/{MODULE}/quiz")
    assert "pas encore ouvert" in page_text(page) and "Commencer le quiz" not in page_text(page)
    # The form is not shown; a request made all the same is refused.
    token = csrf_token_from(client.get("/compte").get_data(as_text=True))
    response = client.post(f"/modules/{MODULE}/quiz/commencer", data={"csrf_token": token})
    assert response.status_code == 403 and "pas encore ouvert" in page_text(response)
    assert _summaries(app, room.student.id)[0] == []


def test_attempts_past_the_limit_are_refused(app, client, make_user):
    room = classroom(app, make_user)
    with app.app_context():
        catalogue = get_catalogue()
        module = catalogue.modules[MODULE]
        limited = dataclasses.replace(module.quiz, settings=dataclasses.replace(module.quiz.settings, attempts=2))
        catalogue.modules[MODULE] = dataclasses.replace(module, quiz=limited)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    # Two failed attempts, then a third (in the same push) claimed passed.
    pushes = [attempt_events(laptop, version, questions, right=False, claim=False) for _ in range(2)]
    third = attempt_events(laptop, version, questions, right=True, claim=True)
    assert laptop.push(pushes[0])["refused"] == []
    answer = laptop.push(pushes[1] + third)
    assert {e["id"] for e in pushes[1]} <= set(answer["held"])
    reasons = {r["id"]: r["reason"] for r in answer["refused"]}
    assert reasons[third[0]["id"]] == "attempt_limit" and set(reasons) == {e["id"] for e in third}
    attempts, progress = _summaries(app, room.student.id)
    assert sorted(a.status for a in attempts) == ["failed", "failed"]
    assert progress.quiz_passed_at is None and progress.quiz_attempts == 2
    grid, _ = _teacher_pages(app, room)
    assert "Non réussi 0 %" in grid


def test_an_unknown_module_version_is_refused(app, client, make_user):
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    _, questions = module_quiz(app)
    answer = laptop.push(attempt_events(laptop, "version-inventee", questions, right=True, claim=True))
    assert answer["held"] == []
    assert answer["refused"][0]["reason"] == "unknown_version"
    assert _summaries(app, room.student.id) == ([], None)


def test_answers_after_the_end_and_a_second_answer_to_a_question_are_refused(app, client, make_user):
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    events = attempt_events(laptop, version, questions, right=False, claim=False)
    attempt, first_answer, end = events[0], events[1], events[-1]
    again = dict(first_answer, id=str(uuid.uuid4()), result={"response": first_answer["result"]["response"], "score": 1.0, "success": True})
    late = dict(again, id=str(uuid.uuid4()), occurred_at=end["occurred_at"])
    answer = laptop.push(events + [again])
    assert {r["id"]: r["reason"] for r in answer["refused"]} == {again["id"]: "duplicate_answer"}
    after_end = laptop.push([late])
    assert after_end["refused"] == [{"id": late["id"], "reason": "closed_attempt"}]
    attempts, _ = _summaries(app, room.student.id)
    assert [(str(a.id), a.status, a.score) for a in attempts] == [(attempt["id"], "failed", 0.0)]


def test_a_staff_only_module_is_refused_to_a_student(app, client, make_user):
    """The same rule as the web: a student never opens a staff module, so never ends its quiz."""
    room = classroom(app, make_user)
    with app.app_context():
        catalogue = get_catalogue()
        catalogue.modules[MODULE] = dataclasses.replace(catalogue.modules[MODULE], audience="personnel")
    laptop = enrol_laptop(client, "lea")
    version, questions = module_quiz(app)
    answer = laptop.push(attempt_events(laptop, version, questions, right=True, claim=True))
    assert answer["held"] == [] and answer["refused"][0]["reason"] == "unknown_module"
    assert _summaries(app, room.student.id) == ([], None)


def test_a_forged_usb_bundle_is_regraded_like_a_push(app, client, make_user):
    """The same events in a bundle signed with the laptop's own key, imported by the teacher."""
    from lycee_ia.accounts.models import User
    from lycee_ia.sync import signing
    from lycee_ia.sync.server import import_events_bundle
    from lycee_ia.sync.wire import format_time
    from lycee_ia.db import utcnow

    room = classroom(app, make_user)
    key = signing.signing_key("la-cle-de-l-attaquant")
    laptop = enrol_laptop(client, "lea", public_key=signing.public_key_hex(key))
    version, questions = module_quiz(app)
    forged = attempt_events(laptop, version, questions, right=False, claim=True)
    stray = attempt_events(laptop, version, questions, right=True, claim=True)[1:]  # no attempt of its own
    document = {"created_at": format_time(utcnow()), "device": laptop.device_id,
                "accounts": [{"user": laptop.user_uuid, "events": forged + stray}]}
    bundle = signing.sign_document(key, "events", document, device=laptop.device_id, created_at=document["created_at"])
    with app.app_context():
        report = import_events_bundle(db.session, bundle, actor=db.session.get(User, room.teacher.id))
        db.session.commit()
    assert report.new == len(forged) and report.refused == len(stray)
    attempts, progress = _summaries(app, room.student.id)
    assert [(a.status, a.score) for a in attempts] == [("failed", 0.0)]
    assert progress.quiz_passed_at is None
    grid, _ = _teacher_pages(app, room)
    assert "Non réussi 0 %" in grid


def test_an_offline_attempt_on_the_version_the_server_offered_before_is_graded_on_it(app, client, make_user):
    """The server's content changed while the laptop was offline: its attempt on the version it had still counts."""
    room = classroom(app, make_user)
    laptop = enrol_laptop(client, "lea")  # the state offered the current version
    version, questions = module_quiz(app)
    with app.app_context():
        catalogue = get_catalogue()
        module = catalogue.modules[MODULE]
        first = module.quiz.questions[0]
        changed = dataclasses.replace(module.quiz, questions=(dataclasses.replace(first, id="qe-nouvelle"),))
        catalogue.modules[MODULE] = dataclasses.replace(module, version="nouvelle-version", quiz=changed)
    answer = laptop.push(attempt_events(laptop, version, questions, right=True, claim=False))
    assert answer["refused"] == []
    attempts, _ = _summaries(app, room.student.id)
    assert [(a.module_version, a.status, a.score) for a in attempts] == [(version, "passed", 1.0)]
