"""The learning event log: idempotent inserts, listeners run once per new event."""

import uuid

import pytest
from sqlalchemy import func, select

from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import EventError, NewEvent, get_device_id, on_event, record_event, record_events


def _event(user_id, **fields):
    values = {"user_id": user_id, "verb": "experienced", "object_type": "section", "object_id": "e1/intro"}
    values.update(fields)
    return NewEvent(**values)


def _count(session):
    return session.scalar(select(func.count()).select_from(LearningEvent))


def test_the_same_event_twice_is_stored_once(db_session, make_user):
    student = make_user("eleve")
    event = _event(student.id, module_id="e1", module_version="abc123", result={"seen": True})
    first = record_event(db_session, event)
    second = record_event(db_session, event)
    db_session.commit()
    assert first is not None and first.id == event.id
    assert second is None
    assert _count(db_session) == 1
    stored = db_session.get(LearningEvent, event.id)
    assert stored.module_version == "abc123" and stored.result == {"seen": True}
    assert stored.device_id == get_device_id(db_session)


def test_a_batch_with_known_and_new_events_returns_only_the_new(db_session, make_user):
    student = make_user("eleve")
    known = [_event(student.id, object_id=f"e1/s{i}") for i in range(3)]
    record_events(db_session, known)
    batch = known + [_event(student.id, object_id=f"e1/t{i}") for i in range(1200)]
    new = record_events(db_session, batch)
    db_session.commit()
    assert len(new) == 1200
    assert {e.id for e in new}.isdisjoint({e.id for e in known})
    assert _count(db_session) == 1203


def test_listeners_run_once_per_new_event(db_session, make_user):
    student = make_user("eleve")
    calls = []
    verb = "completed"

    @on_event(verb)
    def listener(session, event):
        calls.append(event.id)

    try:
        event = _event(student.id, verb=verb, object_type="module", object_id="e1")
        record_events(db_session, [event, event])
        record_event(db_session, event)
        assert calls == [event.id]
    finally:
        from lycee_ia.events import services

        services._listeners[verb].remove(listener)


def test_events_from_another_device_keep_their_device(db_session, make_user):
    student = make_user("eleve")
    event = _event(student.id, device_id="laptop-42", id=uuid.uuid4())
    record_event(db_session, event)
    assert db_session.get(LearningEvent, event.id).device_id == "laptop-42"


def test_the_device_id_is_made_once(db_session):
    assert get_device_id(db_session) == get_device_id(db_session)
    uuid.UUID(get_device_id(db_session))


@pytest.mark.parametrize(
    "fields",
    [{"verb": "liked"}, {"object_type": "video"}, {"object_id": ""}, {"object_id": "x" * 201}],
)
def test_malformed_events_are_refused(fields):
    with pytest.raises(EventError):
        _event(1, **fields)
