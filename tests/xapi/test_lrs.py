"""Statements sent to Ralph, the real LRS (its own process on 127.0.0.1, filesystem backend).

Every demo event is found in Ralph exactly once, valid by Ralph's own models;
whatever goes wrong on the way (an error answer, a lost connection, a slow
LRS, Ralph killed after storing a batch whose answer was lost), the set of
statement ids in Ralph ends equal to the set of event ids, each once.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from lycee_ia.accounts.models import User
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, record_events
from lycee_ia.xapi.forwarder import (
    ADVISORY_KEY,
    Forwarder,
    LrsClient,
    LrsError,
    forward_all,
    forward_round,
    pending_count,
    queue_events,
    start_forwarder,
)
from lycee_ia.xapi.models import XapiOutbox
from lycee_ia.xapi.statements import actor_key, pseudonym, statements_for
from tests.xapi.ralph import validate_with_ralph


def _event_ids(app) -> set[str]:
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(select(LearningEvent.id))}
        db.session.rollback()
        return ids


def _pending(app) -> int:
    with app.app_context():
        count = pending_count(db.session)
        db.session.rollback()
        return count


def _assert_exactly_once(ralph, expected: set[str]) -> list[dict]:
    stored = ralph.statements()
    counts = Counter(statement["id"] for statement in stored)
    assert set(counts) == expected
    assert [i for i, n in counts.items() if n != 1] == []
    return stored


def test_the_demo_events_reach_ralph_once_each_and_valid_by_its_models(demo_app, lrs_config, ralph, ralph_venv):
    demo_app.config.update(lrs_config)
    expected = _event_ids(demo_app)
    assert len(expected) > 20  # the demo has real work in it
    with demo_app.app_context():
        session = db.session
        assert queue_events(session) == len(expected)
        session.commit()
        key = actor_key(demo_app.config["SECRET_KEY"])
        users = list(session.scalars(select(User)))
        pseudonyms = {pseudonym(key, u.uuid) for u in users}
        personal = {v.lower() for u in users for v in (u.username, u.first_name, u.last_name, u.email) if v}
        ours = statements_for(session, demo_app.config, session.scalars(select(LearningEvent)))
        report = forward_all(session, demo_app.config)
    assert report.sent == len(expected) and report.rejected == 0
    assert _pending(demo_app) == 0
    stored = _assert_exactly_once(ralph, expected)
    assert validate_with_ralph(ralph_venv, stored) == []
    assert validate_with_ralph(ralph_venv, ours) == []

    # Minimum data: the actor is an opaque account on this platform, nothing else.
    verbs = set()
    for statement in stored:
        actor = statement["actor"]
        assert set(actor) <= {"objectType", "account"}
        assert actor["account"]["homePage"] == "https://lycee-ia.test"
        assert actor["account"]["name"] in pseudonyms
        assert actor["account"]["name"].lower() not in personal
        assert statement["version"].startswith("1.0")
        verbs.add(statement["verb"]["id"].rsplit("/", 1)[1])
    assert {"experienced", "attempted", "answered"} <= verbs

    # Sending everything again is harmless: Ralph keeps one of each.
    with demo_app.app_context():
        assert queue_events(db.session) == len(expected)
        db.session.commit()
        assert forward_all(db.session, demo_app.config).sent == len(expected)
    _assert_exactly_once(ralph, expected)


def test_ralph_killed_after_storing_a_batch_then_restarted_ends_with_set_equality(
    demo_app, lrs_config, ralph, fault_proxy
):
    """Batch 1 passes; batch 2 meets a 503, then a dropped connection, then a slow LRS (the
    client gives up, Ralph stores it later), then Ralph stores it and is SIGKILLed before
    answering; the next round finds Ralph down. Ralph restarts on its files; the rest goes."""
    plan = {2: "error", 3: "drop", 4: "slow", 5: "store-then-kill"}
    proxy = fault_proxy(ralph.port, lambda n: plan.get(n, "pass"), on_kill=ralph.kill)
    demo_app.config.update(lrs_config, LRS_URL=proxy.url, XAPI_BATCH_SIZE=25)
    expected = _event_ids(demo_app)
    assert len(expected) > 50
    client = LrsClient.from_config(demo_app.config)
    impatient = LrsClient(client.url, client.username, client.password, timeout=1.0)
    with demo_app.app_context():
        session = db.session
        queue_events(session)
        session.commit()
        assert forward_round(session, demo_app.config, client).sent == 25
        left = len(expected) - 25
        for attempt_client in (client, client, impatient):  # 503, dropped, slow
            with pytest.raises(LrsError):
                forward_round(session, demo_app.config, attempt_client)
            assert pending_count(session) == left  # nothing counted as delivered
        proxy.slow_release.set()  # the slow request now reaches Ralph, long after the client gave up
        assert proxy.slow_done.wait(60)
        with pytest.raises(LrsError):  # stored by Ralph, then Ralph killed: the answer is lost
            forward_round(session, demo_app.config, client)
        assert pending_count(session) == left
        assert ralph.process is None
        with pytest.raises(LrsError):  # Ralph is down
            forward_round(session, demo_app.config, client)
        assert pending_count(session) == left
        ralph.start()  # same port, same files
        report = forward_all(session, demo_app.config, client)
        assert report.sent == left
        assert pending_count(session) == 0
    assert proxy.log[:5] == ["pass", "error", "drop", "slow", "store-then-kill"]
    _assert_exactly_once(ralph, expected)


def test_the_background_forwarder_sends_what_the_app_records(app, make_user, lrs_config, ralph):
    """New events are queued in the transaction that records them, and the thread sends them."""
    app.config.update(lrs_config, XAPI_INTERVAL=1, XAPI_BATCH_SIZE=7)
    student = make_user("eleve")
    with app.app_context():
        events = [
            NewEvent(user_id=student.id, verb="experienced", object_type="section",
                     object_id=f"module-{i % 3}/section-{i}", module_id=f"module-{i % 3}", module_version="v1",
                     occurred_at=utcnow() - timedelta(minutes=i))
            for i in range(30)
        ]
        record_events(db.session, events)
        db.session.commit()
        assert pending_count(db.session) == 30
        db.session.rollback()
    forwarder = start_forwarder(app)  # what `lycee-ia serve` and each gunicorn worker call
    assert isinstance(forwarder, Forwarder)
    try:
        deadline_rounds = 600  # waits, not a timed assertion: 0.1 s each, at most a minute
        while _pending(app) and deadline_rounds:
            forwarder.stop_event.wait(0.1)
            deadline_rounds -= 1
    finally:
        forwarder.stop()
    assert _pending(app) == 0
    _assert_exactly_once(ralph, {str(e.id) for e in events})


def test_concurrent_forwarders_send_each_statement_once(demo_app, lrs_config, ralph, database):
    """Several workers forwarding at once: each statement is sent by one of them only."""
    demo_app.config.update(lrs_config, XAPI_BATCH_SIZE=10)
    expected = _event_ids(demo_app)
    with demo_app.app_context():
        queue_events(db.session)
        db.session.commit()
    make_session = demo_app.extensions["lycee_ia.db"]["sessionmaker"]
    if database.dialect == "postgresql":
        # A node holding the lock makes the others skip their round.
        holder = make_session()
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
        other = make_session()
        assert forward_round(other, demo_app.config).busy is True
        other.close()
        holder.rollback()
        holder.close()
    reports, errors = [], []

    def work() -> None:
        session = make_session()
        try:
            reports.append(forward_all(session, demo_app.config))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Whoever took a batch sent it; no batch was taken twice.
    assert sum(r.sent for r in reports) == len(expected)
    assert _pending(demo_app) == 0
    _assert_exactly_once(ralph, expected)


def test_a_statement_the_lrs_refuses_is_set_aside_and_the_rest_goes(app, make_user, lrs_config, ralph):
    app.config.update(lrs_config, XAPI_BATCH_SIZE=50)
    student = make_user("eleve")
    with app.app_context():
        good = [
            NewEvent(user_id=student.id, verb="experienced", object_type="section", object_id=f"m/s{i}",
                     module_id="m", module_version="v1")
            for i in range(5)
        ]
        bad = NewEvent(user_id=student.id, verb="answered", object_type="question", object_id="m/q1",
                       module_id="m", module_version="v1", result={"response": "x", "score": 1.0})
        record_events(db.session, [*good, bad])
        db.session.commit()
        # A statement Ralph refuses (no verb), as a damaged row could give.
        import lycee_ia.xapi.statements as statements_module

        original = statements_module.Builder.statement

        def damaged(self, event):
            statement = original(self, event)
            if event.id == bad.id:
                del statement["verb"]
            return statement

        statements_module.Builder.statement = damaged
        try:
            report = forward_all(db.session, app.config)
        finally:
            statements_module.Builder.statement = original
        assert (report.sent, report.rejected) == (5, 1)
        row = db.session.scalar(select(XapiOutbox))
        assert row.event_id == bad.id and row.rejected_at is not None and "422" in row.error
        assert pending_count(db.session) == 0
        db.session.rollback()
    _assert_exactly_once(ralph, {str(e.id) for e in good})


def test_a_laptop_queues_nothing_for_the_lrs(app, make_user):
    """Laptops never talk to the LRS: without XAPI_QUEUE (laptop mode) no event is queued."""
    assert app.config["XAPI_QUEUE"] is False
    assert start_forwarder(app) is None  # no LRS: no thread
    app.config.update(LRS_URL="http://127.0.0.1:9", SYNC_ROLES=frozenset({"laptop"}))
    assert start_forwarder(app) is None  # a laptop never forwards
    student = make_user("eleve")
    with app.app_context():
        record_events(db.session, [NewEvent(user_id=student.id, verb="experienced", object_type="module", object_id="m")])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(XapiOutbox)) == 0
        app.config["XAPI_QUEUE"] = True
        record_events(db.session, [NewEvent(user_id=student.id, verb="completed", object_type="module", object_id="m",
                                            id=uuid.uuid4())])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(XapiOutbox)) == 1


def test_a_laptop_s_events_reach_the_lrs_through_the_server(app, client, make_user, lrs_config, ralph, ralph_venv):
    """Events pushed by a laptop to the server's sync API are queued there and forwarded, once each."""
    from lycee_ia.sync.server import enrol_device
    from lycee_ia.sync.wire import format_time
    from tests.helpers import TEST_PASSWORD

    app.config.update(lrs_config)
    student = make_user("eleve", username="lea")
    with app.app_context():
        _, token = enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1",
            device_id="laptop-0123456789", public_key="ab" * 32, label="PC de Léa", laptop_now=utcnow(),
        )
        db.session.commit()
    events = [
        {
            "id": str(uuid.uuid4()), "user": str(student.uuid), "device": "laptop-0123456789",
            "verb": "experienced", "object_type": "section", "object_id": f"quiz-exemple/s{i}",
            "module_id": "quiz-exemple", "module_version": "1", "result": None, "context": None,
            "registration": None, "occurred_at": format_time(utcnow() - timedelta(minutes=i)),
        }
        for i in range(12)
    ]
    for _ in range(2):  # the laptop sends its batch twice (an answer lost on the way)
        response = client.post("/api/sync/v1/events", json={"sent_at": format_time(utcnow()), "events": events},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    assert _pending(app) == 12
    with app.app_context():
        assert forward_all(db.session, app.config).sent == 12
    stored = _assert_exactly_once(ralph, {e["id"] for e in events})
    assert validate_with_ralph(ralph_venv, stored) == []
