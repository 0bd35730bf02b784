"""What the server makes of the answers and quiz results a laptop pushes.

A laptop is believed for what the student did and when (the answer given),
never for what it is worth (DESIGN point 6). Before events pushed by a
laptop (HTTP or USB bundle) are recorded, :func:`check_pushed_events`:

- regrades every ``answered`` event with the pure ``grade()`` against the
  module version the event names, and replaces its score and success (the
  laptop's claim is kept beside them, under ``claimed``, for the record);
- recomputes the end of an attempt (``passed`` or ``failed``, its score) from
  the server-graded answers of that attempt and the threshold of that version;
- refuses, with a reason, what the web would not have allowed: an attempt at
  a module the server does not serve to the student, at a version it does not
  know, before the module opens for the student, past the attempt limit; an
  answer or an end for an attempt that is unknown (its ``attempted`` event is
  neither stored nor in the same push), closed, or someone else's; a second
  answer to one question; an answer that is not an answer to that question;
  an event whose id is already another person's.

Refused events stay in the laptop's queue (only held ids leave it), so an
answer that arrived before its attempt is accepted at a later push.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import User
from lycee_ia.content.module import Module
from lycee_ia.content.services import can_read
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent
from lycee_ia.quiz.grading import grade, stored_score
from lycee_ia.quiz.model import AnswerError, Question
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.quiz.services import (
    MAX_DURATION_SECONDS,
    VersionedQuiz,
    attempts_used,
    lock_attempts,
    opens_at_for,
    quiz_for,
)
from lycee_ia.quiz.snapshot import question_from_dict

END_VERBS = ("passed", "failed")
# Within one push, an attempt's events are taken in this order at equal times.
_VERB_ORDER = {"attempted": 0, "answered": 1, "passed": 2, "failed": 2}


@dataclass
class Checked:
    events: list[NewEvent] = field(default_factory=list)  # to record (some rewritten by the server)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (event id, reason)


@dataclass
class _Attempt:
    """An attempt as the server knows it while it goes through one push."""

    module: Module
    version: str
    quiz: VersionedQuiz
    ids: list[str]
    scores: dict[str, float]  # question id -> the server's score
    is_open: bool


def _is_quiz_event(event: NewEvent) -> bool:
    if event.verb == "attempted":
        return True
    if event.verb == "answered":
        return event.registration is not None or bool((event.context or {}).get("quiz"))
    return event.verb in END_VERBS


def check_pushed_events(
    session: Session, user: User, events: list[NewEvent], modules: Mapping[str, Module], now: datetime
) -> Checked:
    """Regrade and check the events one laptop pushed for ``user``; see the module's docstring."""
    checked = Checked()
    if not events:
        return checked
    owners = dict(
        session.execute(
            select(LearningEvent.id, LearningEvent.user_id).where(LearningEvent.id.in_([e.id for e in events]))
        ).all()
    )
    fresh: list[NewEvent] = []
    for event in events:
        owner = owners.get(event.id)
        if owner is None:
            fresh.append(event)
        elif owner == user.id:
            checked.events.append(event)  # already held: inserting it again changes nothing
        else:
            checked.refused.append((str(event.id), "id_taken"))
    quiz_events = [e for e in fresh if _is_quiz_event(e)]
    for event in fresh:
        if event.verb == "answered" and not _is_quiz_event(event):
            checked.events.append(_regrade_activity(session, event, modules))
        elif not _is_quiz_event(event):
            checked.events.append(event)  # reading: what the student did, believed as it is
    if not quiz_events:
        return checked

    # One push of a person's quiz events at a time (and none while the web starts an attempt):
    # the attempts, answers and limits read below stay true until this transaction ends.
    lock_attempts(session, user.id)
    registrations = {e.registration for e in quiz_events if e.registration is not None}
    stored = {
        row.id: row
        for row in session.scalars(select(QuizAttempt).where(QuizAttempt.id.in_(registrations)))
    } if registrations else {}
    # An attempt id some other person's events already use (a summary or not).
    foreign = set(
        session.scalars(
            select(LearningEvent.registration).where(
                LearningEvent.registration.in_(registrations), LearningEvent.user_id != user.id
            )
        )
    ) if registrations else set()
    attempts: dict[uuid.UUID, _Attempt] = {}
    started: dict[str, int] = {}  # module id -> attempts accepted in this push

    def attempt_for(registration: uuid.UUID) -> _Attempt | str:
        if registration in attempts:
            return attempts[registration]
        row = stored.get(registration)
        if row is None or not row.ids:
            return "unknown_attempt"
        module = modules.get(row.module_id)
        quiz = quiz_for(session, module, row.module_version) if module is not None else None
        if quiz is None:
            return "unknown_version"
        known = _Attempt(
            module=module,
            version=row.module_version,
            quiz=quiz,
            ids=row.ids,
            scores={qid: stored_score(a) for qid, a in row.answers.items()},
            is_open=row.is_open,
        )
        attempts[registration] = known
        return known

    for event in sorted(quiz_events, key=lambda e: (e.occurred_at, _VERB_ORDER.get(e.verb, 3))):
        if event.registration is None:
            checked.refused.append((str(event.id), "no_attempt"))
            continue
        owner = stored.get(event.registration)
        if event.registration in foreign or (owner is not None and owner.user_id != user.id):
            checked.refused.append((str(event.id), "other_attempt"))
            continue
        if event.verb == "attempted":
            outcome = _check_start(session, user, event, owner, modules, attempts, started)
        else:
            attempt = attempt_for(event.registration)
            if isinstance(attempt, str):
                outcome = attempt
            elif event.verb == "answered":
                outcome = _regrade_answer(event, attempt)
            else:
                outcome = _recompute_end(event, attempt)
        if isinstance(outcome, str):
            checked.refused.append((str(event.id), outcome))
        else:
            checked.events.append(outcome)
    return checked


def _check_start(
    session: Session,
    user: User,
    event: NewEvent,
    owner: QuizAttempt | None,
    modules: Mapping[str, Module],
    attempts: dict[uuid.UUID, _Attempt],
    started: dict[str, int],
) -> NewEvent | str:
    if event.id != event.registration or event.object_type != "quiz":
        return "bad_attempt"
    if owner is not None or event.registration in attempts:
        return "duplicate_attempt"
    module = modules.get(event.module_id or "")
    if module is None or event.object_id != module.id or not can_read(user, module):
        return "unknown_module"
    quiz = quiz_for(session, module, event.module_version or "")
    if quiz is None:
        return "unknown_version"
    if opens_at_for(session, user, module.id, event.occurred_at) is not None:
        return "not_open"
    allowed = quiz.settings.attempts
    if allowed and attempts_used(session, user.id, module.id) + started.get(module.id, 0) >= allowed:
        return "attempt_limit"
    started[module.id] = started.get(module.id, 0) + 1
    ids = [q.id for q in quiz.questions]
    attempts[event.registration] = _Attempt(
        module=module, version=event.module_version, quiz=quiz, ids=ids, scores={}, is_open=True
    )
    # The questions asked are those of the version, whatever the laptop listed.
    return replace(event, context={"questions": ids})


def _regrade_answer(event: NewEvent, attempt: _Attempt) -> NewEvent | str:
    if not attempt.is_open:
        return "closed_attempt"
    if event.object_type != "question" or event.module_id != attempt.module.id or event.module_version != attempt.version:
        return "bad_attempt"
    prefix, _, question_id = event.object_id.partition("/")
    question = attempt.quiz.question(question_id) if prefix == attempt.module.id else None
    if question is None or question_id not in attempt.ids:
        return "unknown_question"
    if question_id in attempt.scores:
        return "duplicate_answer"
    claimed = event.result or {}
    try:
        result = grade(question, claimed.get("response"))
    except AnswerError:
        return "bad_answer"
    attempt.scores[question_id] = result.score
    return replace(event, result=_graded_payload(claimed, result.score, result.correct), context={"quiz": True})


def _recompute_end(event: NewEvent, attempt: _Attempt) -> NewEvent | str:
    if not attempt.is_open:
        return "closed_attempt"
    if event.module_id != attempt.module.id or event.object_id != attempt.module.id:
        return "bad_attempt"
    attempt.is_open = False
    total = len(attempt.ids) or 1
    score = sum(attempt.scores.get(qid, 0.0) for qid in attempt.ids) / total
    mastery = attempt.quiz.settings.mastery
    passed = score * 100 >= mastery - 1e-9
    claimed = _claim(event.result, verb=event.verb)
    return replace(
        event,
        verb="passed" if passed else "failed",
        object_type="quiz",
        module_version=attempt.version,
        result={"score": round(score, 4), "success": passed, "mastery": mastery, **claimed},
    )


def _regrade_activity(session: Session, event: NewEvent, modules: Mapping[str, Module]) -> NewEvent:
    """An activity's answer (practice, not scored): the server's grade, or none when it cannot grade."""
    claimed = event.result or {}
    question = _activity_question(session, modules.get(event.module_id or ""), event.module_version, event.object_id)
    result = None
    if question is not None and question.type != "scale":
        try:
            result = grade(question, claimed.get("response"))
        except AnswerError:
            result = None
    if result is None:
        payload = {"response": claimed.get("response"), **_claim(claimed)}
        if "duration" in claimed:
            payload["duration"] = _duration(claimed.get("duration"))
        return replace(event, result={k: v for k, v in payload.items() if v is not None})
    return replace(event, result=_graded_payload(claimed, result.score, result.correct))


def _activity_question(session: Session, module: Module | None, version: str | None, object_id: str) -> Question | None:
    if module is None or not version:
        return None
    prefix, _, question_id = object_id.partition("/")
    if prefix != module.id:
        return None
    if version == module.version:
        return module.activities.get(question_id)
    row = session.get(ModuleVersion, (module.id, version))
    for data in (row.snapshot.get("activities") or []) if row is not None else []:
        if isinstance(data, dict) and data.get("id") == question_id:
            return question_from_dict(data)
    return None


def _duration(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
        return None
    return round(min(max(float(raw), 0.0), MAX_DURATION_SECONDS), 1)


def _claim(result: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """What the laptop said the answer or attempt was worth, kept aside (never used)."""
    result = result or {}
    claim = {key: result[key] for key in ("score", "success") if key in result and isinstance(result[key], (int, float, bool))}
    claim.update(extra)
    return {"claimed": claim} if claim else {}


def _graded_payload(claimed: dict[str, Any], score: float, correct: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {"response": claimed.get("response"), "score": score, "success": correct}
    duration = _duration(claimed.get("duration"))
    if duration is not None:
        payload["duration"] = duration
    payload.update(_claim(claimed))
    return payload
