"""Events as they travel: to JSON on the laptop, checked field by field on the server.

A wire event names its person by the global ``user`` UUID, never by an
instance's integer id. Everything a client sends is checked for type and
size here, so that a bad event is refused with a reason and never reaches
the database as an error.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lycee_ia.events.services import OBJECT_TYPES, VERBS

if TYPE_CHECKING:
    from lycee_ia.quiz.model import Question

# (module id, module version, question id) -> the question, or None when unknown.
QuestionLookup = Callable[[str, str | None, str], "Question | None"]

MAX_DOCUMENT_BYTES = 8 * 1024  # result or context of one event, as JSON
MAX_DURATION_SECONDS = 3600  # as the quiz keeps it
MAX_QUIZ_QUESTIONS = 500
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


def refuse_constant(name: str) -> Any:
    """``parse_constant`` for json.loads: NaN and Infinity are not JSON numbers, refuse them."""
    raise ValueError(f"not a JSON number: {name}")


def loads(raw: bytes | str) -> Any:
    """json.loads that refuses NaN, Infinity and -Infinity (Python's json accepts them)."""
    return json.loads(raw, parse_constant=refuse_constant)


def _document(data: dict, key: str) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        size = len(json.dumps(value, separators=(",", ":"), allow_nan=False))
    except (ValueError, TypeError, RecursionError):
        raise WireError(f"bad_{key}") from None
    if not isinstance(value, dict) or size > MAX_DOCUMENT_BYTES:
        raise WireError(f"bad_{key}")
    return value


# --- typed result and context, per verb ----------------------------------------------------
#
# What the platform itself records (quiz/services.py, content/services.py):
#   experienced section  no result, no context
#   completed module     result {completion: bool}
#   attempted quiz       context {questions: [question ids]}
#   answered question    result {response, score?, success?, duration?}, context {quiz | activity: bool}
#   passed/failed quiz   result {score, success, mastery}
# Anything else is refused, so that a reading page never meets a value of another type.

def _unit(value: Any) -> bool:
    """A number in [0, 1] (not a boolean, not NaN or infinite)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1


def _finite(value: Any, low: float, high: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high


def _only(document: dict[str, Any] | None, allowed: set[str], key: str) -> dict[str, Any]:
    document = document or {}
    if set(document) - allowed:
        raise WireError(f"bad_{key}")
    return document


def _check_result(verb: str, result: dict[str, Any] | None) -> None:
    if verb in ("experienced", "attempted"):
        _only(result, set(), "result")
    elif verb == "completed":
        doc = _only(result, {"completion", "score", "success"}, "result")
        if "completion" in doc and not isinstance(doc["completion"], bool):
            raise WireError("bad_completion")
    elif verb in ("passed", "failed"):
        doc = _only(result, {"score", "success", "mastery"}, "result")
        if not _unit(doc.get("score")):
            raise WireError("bad_score")
        if "success" in doc and not isinstance(doc["success"], bool):
            raise WireError("bad_success")
        if "mastery" in doc and not _finite(doc["mastery"], 0, 100):
            raise WireError("bad_mastery")
    elif verb == "answered":
        doc = _only(result, {"response", "score", "success", "duration"}, "result")
        if "response" not in doc:
            raise WireError("bad_response")
        if "score" in doc and not _unit(doc["score"]):
            raise WireError("bad_score")
        if "success" in doc and not isinstance(doc["success"], bool):
            raise WireError("bad_success")
        if "duration" in doc and not _finite(doc["duration"], 0, MAX_DURATION_SECONDS):
            raise WireError("bad_duration")


def _check_context(verb: str, context: dict[str, Any] | None) -> None:
    if verb == "attempted":
        doc = _only(context, {"questions"}, "context")
        questions = doc.get("questions")
        if not isinstance(questions, list) or len(questions) > MAX_QUIZ_QUESTIONS or not all(
            isinstance(q, str) and 0 < len(q) <= 100 for q in questions
        ):
            raise WireError("bad_questions")
    elif verb == "answered":
        doc = _only(context, {"quiz", "activity"}, "context")
        if any(not isinstance(value, bool) for value in doc.values()):
            raise WireError("bad_context")
    else:
        _only(context, set(), "context")


def _check_answer(event: WireEvent, questions: QuestionLookup | None) -> None:
    """An answer must fit its question: the question's type fixes its shape (quiz/grading.py)."""
    if event.verb != "answered" or questions is None:
        return
    from lycee_ia.quiz.grading import check_answer
    from lycee_ia.quiz.model import AnswerError

    module_id, _, question_id = event.object_id.partition("/")
    if event.object_type != "question" or not question_id or (event.module_id and event.module_id != module_id):
        raise WireError("unknown_question")
    question = questions(module_id, event.module_version, question_id)
    if question is None:
        raise WireError("unknown_question")
    try:
        check_answer(question, (event.result or {})["response"])
    except AnswerError:
        raise WireError("bad_response") from None


def app_question_lookup() -> QuestionLookup | None:
    """The questions of this server's modules (the version named, else the current one); None outside an app."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    lookup = g.get("_lycee_ia_question_lookup")
    if lookup is None:
        lookup = g._lycee_ia_question_lookup = _catalogue_lookup()
    return lookup


def _catalogue_lookup() -> QuestionLookup:
    from sqlalchemy import select

    from lycee_ia.content.catalogue import get_catalogue
    from lycee_ia.db import db
    from lycee_ia.quiz.models import ModuleVersion
    from lycee_ia.quiz.snapshot import question_from_dict

    modules = get_catalogue().modules
    cache: dict[tuple[str, str | None], dict[str, Question]] = {}

    def questions_of(module_id: str, version: str | None) -> dict[str, Question]:
        key = (module_id, version)
        if key in cache:
            return cache[key]
        module = modules.get(module_id)
        found: dict[str, Question] = {}
        if module is not None:
            found = {**module.activities, **({q.id: q for q in module.quiz.questions} if module.quiz else {})}
            if version and version != module.version:
                row = db.session.scalar(
                    select(ModuleVersion).where(ModuleVersion.module_id == module_id, ModuleVersion.version == version)
                )
                snapshot = row.snapshot if row is not None and isinstance(row.snapshot, dict) else None
                if snapshot is not None:
                    # An older version the server keeps: its own questions come first.
                    older = list(snapshot.get("activities") or []) + list((snapshot.get("quiz") or {}).get("questions") or [])
                    found = {**found, **{q["id"]: question_from_dict(q) for q in older}}
        cache[key] = found
        return found

    return lambda module_id, version, question_id: questions_of(module_id, version).get(question_id)


_APP = object()


def parse_wire_event(data: Any, questions: QuestionLookup | None | object = _APP) -> WireEvent:
    """Check one event sent by a client; raise WireError with a reason.

    ``questions`` finds the question an answer is for; by default, this app's
    modules (when called inside an app), so that an answer of the wrong shape
    or to a question the server does not know is refused.
    """
    if questions is _APP:
        questions = app_question_lookup()
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
        event = WireEvent(
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
        _check_result(verb, event.result)
        _check_context(verb, event.context)
        _check_answer(event, questions)  # type: ignore[arg-type]
        return event
    except WireError as error:
        error.event_id = str(event_id)
        raise
