"""Attack: numbers beyond what the database stores, in URLs and query strings.

A key is a PostgreSQL ``integer``; SQLite's driver refuses anything beyond 64
bits. Such a number must never reach the database: every ``<int:...>`` rule
answers 404, every number read from a query string falls back to its default,
on both databases. A laptop clock in 2199 or 1900 gets a clear refusal.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from lycee_ia.accounts.models import Role
from lycee_ia.routing import MAX_ID, small_int
from lycee_ia.sync.server import SyncError, measure_offset, place_event_time
from lycee_ia.teaching import services
from lycee_ia.db import db
from lycee_ia.accounts.models import User
from tests.helpers import csrf_token_from, login, page_text

HUGE = (MAX_ID + 1, 2**63, 10**30)
INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
OTHER_ARGUMENT = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>")


def _rules_with_ids(app):
    for rule in app.url_map.iter_rules():
        if INT_ARGUMENT.search(rule.rule):
            yield rule


def _url(rule, number: int) -> str:
    url = INT_ARGUMENT.sub(str(number), rule.rule)
    return OTHER_ARGUMENT.sub("x", url)


@pytest.fixture
def people(app, make_user):
    admin = make_user(Role.ADMIN, username="admin.ids")
    teacher = make_user(Role.TEACHER, username="prof.ids")
    with app.app_context():
        school_class = services.create_class(db.session, actor=db.session.get(User, teacher.id), name="1re 2", school=None)
        db.session.commit()
        class_id = school_class.id
    return admin, teacher, class_id


def test_every_rule_taking_an_id_answers_404_beyond_the_database_range(app, people):
    admin, teacher, _ = people
    rules = list(_rules_with_ids(app))
    assert len(rules) >= 20  # the classes, their students, groups, assignments, accounts, laptops
    for user in (admin, teacher):
        client = app.test_client()
        login(client, user.username)
        token = csrf_token_from(client.get("/compte").get_data(as_text=True))
        for rule in rules:
            for number in HUGE:
                url = _url(rule, number)
                if "GET" in rule.methods:
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": token})
                assert response.status_code == 404, (user.username, url, response.status_code)


def test_the_largest_stored_id_is_still_routed(app, people):
    """The bound is the database's, not lower: MAX_ID reaches the view (and its own 404)."""
    _, teacher, class_id = people
    client = app.test_client()
    login(client, teacher.username)
    assert client.get(f"/classes/{class_id}").status_code == 200
    response = client.get(f"/classes/{MAX_ID}")
    assert response.status_code == 404 and "vous n'y enseignez pas" in page_text(response)


@pytest.mark.parametrize("value", [str(2**63), "9" * 40, "²", "١٢", "-1", "0x10", " 3"])
def test_numbers_in_query_strings_fall_back_to_their_default(app, people, value):
    admin, teacher, class_id = people
    client = app.test_client()
    login(client, admin.username)
    for url in (f"/admin/comptes?page={value}", f"/admin/journal?page={value}"):
        assert client.get(url).status_code == 200, url
    client = app.test_client()
    login(client, teacher.username)
    for url in (
        f"/classes/{class_id}?jours={value}",
        f"/classes/{class_id}?tri=d{value}",
        f"/classes/{class_id}/imprimer?jours={value}",
        f"/classes/{class_id}/suivi.csv?jours={value}&tri=d{value}",
    ):
        assert client.get(url).status_code == 200, url


def test_small_int_reads_ascii_digits_in_range_only():
    assert small_int("42", 1, 100) == 42
    assert small_int("0", 1, 100) is None
    assert small_int("101", 1, 100) is None
    for bad in (None, "", "²", "١", "4 2", "-3", "+3", "9" * 5000):
        assert small_int(bad, 0, MAX_ID) is None, bad


@pytest.mark.parametrize("year", [2199, 1900, 1])
def test_a_laptop_clock_centuries_off_is_refused_in_french(year):
    server_now = datetime(2026, 12, 4, 12, 0)
    with pytest.raises(SyncError) as refused:
        measure_offset(datetime(year, 3, 1, 8, 0), server_now)
    assert refused.value.status == 400 and refused.value.code == "bad_clock"
    assert f"l'année {year}" in refused.value.message and "réglez la date" in refused.value.message


def test_a_laptop_reset_to_1970_or_a_year_ahead_is_still_placed():
    server_now = datetime(2026, 12, 4, 12, 0)
    for laptop_now in (datetime(1970, 1, 1), server_now + timedelta(days=365)):
        offset = measure_offset(laptop_now, server_now)
        assert abs(offset) < MAX_ID  # it fits the integer column
        assert place_event_time(laptop_now, offset, server_now) == server_now
    assert place_event_time(datetime(9999, 12, 31), -(MAX_ID), server_now) == server_now


def test_the_sync_api_refuses_a_laptop_in_2199_with_a_json_400_and_keeps_nothing(app, client, make_user):
    from lycee_ia.sync.models import SyncDevice
    from lycee_ia.sync.server import enrol_device
    from lycee_ia.sync.wire import format_time
    from lycee_ia.db import utcnow
    from tests.helpers import TEST_PASSWORD
    from sqlalchemy import select

    make_user(Role.STUDENT, username="lea.horloge")
    future = format_time(datetime(2199, 1, 1, 8, 0))
    body = {"username": "lea.horloge", "password": TEST_PASSWORD, "device_id": "laptop-horloge-01",
            "public_key": "ab" * 32, "label": "PC", "laptop_time": future}
    response = client.post("/api/sync/v1/enrol", json=body)
    assert response.status_code == 400 and response.json["code"] == "bad_clock"
    assert "l'année 2199" in response.json["message"]
    with app.app_context():
        assert db.session.scalar(select(SyncDevice)) is None
        _, token = enrol_device(
            db.session, username="lea.horloge", password=TEST_PASSWORD, address="127.0.0.1",
            device_id="laptop-horloge-01", public_key="ab" * 32, label="PC", laptop_now=utcnow(),
        )
        db.session.commit()
    # 2199 is a readable time, refused as a clock far off; before 1970 the wire refuses the time itself.
    for year, code in ((2199, "bad_clock"), (1900, "bad_time")):
        sent_at = format_time(datetime(year, 1, 1))
        pushed = client.post("/api/sync/v1/events", json={"sent_at": sent_at, "events": []},
                             headers={"Authorization": f"Bearer {token}"})
        assert pushed.status_code == 400 and pushed.json["code"] == code
        state = client.get(f"/api/sync/v1/state?sent_at={sent_at}", headers={"Authorization": f"Bearer {token}"})
        assert state.status_code == 400 and state.json["code"] == code
    with app.app_context():
        assert db.session.scalar(select(SyncDevice.clock_offset)) == 0
