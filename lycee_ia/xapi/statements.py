"""Learning events as xAPI 1.0.3 statements (docs/XAPI.md has the table and examples).

A statement is a pure function of the event, the learner's pseudonym, the
question's type (for the interaction format of ``result.response``) and the
server's public address: the same event always gives the same statement, so
sending it twice is harmless (its id is the event's UUID and an LRS keeps one).

Minimum data (the learners are minors): the actor is an ``account`` whose
``homePage`` is this server and whose ``name`` is an HMAC of the user's UUID
under a key derived from SECRET_KEY: stable on this platform, meaningless
elsewhere, never a name, user name or e-mail address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

XAPI_VERSION = "1.0.3"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERB_DISPLAY = {
    "experienced": "a consulté",
    "attempted": "a commencé",
    "answered": "a répondu à",
    "passed": "a réussi",
    "failed": "n'a pas réussi",
    "completed": "a terminé",
    "interacted": "a manipulé",
}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "section": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "lab": "http://adlnet.gov/expapi/activities/simulation",
}
# Question types of lycee_ia/quiz/grading.py -> xAPI interactionType.
INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "truefalse": "true-false",
    "short": "fill-in",
    "numeric": "numeric",
    "ordering": "sequencing",
    "matching": "matching",
    "scale": "likert",
}
_PSEUDONYM_PURPOSE = b"lycee-ia/xapi/actor/v1"
MISSING_PUBLIC_URL = (
    "LYCEE_IA_PUBLIC_URL manque : indiquez l'adresse publique de ce serveur, qui nomme les "
    "activités et les comptes dans les traces xAPI (par exemple https://lycee-ia.region.fr)."
)


class EventLike(Protocol):
    id: uuid.UUID
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
    recorded_at: datetime


def actor_key(secret_key: str) -> bytes:
    """The key of the pseudonyms: SECRET_KEY with a purpose label, so it opens nothing else."""
    return hmac.new(secret_key.encode("utf-8"), _PSEUDONYM_PURPOSE, hashlib.sha256).digest()


def pseudonym(key: bytes, user_uuid: uuid.UUID) -> str:
    """The learner's opaque name on this platform: 32 hex digits, the same in every statement."""
    return hmac.new(key, user_uuid.bytes, hashlib.sha256).hexdigest()[:32]


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def extension_iri(base_url: str, name: str) -> str:
    return f"{base_url}/xapi/extensions/{name}"


def activity_iri(base_url: str, object_type: str, object_id: str, module_id: str | None) -> str:
    """The IRI of a module, section, quiz, question or lab, under the server's address."""
    root = f"{base_url}/xapi/activities"
    if object_type == "module":
        return f"{root}/module/{_segment(object_id)}"
    if object_type == "quiz":
        return f"{root}/module/{_segment(object_id)}/quiz"
    module, _, inner = object_id.partition("/")
    if not inner:  # an object named without its module
        module, inner = module_id or "", object_id
    kind = {"section": "section", "question": "question", "lab": "lab"}.get(object_type, _segment(object_type))
    return f"{root}/module/{_segment(module)}/{kind}/{_segment(inner)}"


def _timestamp(value: datetime) -> str:
    # Naive UTC in the database (docs/ARCHITECTURE.md): xAPI wants the zone.
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _duration(seconds: float) -> str:
    return f"PT{round(float(seconds), 1):g}S"


def _number(text: str) -> str | None:
    from lycee_ia.quiz.grading import parse_number
    from lycee_ia.quiz.model import AnswerError

    try:
        value = parse_number(text)
    except AnswerError:
        return None
    if not math.isfinite(value):
        return None
    return f"{value:.15g}"


def interaction_type(question_type: str | None, response: Any) -> str:
    """The xAPI interactionType of a question, from its type or else from the answer's shape."""
    if question_type in INTERACTION_TYPES:
        return INTERACTION_TYPES[question_type]
    if isinstance(response, bool):
        return "true-false"
    if isinstance(response, int):
        return "likert"
    if isinstance(response, dict):
        return "matching"
    if isinstance(response, list):
        return "choice"
    return "fill-in"


def format_response(kind: str, response: Any) -> str | None:
    """The answer in the xAPI interaction format of ``kind``; None when there is nothing to say."""
    if response is None:
        return None
    if kind == "true-false":
        text = "true" if response is True else "false" if response is False else None
    elif kind in ("choice", "sequencing"):
        items = response if isinstance(response, list) else [response]
        text = "[,]".join(str(item) for item in items)
    elif kind == "matching" and isinstance(response, dict):
        text = "[,]".join(f"{source}[.]{target}" for source, target in sorted(response.items()))
    elif kind == "numeric":
        text = _number(response) if isinstance(response, str) else (
            f"{response:.15g}" if isinstance(response, (int, float)) and not isinstance(response, bool) else None
        )
    elif kind == "likert":
        text = str(response)
    else:
        text = response if isinstance(response, str) else str(response)
    return text or None


def _score(value: Any) -> dict[str, float] | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return {"scaled": round(max(-1.0, min(1.0, float(value))), 4)}


@dataclass
class Builder:
    """Turns events into statements; knows the pseudonyms and question types it needs."""

    base_url: str
    key: bytes
    pseudonyms: dict[int, str]
    question_types: dict[tuple[str, str], dict[str, str]]

    def statement(self, event: EventLike) -> dict[str, Any]:
        base = self.base_url
        module_iri = activity_iri(base, "module", event.module_id, None) if event.module_id else None
        activity: dict[str, Any] = {
            "objectType": "Activity",
            "id": activity_iri(base, event.object_type, event.object_id, event.module_id),
            "definition": {"type": ACTIVITY_TYPES.get(event.object_type, ACTIVITY_TYPES["lab"])},
        }
        stored_context = event.context or {}
        extensions: dict[str, Any] = {}
        if event.module_version:
            extensions[extension_iri(base, "module-version")] = event.module_version
        result: dict[str, Any] = {}
        raw = event.result or {}
        if event.object_type == "question":
            question_id = event.object_id.partition("/")[2] or event.object_id
            types = self.question_types.get((event.module_id or "", event.module_version or ""), {})
            kind = interaction_type(types.get(question_id), raw.get("response"))
            activity["definition"]["interactionType"] = kind
            response = format_response(kind, raw.get("response"))
            if response is not None:
                result["response"] = response
            extensions[extension_iri(base, "mode")] = "quiz" if stored_context.get("quiz") else "activity"
        elif "response" in raw:
            response = format_response("fill-in", raw.get("response"))
            if response is not None:
                result["response"] = response
        score = _score(raw.get("score"))
        if score is not None:
            result["score"] = score
        if isinstance(raw.get("success"), bool):
            result["success"] = raw["success"]
        if event.verb in ("passed", "failed") and "success" not in result:
            result["success"] = event.verb == "passed"
        if isinstance(raw.get("completion"), bool):
            result["completion"] = raw["completion"]
        elif event.verb == "completed":
            result["completion"] = True
        duration = raw.get("duration")
        if isinstance(duration, (int, float)) and not isinstance(duration, bool) and math.isfinite(duration) and duration >= 0:
            result["duration"] = _duration(duration)
        mastery = raw.get("mastery")
        if isinstance(mastery, (int, float)) and not isinstance(mastery, bool):
            result["extensions"] = {extension_iri(base, "mastery-threshold"): mastery}
        context: dict[str, Any] = {"platform": "Lycée IA", "language": "fr-FR"}
        if event.registration is not None:
            context["registration"] = str(event.registration)
        if module_iri and event.object_type != "module":
            parent = module_iri
            if event.object_type == "question" and stored_context.get("quiz"):
                parent = activity_iri(base, "quiz", event.module_id, None)
            context["contextActivities"] = {
                "parent": [{"objectType": "Activity", "id": parent}],
                "grouping": [{"objectType": "Activity", "id": module_iri}] if parent != module_iri else [],
            }
            if not context["contextActivities"]["grouping"]:
                del context["contextActivities"]["grouping"]
        if extensions:
            context["extensions"] = extensions
        statement: dict[str, Any] = {
            "id": str(event.id),
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": base, "name": self.pseudonyms[event.user_id]},
            },
            "verb": {
                "id": ADL_VERBS + event.verb,
                "display": {"fr-FR": VERB_DISPLAY.get(event.verb, event.verb), "en-US": event.verb},
            },
            "object": activity,
            "context": context,
            "timestamp": _timestamp(event.occurred_at),
            "stored": _timestamp(event.recorded_at),
            "version": XAPI_VERSION,
        }
        if result:
            statement["result"] = result
        return statement


def builder_for(session: Session, config: Mapping[str, Any], events: Iterable[EventLike]) -> Builder:
    """A builder loaded with what ``events`` need: two queries, whatever their number."""
    from lycee_ia.accounts.models import User
    from lycee_ia.quiz.models import ModuleVersion

    base_url = config.get("PUBLIC_URL")
    if not base_url:
        raise XapiConfigError(MISSING_PUBLIC_URL)
    key = actor_key(config["SECRET_KEY"])
    events = list(events)
    user_ids = {event.user_id for event in events}
    pseudonyms = {
        user_id: pseudonym(key, user_uuid)
        for user_id, user_uuid in session.execute(select(User.id, User.uuid).where(User.id.in_(user_ids)))
    } if user_ids else {}
    versions = {
        (event.module_id, event.module_version)
        for event in events
        if event.object_type == "question" and event.module_id and event.module_version
    }
    question_types: dict[tuple[str, str], dict[str, str]] = {}
    if versions:
        rows = session.execute(
            select(ModuleVersion.module_id, ModuleVersion.version, ModuleVersion.snapshot).where(
                tuple_(ModuleVersion.module_id, ModuleVersion.version).in_(list(versions))
            )
        )
        for module_id, version, snapshot in rows:
            questions = list(((snapshot or {}).get("quiz") or {}).get("questions") or [])
            questions += list((snapshot or {}).get("activities") or [])
            question_types[(module_id, version)] = {
                q["id"]: q.get("type") for q in questions if isinstance(q, dict) and "id" in q
            }
    return Builder(base_url=base_url.rstrip("/"), key=key, pseudonyms=pseudonyms, question_types=question_types)


def statements_for(session: Session, config: Mapping[str, Any], events: Iterable[EventLike]) -> list[dict[str, Any]]:
    events = list(events)
    builder = builder_for(session, config, events)
    return [builder.statement(event) for event in events]


class XapiConfigError(Exception):
    """A setting the xAPI export needs is missing (French message)."""
