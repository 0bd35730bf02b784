"""Recording learning events.

Inserting an event whose id is already there changes nothing: that is what
makes sync a set union. Features that keep summaries (progress, best scores)
register a listener per verb; listeners run, in the caller's transaction, only
for events that were new, so a summary counts every event exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lycee_ia.db import utcnow
from lycee_ia.events.models import InstanceSetting, LearningEvent

VERBS = frozenset({"experienced", "completed", "answered", "attempted", "passed", "failed"})
OBJECT_TYPES = frozenset({"module", "section", "question", "quiz"})

@dataclass(slots=True)
class RecordedEvent:
    """An event as ``record_events`` just stored it: what listeners and callers receive.

    A plain object with the columns of :class:`LearningEvent` (building 500
    ORM instances per sync batch cost more than inserting them). Load the
    ``LearningEvent`` from the session when an ORM row is needed.
    """

    id: uuid.UUID
    device_id: str
    user_id: int
    verb: str
    object_type: str
    object_id: str
    module_id: str | None
    module_version: str | None
    result: dict[str, Any] | None
    context: dict[str, Any] | None
    registration: uuid.UUID | None
    occurred_at: datetime
    device_occurred_at: datetime | None
    recorded_at: datetime


Listener = Callable[[Session, RecordedEvent], None]
BatchListener = Callable[[Session, list[RecordedEvent]], None]
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
    """INSERT ... ON CONFLICT DO NOTHING; return the keys of the rows inserted.

    One statement for all the rows, as an executemany that SQLAlchemy batches
    ("insertmanyvalues"): compiled once and cached, where a 500-row VALUES
    list would be compiled again for every batch (about 0.4 s each).
    """
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = model.__table__
    statement = insert(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
    if len(rows) == 1:
        return list(session.execute(statement.values(rows[0])).scalars())
    return list(session.execute(statement, rows).scalars())


_SUMMARIES = "lycee_ia.events.summaries"


def summary_row(session: Session, model: type, key: Any, create: Callable[[], Any] | None = None) -> Any:
    """``session.get`` for listeners, remembered for the length of one ``record_events`` call.

    A summary row touched by every event of a batch would otherwise be loaded
    again for each one (the session keeps clean rows only weakly), with a
    flush and a SELECT per event. ``create()`` makes and adds the row when
    there is none.
    """
    cache = session.info.get(_SUMMARIES)
    marker = (model, key)
    if cache is not None and marker in cache:
        return cache[marker]
    # On PostgreSQL two pushes of one student can run at once on two workers:
    # the row is locked until the commit, so that neither overwrites what the
    # other added (SQLite's BEGIN IMMEDIATE already serialises writers).
    locking = session.get_bind().dialect.name == "postgresql"
    row = session.get(model, key, with_for_update=locking)
    if row is None and create is not None:
        row = create()
        if locking:
            # Made by INSERT ... ON CONFLICT DO NOTHING, then read locked: a
            # concurrent transaction that made the same row first wins, and
            # this one waits for it instead of failing on the primary key.
            session.expunge(row) if row in session else None
            values = {
                attribute.key: getattr(row, attribute.key)
                for attribute in sa_inspect(model).column_attrs
                if getattr(row, attribute.key) is not None
            }
            session.execute(postgresql.insert(model).values(values).on_conflict_do_nothing())
            row = session.get(model, key, with_for_update=True, populate_existing=True)
        else:
            session.add(row)
    if cache is not None:
        cache[marker] = row
    return row


def record_events(session: Session, events: Iterable[NewEvent]) -> list[RecordedEvent]:
    """Insert the events that are not there yet; return those that were new.

    Listeners run for each new event, in this transaction. The caller commits.
    """
    events = list(events)
    if not events:
        return []
    device_id = None
    rows = []
    seen: set[uuid.UUID] = set()
    for event in events:
        if event.id in seen:  # the same event twice in one call: once is enough
            continue
        seen.add(event.id)
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
    if session.get_bind().dialect.name == "postgresql":
        inserted = set(_insert_events_postgresql(session, rows))
    else:
        inserted = set()
        for start in range(0, len(rows), 500):
            inserted.update(_insert_ignore(session, LearningEvent, rows[start : start + 500], "id"))
    if not inserted:
        return []
    # The rows just inserted, for the listeners (no second query).
    new_events = sorted(
        (RecordedEvent(**row) for row in rows if row["id"] in inserted), key=lambda event: event.occurred_at
    )
    session.info[_SUMMARIES] = {}
    try:
        for event in new_events:
            for listener in _listeners.get(event.verb, ()):
                listener(session, event)
    finally:
        session.info.pop(_SUMMARIES, None)
    for batch_listener in _batch_listeners:
        batch_listener(session, new_events)
    return new_events


_COLUMNS = (
    "id", "device_id", "user_id", "verb", "object_type", "object_id", "module_id", "module_version",
    "result", "context", "registration", "occurred_at", "device_occurred_at", "recorded_at",
)
_INSERT_POSTGRESQL = text(
    f"INSERT INTO learning_events ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(_COLUMNS)} FROM json_populate_recordset(NULL::learning_events, CAST(:rows AS json)) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _insert_events_postgresql(session: Session, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """The whole batch as one JSON parameter: a short statement PostgreSQL plans once,
    instead of thousands of bound parameters the driver must splice into the SQL."""
    document = json.dumps([{key: _json_value(row[key]) for key in _COLUMNS} for row in rows], separators=(",", ":"))
    return list(session.execute(_INSERT_POSTGRESQL, {"rows": document}).scalars())


def record_event(session: Session, event: NewEvent) -> RecordedEvent | None:
    """Record one event; return it if it was new, None if it was already there."""
    new = record_events(session, [event])
    return new[0] if new else None
