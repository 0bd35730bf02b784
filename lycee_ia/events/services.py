"""Recording learning events.

Inserting an event whose id is already there changes nothing: that is what
makes sync a set union. Features that keep summaries (progress, best scores)
register a listener per verb; listeners run, in the caller's transaction, only
for events that were new, so a summary counts every event exactly once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lycee_ia.db import utcnow
from lycee_ia.events.models import InstanceSetting, LearningEvent

VERBS = frozenset({"experienced", "completed", "answered", "attempted", "passed", "failed"})
OBJECT_TYPES = frozenset({"module", "section", "question", "quiz"})

Listener = Callable[[Session, LearningEvent], None]
BatchListener = Callable[[Session, list[LearningEvent]], None]
_listeners: dict[str, list[Listener]] = defaultdict(list)
_batch_listeners: list[BatchListener] = []


def on_events_recorded(listener: BatchListener) -> BatchListener:
    """Register ``listener(session, new_events)`` to run once per ``record_events`` call that stored any."""
    if listener not in _batch_listeners:
        _batch_listeners.append(listener)
    return listener


def on_event(*verbs: str) -> Callable[[Listener], Listener]:
    """Register ``listener(session, event)`` to run for each new event of these verbs."""

    def register(listener: Listener) -> Listener:
        for verb in verbs:
            if listener not in _listeners[verb]:
                _listeners[verb].append(listener)
        return listener

    return register


class EventError(ValueError):
    """An event that cannot be recorded as given."""


@dataclass(frozen=True)
class NewEvent:
    user_id: int
    verb: str
    object_type: str
    object_id: str
    module_id: str | None = None
    module_version: str | None = None
    result: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    occurred_at: datetime = field(default_factory=utcnow)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    device_id: str | None = None
    registration: uuid.UUID | None = None
    device_occurred_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.verb not in VERBS:
            raise EventError(f"unknown verb {self.verb!r}")
        if self.object_type not in OBJECT_TYPES:
            raise EventError(f"unknown object type {self.object_type!r}")
        if not self.object_id or len(self.object_id) > 200:
            raise EventError("object_id must hold 1 to 200 characters")


def get_device_id(session: Session) -> str:
    """This instance's device id, made once and kept in the database."""
    value = session.get(InstanceSetting, "device_id")
    if value is not None:
        return value.value
    _insert_ignore(session, InstanceSetting, [{"key": "device_id", "value": str(uuid.uuid4())}], "key")
    return session.get(InstanceSetting, "device_id", populate_existing=True).value


def _insert_ignore(session: Session, model: type, rows: list[dict[str, Any]], key: str) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING; return the keys of the rows inserted."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    column = getattr(model, key)
    statement = insert(model).values(rows).on_conflict_do_nothing(index_elements=[key]).returning(column)
    return list(session.scalars(statement))


def record_events(session: Session, events: Iterable[NewEvent]) -> list[LearningEvent]:
    """Insert the events that are not there yet; return those that were new.

    Listeners run for each new event, in this transaction. The caller commits.
    """
    events = list(events)
    if not events:
        return []
    device_id = None
    rows = []
    for event in events:
        if event.device_id is None and device_id is None:
            device_id = get_device_id(session)
        rows.append(
            {
                "id": event.id,
                "device_id": event.device_id or device_id,
                "user_id": event.user_id,
                "verb": event.verb,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "module_id": event.module_id,
                "module_version": event.module_version,
                "result": event.result,
                "context": event.context,
                "registration": event.registration,
                "occurred_at": event.occurred_at,
                "device_occurred_at": event.device_occurred_at,
                "recorded_at": utcnow(),
            }
        )
    inserted: list[uuid.UUID] = []
    # Bound parameters per statement stay well under SQLite's limit.
    for start in range(0, len(rows), 500):
        inserted.extend(_insert_ignore(session, LearningEvent, rows[start : start + 500], "id"))
    if not inserted:
        return []
    new_events = list(
        session.scalars(select(LearningEvent).where(LearningEvent.id.in_(inserted)).order_by(LearningEvent.occurred_at))
    )
    for event in new_events:
        for listener in _listeners.get(event.verb, ()):
            listener(session, event)
    for batch_listener in _batch_listeners:
        batch_listener(session, new_events)
    return new_events


def record_event(session: Session, event: NewEvent) -> LearningEvent | None:
    """Record one event; return it if it was new, None if it was already there."""
    new = record_events(session, [event])
    return new[0] if new else None
