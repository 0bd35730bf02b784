"""One device token flooding the server (issue 11, item 7): rate limit and daily quotas per laptop.

The counters are kept in the database (two app instances on one database
count the same pushes), a push over a limit gets 429 with Retry-After and a
French message, and the laptop's runner takes 429 as "try later": no event
is lost, everything arrives once the limit is lifted.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from lycee_ia import create_app
from lycee_ia.accounts.models import Role
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.sync.client import ServerUnreachable, SyncClient
from lycee_ia.sync.models import SyncQuota
from lycee_ia.sync.runner import enrol_laptop, sync_account
from lycee_ia.sync.server import enrol_device
from lycee_ia.sync.wire import format_time
from tests.helpers import TEST_PASSWORD
from tests.sync.conftest import app_config as sync_app_config  # noqa: F401
from tests.sync.conftest import laptop_template, make_laptop, server_courses, server_url  # noqa: F401
from tests.sync.support import server_event_ids

API = "/api/sync/v1"
DEVICE = "portable-bavard-0001"


@pytest.fixture
def app_config(sync_app_config):  # noqa: F811
    return {**sync_app_config, "SYNC_PUSHES_PER_MINUTE": 3, "SYNC_NEW_EVENTS_PER_DAY": 10,
            "SYNC_BYTES_PER_DAY": 10 * 1024 * 1024}


@pytest.fixture
def student_token(app, make_user):
    student = make_user(Role.STUDENT, username="lea")
    with app.app_context():
        _, token = enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1",
            device_id=DEVICE, public_key="ef" * 32, label="PC", laptop_now=utcnow(),
        )
        db.session.commit()
    return student, token


def _events(student, count):
    return [
        {
            "id": str(uuid.uuid4()), "user": str(student.uuid), "device": DEVICE, "verb": "experienced",
            "object_type": "section", "object_id": f"quiz-exemple/s{i}", "module_id": "quiz-exemple",
            "module_version": "1", "result": None, "context": None, "registration": None,
            "occurred_at": format_time(utcnow()),
        }
        for i in range(count)
    ]


def _push(client, token, events):
    return client.post(
        f"{API}/events", json={"sent_at": format_time(utcnow()), "events": events},
        headers={"Authorization": f"Bearer {token}"},
    )


def _stored(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LearningEvent))


def _open_window(app):
    """A minute has passed: the rate window starts again (the daily counters stay)."""
    with app.app_context():
        db.session.execute(update(SyncQuota).values(window_start=None))
        db.session.commit()


def test_pushes_over_the_rate_get_429_with_retry_after_counted_by_every_app_node(app, app_config, student_token):
    student, token = student_token
    other_node = create_app({**app_config})  # a second app node on the same database
    nodes = [app.test_client(), other_node.test_client(), app.test_client()]
    for client in nodes:
        assert _push(client, token, _events(student, 1)).status_code == 200
    over = _push(other_node.test_client(), token, _events(student, 1))
    assert over.status_code == 429
    assert over.json["code"] == "quota" and "réessaiera" in over.json["message"]
    wait = int(over.headers["Retry-After"])
    assert 1 <= wait <= 61  # within the current minute
    assert _stored(app) == 3
    # A bad body counts as a push too: it cannot be used to get around the rate.
    _open_window(app)
    for _ in range(3):
        bad = app.test_client().post(f"{API}/events", data="{pas du json", content_type="application/json",
                                     headers={"Authorization": f"Bearer {token}"})
        assert bad.status_code == 400
    assert _push(app.test_client(), token, _events(student, 1)).status_code == 429
    other_node.extensions["lycee_ia.db"]["engine"].dispose()


def test_the_daily_cap_counts_new_events_only_and_answers_429_until_tomorrow(app, client, student_token):
    student, token = student_token
    first = _events(student, 8)
    assert _push(client, token, first).json["new"] == 8
    _open_window(app)
    # Resending what the server holds (an answer lost on the way) uses none of the quota.
    for _ in range(3):
        assert _push(client, token, first).json["new"] == 0
    _open_window(app)
    # Under the cap when it starts, a push is taken whole (at most one request over the cap).
    assert _push(client, token, _events(student, 5)).json["new"] == 5
    over = _push(client, token, _events(student, 1))
    assert over.status_code == 429 and "demain" in over.json["message"]
    assert int(over.headers["Retry-After"]) > 60
    _open_window(app)
    assert _push(client, token, _events(student, 1)).status_code == 429
    assert _stored(app) == 13


def test_a_body_over_max_content_length_gets_a_json_413(app, client, student_token):
    student, token = student_token
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"{API}/events", data=b"{" + b" " * limit + b"}", content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413 and response.json["code"] == "too_large"
    assert "trop volumineux" in response.json["message"]


def test_the_client_takes_429_as_try_later_with_the_servers_wait(app, server_url, student_token):  # noqa: F811
    student, token = student_token
    client = SyncClient(server_url, token)
    for _ in range(3):
        client.push(_events(student, 1), format_time(utcnow()))
    with pytest.raises(ServerUnreachable) as later:
        client.push(_events(student, 1), format_time(utcnow()))
    assert later.value.retry_after is not None and 1 <= later.value.retry_after <= 61
    assert "réessaiera" in str(later.value)


def test_the_laptop_keeps_its_events_when_the_server_says_429_and_sends_them_later(
    app, server_url, make_user, make_laptop  # noqa: F811
):
    app.config["SYNC_NEW_EVENTS_PER_DAY"] = 1000  # only the rate limits here
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop(SYNC_BATCH_SIZE=4)
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    # A first sync, so that the server's summary row of the module exists before the
    # laptop's two pipelined pushes (PostgreSQL: two first inserts of that row collide,
    # a race of the progress listener outside this test's subject).
    first = set(laptop.make_events("lea", 1))
    assert sync_account(laptop.app, laptop.user("lea").id).ok
    _open_window(app)
    ids = first | set(laptop.make_events("lea", 20))  # 5 requests of 4; the server takes 3 a minute
    report = sync_account(laptop.app, laptop.user("lea").id)
    assert not report.ok and "réessaiera" in (report.error or "")
    with app.app_context():
        held = server_event_ids(db.session, "lea")
    assert first < held < ids
    assert laptop.acked() == held  # acknowledged exactly what the server holds; the rest still queued
    _open_window(app)
    report = sync_account(laptop.app, laptop.user("lea").id)
    assert report.ok, report.error
    with app.app_context():
        assert server_event_ids(db.session, "lea") == ids
    assert laptop.acked() == ids
