"""The sync API's contract and its defences: tokens, limits, bad input, other people's events."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lycee_ia.accounts.models import Role
from lycee_ia.admin.models import AuditEntry
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.models import QuizAttempt
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.server import enrol_device, hash_token
from lycee_ia.sync.wire import format_time
from tests.helpers import TEST_PASSWORD

API = "/api/sync/v1"
DEVICE = "laptop-0123456789"
KEY = "ab" * 32


@pytest.fixture
def enrolled(app, make_user):
    """A student enrolled from one laptop: (student, token)."""
    student = make_user(Role.STUDENT, username="lea")
    with app.app_context():
        _, token = enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1",
            device_id=DEVICE, public_key=KEY, label="PC de Léa", laptop_now=utcnow(),
        )
        db.session.commit()
    return student, token


def _event(user_uuid, **fields):
    event = {
        "id": str(uuid.uuid4()),
        "user": str(user_uuid),
        "device": DEVICE,
        "verb": "experienced",
        "object_type": "section",
        "object_id": "quiz-exemple/debut",
        "module_id": "quiz-exemple",
        "module_version": "1",
        "result": None,
        "context": None,
        "registration": None,
        "occurred_at": format_time(utcnow()),
    }
    event.update(fields)
    return event


def _push(client, token, events, **body):
    return client.post(
        f"{API}/events", json={"sent_at": format_time(utcnow()), "events": events, **body},
        headers={"Authorization": f"Bearer {token}"},
    )


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LearningEvent))


@pytest.mark.parametrize(
    "method, path",
    [("post", "/events"), ("get", "/state"), ("get", "/modules/quiz-exemple/1")],
)
def test_every_endpoint_but_enrolment_needs_a_valid_token(client, enrolled, method, path):
    for headers in ({}, {"Authorization": "Bearer pas-un-jeton"}, {"Authorization": "Basic abc"}):
        response = getattr(client, method)(f"{API}{path}", headers=headers, json={"events": []})
        assert response.status_code == 401
        assert response.is_json and response.json["code"] in ("no_token", "bad_token")


def test_tokens_are_stored_hashed(app, enrolled):
    _, token = enrolled
    with app.app_context():
        device = db.session.scalar(select(SyncDevice))
        assert device.token_hash == hash_token(token) and token not in device.token_hash


def test_the_same_batch_twice_is_stored_once_and_held_both_times(app, client, enrolled):
    student, token = enrolled
    events = [_event(student.uuid, object_id=f"quiz-exemple/s{i}") for i in range(20)]
    first = _push(client, token, events)
    second = _push(client, token, events)
    assert first.status_code == second.status_code == 200
    assert sorted(first.json["held"]) == sorted(second.json["held"]) == sorted(e["id"] for e in events)
    assert first.json["new"] == 20 and second.json["new"] == 0
    assert _count(app) == 20


def test_batches_in_the_wrong_order_give_the_same_summaries(app, client, enrolled):
    """A quiz attempt whose end arrives before its start and its answers."""
    student, token = enrolled
    attempt = str(uuid.uuid4())
    t0 = utcnow() - timedelta(minutes=10)

    def quiz_event(verb, object_type, object_id, minutes, **fields):
        return _event(
            student.uuid, verb=verb, object_type=object_type, object_id=object_id, registration=attempt,
            occurred_at=format_time(t0 + timedelta(minutes=minutes)), **fields,
        )

    start = quiz_event("attempted", "quiz", "quiz-exemple", 0, id=attempt, context={"questions": ["qe-court", "qe-nombre"]})
    answers = [
        quiz_event("answered", "question", "quiz-exemple/qe-court", 1, result={"response": "AIE", "score": 1.0, "success": True}, context={"quiz": True}),
        quiz_event("answered", "question", "quiz-exemple/qe-nombre", 2, result={"response": "1,6", "score": 0.5, "success": False}, context={"quiz": True}),
    ]
    end = quiz_event("failed", "quiz", "quiz-exemple", 3, result={"score": 0.75, "success": False, "mastery": 80})
    for batch in ([end], answers[1:], [start], answers[:1]):
        assert _push(client, token, batch).status_code == 200
    with app.app_context():
        row = db.session.get(QuizAttempt, uuid.UUID(attempt))
        assert row.status == "failed" and row.score == 0.75
        assert row.ids == ["qe-court", "qe-nombre"] and set(row.answers) == {"qe-court", "qe-nombre"}
        progress = db.session.scalar(select(ModuleProgress))
        assert progress.quiz_attempts == 1 and progress.quiz_failures == 1


def test_an_event_naming_another_student_is_refused_and_reported(app, client, enrolled, make_user):
    student, token = enrolled
    other = make_user(Role.STUDENT, username="hugo")
    mine, theirs = _event(student.uuid), _event(other.uuid)
    other_device = _event(student.uuid, device="laptop-autre-appareil")
    response = _push(client, token, [mine, theirs, other_device])
    assert response.status_code == 200
    assert response.json["held"] == [mine["id"]]
    assert {(r["id"], r["reason"]) for r in response.json["refused"]} == {
        (theirs["id"], "other_user"), (other_device["id"], "other_device")
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearningEvent).where(LearningEvent.user_id == other.id)) == 0
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sync.refused"))
        assert entry.target == "lea" and entry.details["reasons"] == {"other_user": 1, "other_device": 1}


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"verb": "hacked"}, "bad_verb"),
        ({"object_type": "table"}, "bad_object_type"),
        ({"object_id": "x" * 201}, "bad_object_id"),
        ({"module_version": "v" * 65}, "bad_module_version"),
        ({"occurred_at": "hier"}, "bad_occurred_at"),
        ({"occurred_at": "1800-01-01T00:00:00"}, "bad_occurred_at"),
        ({"registration": "pas-un-uuid"}, "bad_registration"),
        ({"result": {"x": "y" * 9000}}, "bad_result"),
        ({"context": [1, 2]}, "bad_context"),
        ({"user": 12}, "bad_user"),
    ],
)
def test_malformed_events_are_refused_with_a_reason_never_a_500(app, client, enrolled, change, reason):
    student, token = enrolled
    event = _event(student.uuid, **change)
    response = _push(client, token, [event])
    assert response.status_code == 200
    assert response.json["held"] == [] and response.json["refused"] == [{"id": event["id"], "reason": reason}]
    assert _count(app) == 0


def test_limits_on_requests(app, client, enrolled):
    student, token = enrolled
    auth = {"Authorization": f"Bearer {token}"}
    too_many = _push(client, token, [_event(student.uuid) for _ in range(501)])
    assert too_many.status_code == 413 and too_many.json["code"] == "batch_too_large"
    assert client.post(f"{API}/events", data="{pas du json", headers=auth).status_code == 400
    assert client.post(f"{API}/events", json=[1, 2], headers=auth).json["code"] == "bad_json"
    deep = "[" * 100_000 + "]" * 100_000
    assert client.post(f"{API}/events", data=deep, headers=auth, content_type="application/json").status_code == 400
    bomb = gzip.compress(b"[" + b" " * (20 * 1024 * 1024) + b"]")
    response = client.post(f"{API}/events", data=bomb, headers={**auth, "Content-Encoding": "gzip"}, content_type="application/json")
    assert response.status_code == 400 and response.is_json
    huge = client.post(f"{API}/events", data=b"x" * (5 * 1024 * 1024), headers=auth)
    assert huge.status_code == 413 and huge.is_json
    assert _count(app) == 0


def test_gzip_bodies_are_accepted(app, client, enrolled):
    student, token = enrolled
    body = gzip.compress(json.dumps({"events": [_event(student.uuid)]}).encode())
    response = client.post(
        f"{API}/events", data=body, content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200 and len(response.json["held"]) == 1


def test_state_is_one_short_answer_when_nothing_changed(client, enrolled):
    _, token = enrolled
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(f"{API}/state", headers=auth)
    assert first.json["changed"] is True and first.json["user"]["username"] == "lea"
    assert [m["id"] for m in first.json["modules"]] == ["quiz-exemple"]
    again = client.get(f"{API}/state", query_string={"cursor": first.json["cursor"]}, headers=auth)
    assert again.json == {"changed": False, "cursor": first.json["cursor"], "server_time": again.json["server_time"]}


def test_only_published_module_versions_are_served(client, enrolled):
    _, token = enrolled
    auth = {"Authorization": f"Bearer {token}"}
    state = client.get(f"{API}/state", headers=auth).json
    version = state["modules"][0]["version"]
    assert client.get(f"{API}/modules/quiz-exemple/{version}", headers=auth).status_code == 200
    for path in ("/modules/quiz-exemple/ancienne", "/modules/..%2F..%2Fetc/passwd", "/modules/inconnu/1"):
        response = client.get(f"{API}{path}", headers=auth)
        assert response.status_code == 404 and response.is_json


def test_enrolment_is_throttled_like_the_login_form(client, make_user):
    make_user(Role.STUDENT, username="lea")
    body = {"username": "lea", "password": "faux-mot-de-passe", "device_id": DEVICE, "public_key": KEY}
    codes = [client.post(f"{API}/enrol", json=body).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    right = client.post(f"{API}/enrol", json={**body, "password": TEST_PASSWORD})
    assert right.status_code == 429 and right.is_json


@pytest.mark.parametrize(
    "change", [{"device_id": "court"}, {"public_key": "zz"}, {"username": 42}, {"password": None}]
)
def test_enrolment_checks_its_fields(client, make_user, change):
    make_user(Role.STUDENT, username="lea")
    body = {"username": "lea", "password": TEST_PASSWORD, "device_id": DEVICE, "public_key": KEY, **change}
    response = client.post(f"{API}/enrol", json=body)
    assert response.status_code == 400 and response.is_json


def test_the_server_side_never_opens_a_connection():
    """No SSRF by construction: the server's sync code imports no HTTP client or socket."""
    from pathlib import Path

    import lycee_ia.sync as package

    folder = Path(package.__file__).parent
    for name in ("api.py", "server.py", "server_routes.py"):
        source = (folder / name).read_text(encoding="utf-8")
        for forbidden in ("urllib", "http.client", "socket", "requests", "client import"):
            assert forbidden not in source, f"{name} mentions {forbidden}"
