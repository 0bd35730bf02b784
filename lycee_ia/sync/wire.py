"""Events as they travel: to JSON on the laptop, checked field by field on the server.

A wire event names its person by the global ``user`` UUID, never by an
instance's integer id. Everything a client sends is checked for type and
size here, so that a bad event is refused with a reason and never reaches
the database as an error.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lycee_ia.events.services import OBJECT_TYPES, VERBS

MAX_DOCUMENT_BYTES = 8 * 1024  # result or context of one event, as JSON
# Version of the USB bundle of events. 1: the students were named only inside
# the payload. 2: the signed header also lists them (``users``).
BUNDLE_FORMAT = 2
EARLIEST = datetime(1970, 1, 1)
LATEST = datetime(2200, 1, 1)


class WireError(ValueError):
    """An event that cannot be accepted; ``reason`` is a short code for the client."""

    def __init__(self, reason: str, event_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id


def format_time(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def parse_time(raw: Any) -> datetime:
    """An ISO 8601 time; with an offset it is turned into naive UTC."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValueError("time")
    value = datetime.fromisoformat(raw)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if not EARLIEST <= value < LATEST:
        raise ValueError("time")
    return value


@dataclass(frozen=True)
class WireEvent:
    id: uuid.UUID
    user: uuid.UUID
    device: str
    verb: str
    object_type: str
    object_id: str
    module_id: str | None
    module_version: str | None
    result: dict[str, Any] | None
    context: dict[str, Any] | None
    registration: uuid.UUID | None
    occurred_at: datetime


def _text(data: dict, key: str, maximum: int, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > maximum or "\0" in value:
        raise WireError(f"bad_{key}")
    return value


def _uuid(raw: Any, key: str) -> uuid.UUID:
    if not isinstance(raw, str) or len(raw) > 40:
        raise WireError(f"bad_{key}")
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise WireError(f"bad_{key}") from None


def _document(data: dict, key: str) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or len(json.dumps(value, separators=(",", ":"))) > MAX_DOCUMENT_BYTES:
        raise WireError(f"bad_{key}")
    return value


def parse_wire_event(data: Any) -> WireEvent:
    """Check one event sent by a client; raise WireError with a reason."""
    if not isinstance(data, dict):
        raise WireError("not_an_object")
    event_id = _uuid(data.get("id"), "id")
    try:
        verb = _text(data, "verb", 32, True)
        if verb not in VERBS:
            raise WireError("bad_verb")
        object_type = _text(data, "object_type", 16, True)
        if object_type not in OBJECT_TYPES:
            raise WireError("bad_object_type")
        registration = data.get("registration")
        try:
            occurred_at = parse_time(data.get("occurred_at"))
        except ValueError:
            raise WireError("bad_occurred_at") from None
        return WireEvent(
            id=event_id,
            user=_uuid(data.get("user"), "user"),
            device=_text(data, "device", 64, True),
            verb=verb,
            object_type=object_type,
            object_id=_text(data, "object_id", 200, True),
            module_id=_text(data, "module_id", 100, False),
            module_version=_text(data, "module_version", 64, False),
            result=_document(data, "result"),
            context=_document(data, "context"),
            registration=_uuid(registration, "registration") if registration is not None else None,
            occurred_at=occurred_at,
        )
    except WireError as error:
        error.event_id = str(event_id)
        raise
