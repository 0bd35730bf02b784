"""Taking quizzes and activities: attempts, answers, results.

Every answer is graded here, on the server, and saved as its own learning
event. Event ids are derived from what makes an answer unique (the person,
the attempt and the question), so a double click, the back button or a
replayed form inserts nothing new: the database itself refuses the duplicate.

Events a laptop pushes go through :func:`check_pushed_events` first: the
laptop is believed for what the student did and when (the answer given),
never for what it is worth (docs/ARCHITECTURE.md, "Quiz attempts are
summaries of events").
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import User
from lycee_ia.content.module import Module
from lycee_ia.content.services import progress_row
from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, RecordedEvent, on_event, record_events, summary_row
from lycee_ia.quiz.grading import grade, stored_score
from lycee_ia.quiz.model import AnswerError, GradeResult, Question, QuizSettings
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.quiz.snapshot import question_from_dict, question_to_dict, settings_from_dict, settings_to_dict

# Namespace of the derived event ids (uuid5).
EVENT_NAMESPACE = uuid.UUID("5d3c8f1e-9a57-4b7e-8f0c-2a6b1d4e7c90")
MAX_DURATION_SECONDS = 3600


class QuizError(Exception):
    """A request the quiz cannot honour; ``message`` is French, ``status`` the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def derived_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, ":".join(str(p) for p in parts))


def attempt_event_id(user: User, attempt_id: uuid.UUID, part: str) -> uuid.UUID:
    """The id of an attempt's answer to ``part`` (a question id) or of its end (``"end"``).

    Derived from the person's global UUID as well as the attempt: knowing
    someone's attempt id is not enough to take the ids their answers will
    have. (Laptops of older releases send ids without the person; ids only
    serve to drop duplicates, so both recipes live side by side.)
    """
    return derived_id(user.uuid, attempt_id, part)


# --- content snapshots ---------------------------------------------------------------


def snapshot_of(module: Module) -> dict[str, Any]:
    return {
        "quiz": {
            "settings": settings_to_dict(module.quiz.settings),
            "questions": [question_to_dict(q) for q in module.quiz.questions],
        }
        if module.quiz
        else None,
        "activities": [question_to_dict(q) for q in module.activities.values()],
        "sections": [[s.id, s.title] for s in module.sections],
    }


def ensure_module_version(session: Session, module: Module) -> None:
    """Keep a snapshot of this module version (once; later calls change nothing)."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    session.execute(
        insert(ModuleVersion)
        .values(
            module_id=module.id,
            version=module.version,
            title=module.title,
            content_hash=module.content_hash,
            snapshot=snapshot_of(module),
            recorded_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["module_id", "version"])
    )


def ensure_module_versions(session: Session, modules: list[Module]) -> None:
    """Keep a snapshot of each of these module versions that has none yet (one query when all have one).

    The server records the versions it offers laptops: an attempt a laptop
    makes offline on one of them is graded on it, even after the server's
    content changed.
    """
    if not modules:
        return
    known = {
        (module_id, version)
        for module_id, version in session.execute(
            select(ModuleVersion.module_id, ModuleVersion.version).where(
                ModuleVersion.module_id.in_({m.id for m in modules})
            )
        )
    }
    for module in modules:
        if (module.id, module.version) not in known:
            ensure_module_version(session, module)


@dataclass(frozen=True)
class VersionedQuiz:
    settings: QuizSettings
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def quiz_for(session: Session, module: Module, version: str) -> VersionedQuiz | None:
    """The quiz as it was in ``version`` of the module."""
    if version == module.version:
        return VersionedQuiz(module.quiz.settings, module.quiz.questions) if module.quiz else None
    row = session.get(ModuleVersion, (module.id, version))
    if row is None or not row.snapshot.get("quiz"):
        return None
    quiz = row.snapshot["quiz"]
    return VersionedQuiz(
        settings_from_dict(quiz["settings"]), tuple(question_from_dict(q) for q in quiz["questions"])
    )


# --- presentation order ---------------------------------------------------------------


def display_order(question: Question, seed: str, shuffle: bool) -> dict[str, list]:
    """How to show a question's options: shuffled (per attempt) or as written.

    Ordering items are never shown in the right order; matching choices are
    always mixed: their order would give the answer away.
    """
    rng = random.Random(f"{seed}:{question.id}")
    choices = list(question.choices)
    if shuffle:
        rng.shuffle(choices)
    items = sorted(question.items, key=lambda item: item.id)
    rng.shuffle(items)
    if len(items) > 1 and [i.id for i in items] == [i.id for i in question.items]:
        items = items[1:] + items[:1]
    rights = sorted(question.right_choices, key=lambda item: item.id)
    rng.shuffle(rights)
    return {"choices": choices, "items": items, "right_choices": rights}


# --- attempts ---------------------------------------------------------------------------


def first_answers(*conditions: Any):
    """The quiz answers (``answered`` events) matching ``conditions``, ranked per attempt and question.

    A subquery: its rows with ``rank == 1`` are the first answer to each
    question of each attempt (an answer sent twice counts once). Readers of
    many students (item analysis, the student detail) go through it, so that
    a laptop that pushed the same answer a thousand times cannot swell them.
    """
    return (
        select(
            LearningEvent.user_id,
            LearningEvent.registration,
            LearningEvent.object_id,
            LearningEvent.module_version,
            LearningEvent.result,
            func.row_number()
            .over(
                partition_by=(LearningEvent.registration, LearningEvent.object_id),
                order_by=(LearningEvent.occurred_at, LearningEvent.id),
            )
            .label("rank"),
        )
        .where(LearningEvent.verb == "answered", *conditions)
        .subquery()
    )


def attempts_of(session: Session, user: User, module_id: str) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module_id)
            .order_by(QuizAttempt.started_at.desc())
        )
    )


def open_attempt(session: Session, user: User, module_id: str) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module_id, QuizAttempt.status == "open")
        .order_by(QuizAttempt.started_at.desc())
    )


def lock_attempts(session: Session, user_id: int) -> None:
    """Serialise the starts of attempts of one person until the transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the person's row, so that two
    workers starting an attempt at once count each other's. SQLite: every
    transaction already begins with ``BEGIN IMMEDIATE`` (one writer at a time).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


def attempts_used(session: Session, user_id: int, module_id: str) -> int:
    return session.scalar(
        select(func.count()).where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module_id)
    )


def limit_message(allowed: int) -> str:
    if allowed == 1:
        return "La seule tentative permise pour ce quiz est déjà utilisée."
    return f"Les {allowed} tentatives permises pour ce quiz sont déjà utilisées."


def opens_at_for(session: Session, user: User, module_id: str, now: datetime) -> datetime | None:
    """When a module assigned to ``user`` for later opens, if it is not open yet; None when open.

    A module the student was never given is open (the catalogue is free to
    read); one given to their class or group opens at its earliest
    assignment's ``opens_at``.
    """
    from lycee_ia.teaching.models import Assignment, Enrolment, GroupMember

    my_classes = select(Enrolment.class_id).where(Enrolment.user_id == user.id)
    my_groups = select(GroupMember.group_id).where(GroupMember.user_id == user.id)
    earliest = session.scalar(
        select(func.min(Assignment.opens_at)).where(
            Assignment.module_id == module_id,
            Assignment.class_id.in_(my_classes),
            or_(Assignment.group_id.is_(None), Assignment.group_id.in_(my_groups)),
        )
    )
    return earliest if earliest is not None and earliest > now else None


def start_attempt(session: Session, user: User, module: Module, now: datetime | None = None) -> QuizAttempt:
    """Resume the open attempt, or start a new one if the quiz allows it.

    The person's attempts are locked first (:func:`lock_attempts`): racing
    "Commencer" buttons on several workers start one attempt, never more than
    the limit.
    """
    if module.quiz is None:
        raise QuizError("Ce module n'a pas de quiz.", 404)
    now = now or utcnow()
    lock_attempts(session, user.id)
    current = open_attempt(session, user, module.id)
    if current is not None:
        return current
    opens_at = opens_at_for(session, user, module.id, now)
    if opens_at is not None:
        from lycee_ia.templating import format_datetime

        raise QuizError(f"Ce quiz n'est pas encore ouvert : il ouvre le {format_datetime(opens_at)}.", 403)
    allowed = module.quiz.settings.attempts
    if allowed and attempts_used(session, user.id, module.id) >= allowed:
        raise QuizError(limit_message(allowed), 403)
    ensure_module_version(session, module)
    attempt_id = uuid.uuid4()
    record_events(
        session,
        [
            NewEvent(
                id=attempt_id,
                registration=attempt_id,
                user_id=user.id,
                verb="attempted",
                object_type="quiz",
                object_id=module.id,
                module_id=module.id,
                module_version=module.version,
                context={"questions": [q.id for q in module.quiz.questions]},
                occurred_at=now,
            )
        ],
    )
    return session.get(QuizAttempt, attempt_id)


def get_attempt(
    session: Session, user: User, module: Module, attempt_id: str, for_update: bool = False
) -> QuizAttempt:
    """The attempt ``attempt_id`` of ``user`` in ``module``; QuizError 404/403 otherwise.

    ``for_update`` locks the row (PostgreSQL) so that two answers of one
    attempt are recorded one after the other.
    """
    try:
        key = uuid.UUID(attempt_id)
    except ValueError:
        raise QuizError("Cette tentative n'existe pas.", 404) from None
    attempt = session.get(QuizAttempt, key, with_for_update=for_update)
    if attempt is None or attempt.module_id != module.id:
        raise QuizError("Cette tentative n'existe pas.", 404)
    if attempt.user_id != user.id:
        raise QuizError("Cette tentative n'est pas la vôtre.", 403)
    return attempt


@dataclass(frozen=True)
class AnswerOutcome:
    result: GradeResult
    recorded: bool  # False when this answer had already been given
    finished: bool  # the attempt ended with this answer


def answer_in_attempt(
    session: Session,
    user: User,
    module: Module,
    attempt: QuizAttempt,
    question_id: str,
    answer: Any,
    duration: float | None = None,
    now: datetime | None = None,
) -> AnswerOutcome:
    """Grade and record one answer of an attempt; end the attempt after its last question."""
    now = now or utcnow()
    if attempt.user_id != user.id:
        raise QuizError("Cette tentative n'est pas la vôtre.", 403)
    quiz = quiz_for(session, module, attempt.module_version)
    question = quiz.question(question_id) if quiz else None
    if question is None or question_id not in attempt.ids:
        raise QuizError("Cette question ne fait pas partie de ce quiz.", 400)
    if question_id in attempt.answers:
        # Already answered (double click, back button, replay): nothing new.
        return AnswerOutcome(grade_stored(session, attempt, question), recorded=False, finished=not attempt.is_open)
    if not attempt.is_open:
        raise QuizError("Cette tentative est terminée : commencez-en une nouvelle.", 403)
    result = grade(question, answer)  # AnswerError propagates: nothing recorded
    event = NewEvent(
        id=attempt_event_id(user, attempt.id, question_id),
        registration=attempt.id,
        user_id=user.id,
        verb="answered",
        object_type="question",
        object_id=f"{module.id}/{question_id}",
        module_id=module.id,
        module_version=attempt.module_version,
        result=_result_payload(answer, result, duration),
        context={"quiz": True},
        occurred_at=now,
    )
    new = record_events(session, [event])
    if not new and not _is_own_event(session, event):
        # The derived id is taken by an event that is not this answer (put
        # there to swallow it): the answer still counts, under a random id.
        new = record_events(session, [dataclasses.replace(event, id=uuid.uuid4())])
    finished = False
    if new and attempt.next_question_id() is None:
        finish_attempt(session, user, module, attempt, quiz, now)
        finished = True
    return AnswerOutcome(result, recorded=bool(new), finished=finished)


def _is_own_event(session: Session, event: NewEvent) -> bool:
    """Is the stored event of ``event.id`` this person's event of this attempt and object (an answer sent twice)?"""
    stored = session.get(LearningEvent, event.id)
    return (
        stored is not None
        and stored.user_id == event.user_id
        and stored.registration == event.registration
        and stored.object_id == event.object_id
    )


def _result_payload(answer: Any, result: GradeResult, duration: float | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"response": answer, "score": result.score, "success": result.correct}
    if duration is not None:
        payload["duration"] = round(min(max(duration, 0.0), MAX_DURATION_SECONDS), 1)
    return payload


def finish_attempt(
    session: Session, user: User, module: Module, attempt: QuizAttempt, quiz: VersionedQuiz, now: datetime
) -> None:
    total = len(attempt.ids) or 1
    score = sum(stored_score(a) for a in attempt.answers.values()) / total
    passed = score * 100 >= quiz.settings.mastery - 1e-9
    event = NewEvent(
        id=attempt_event_id(user, attempt.id, "end"),
        registration=attempt.id,
        user_id=user.id,
        verb="passed" if passed else "failed",
        object_type="quiz",
        object_id=module.id,
        module_id=module.id,
        module_version=attempt.module_version,
        result={"score": round(score, 4), "success": passed, "mastery": quiz.settings.mastery},
        occurred_at=now,
    )
    if not record_events(session, [event]) and not _is_own_event(session, event):
        # The derived id is taken by someone else's event: end the attempt all the same.
        record_events(session, [dataclasses.replace(event, id=uuid.uuid4())])


def close_if_complete(session: Session, user: User, module: Module, attempt: QuizAttempt) -> None:
    """End an attempt whose every question has an answer but no end event yet."""
    if attempt.is_open and attempt.ids and attempt.next_question_id() is None:
        quiz = quiz_for(session, module, attempt.module_version)
        if quiz is not None:
            finish_attempt(session, user, module, attempt, quiz, utcnow())


def answers_of(session: Session, attempt: QuizAttempt) -> dict[str, LearningEvent]:
    """The answered events of an attempt, by question id."""
    events = session.scalars(
        select(LearningEvent)
        .where(
            LearningEvent.registration == attempt.id,
            LearningEvent.user_id == attempt.user_id,
            LearningEvent.verb == "answered",
        )
        .order_by(LearningEvent.occurred_at.desc())
    )
    # The first answer to a question wins, as in the attempt's summary.
    return {event.object_id.split("/", 1)[-1]: event for event in events}


def stored_answer(session: Session, attempt: QuizAttempt, question: Question) -> LearningEvent | None:
    """The attempt owner's ``answered`` event for ``question``, whatever recipe made its id."""
    return session.scalar(
        select(LearningEvent)
        .where(
            LearningEvent.registration == attempt.id,
            LearningEvent.user_id == attempt.user_id,
            LearningEvent.verb == "answered",
            LearningEvent.object_id == f"{attempt.module_id}/{question.id}",
        )
        .order_by(LearningEvent.occurred_at)
        .limit(1)
    )


def grade_stored(session: Session, attempt: QuizAttempt, question: Question) -> GradeResult:
    """Grade again the answer stored for ``question`` (to show its feedback)."""
    event = stored_answer(session, attempt, question)
    if event is None:
        raise QuizError("Cette question n'a pas encore de réponse.", 404)
    try:
        return grade(question, (event.result or {}).get("response"))
    except AnswerError:
        raise QuizError("La réponse enregistrée pour cette question est illisible.", 404) from None


# --- activities inside sections --------------------------------------------------------------


def answer_activity(
    session: Session, user: User, module: Module, question: Question, answer: Any, nonce: str, now: datetime | None = None
) -> tuple[RecordedEvent | None, GradeResult | None]:
    """Record an answer to an activity (practice, not scored). One event per rendered form."""
    ensure_module_version(session, module)
    result = None if question.type == "scale" else grade(question, answer)
    payload = {"response": answer} if result is None else _result_payload(answer, result, None)
    new = record_events(
        session,
        [
            NewEvent(
                id=derived_id(user.id, module.id, question.id, nonce),
                user_id=user.id,
                verb="answered",
                object_type="question",
                object_id=f"{module.id}/{question.id}",
                module_id=module.id,
                module_version=module.version,
                result=payload,
                context={"activity": True},
                occurred_at=now or utcnow(),
            )
        ],
    )
    return (new[0] if new else None), result


# --- summaries kept by listeners ---------------------------------------------------------------


def _attempt_row(session: Session, event: RecordedEvent) -> QuizAttempt | None:
    """The attempt an event belongs to; None when it names none, or one of another person."""
    if event.registration is None or not event.module_id:
        return None
    row = summary_row(
        session,
        QuizAttempt,
        event.registration,
        lambda: QuizAttempt(
            id=event.registration,
            user_id=event.user_id,
            module_id=event.module_id,
            module_version=event.module_version or "",
            started_at=event.occurred_at,
            status="open",
            question_ids={"ids": []},
            answers={},
        ),
    )
    if row.user_id != event.user_id or row.module_id != event.module_id:
        return None
    return row


@on_event("attempted")
def _on_attempted(session: Session, event: RecordedEvent) -> None:
    row = _attempt_row(session, event)
    if row is None:
        return
    row.started_at = min(row.started_at, event.occurred_at)
    row.question_ids = {"ids": list((event.context or {}).get("questions", []))}


@on_event("answered")
def _on_answered(session: Session, event: RecordedEvent) -> None:
    if not (event.context or {}).get("quiz"):
        return
    row = _attempt_row(session, event)
    if row is None:
        return
    question_id = event.object_id.split("/", 1)[-1]
    if row.is_open and question_id not in row.answers:
        result = event.result if isinstance(event.result, dict) else {}
        row.answers = {**row.answers, question_id: {"score": stored_score(result), "correct": result.get("success") is True}}


@on_event("passed", "failed")
def _on_attempt_end(session: Session, event: RecordedEvent) -> None:
    if event.object_type != "quiz":
        return
    row = _attempt_row(session, event)
    if row is None or row.status != "open":
        return
    row.status = event.verb
    row.finished_at = event.occurred_at
    row.score = stored_score(event.result) if isinstance(event.result, dict) and "score" in event.result else None
    progress = progress_row(session, event)
    progress.quiz_attempts = (progress.quiz_attempts or 0) + 1
    if event.verb == "failed":
        progress.quiz_failures = (progress.quiz_failures or 0) + 1
    elif progress.quiz_passed_at is None or event.occurred_at < progress.quiz_passed_at:
        progress.quiz_passed_at = event.occurred_at
    if row.score is not None and (progress.quiz_best_score is None or row.score > progress.quiz_best_score):
        progress.quiz_best_score = row.score
    progress.last_quiz_at = max(progress.last_quiz_at or event.occurred_at, event.occurred_at)
    progress.last_activity_at = max(progress.last_activity_at, event.occurred_at)
