"""Real learning activity for the teaching tests, made through the content and quiz services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from lycee_ia.accounts.models import User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.module import Module
from lycee_ia.content.services import record_section_view
from lycee_ia.db import utcnow
from lycee_ia.quiz.grading import correct_answer
from lycee_ia.quiz.models import QuizAttempt
from lycee_ia.quiz.services import answer_in_attempt, start_attempt

RIGHT = object()


def module(module_id: str) -> Module:
    return get_catalogue().modules[module_id]


def choice(module_id: str, question_id: str, text: str) -> str:
    """The opaque id of the choice whose text is ``text``."""
    question = module(module_id).question(question_id)
    return next(c.id for c in question.choices if Markup(c.text).striptags() == text)


def read(session, user: User, module_id: str, sections: int | None = None, when: datetime | None = None) -> None:
    m = module(module_id)
    when = when or utcnow() - timedelta(hours=2)
    for number, section in enumerate(m.sections[: sections if sections is not None else len(m.sections)]):
        record_section_view(session, user, m, section, now=when + timedelta(minutes=number))


def take_quiz(
    session, user: User, module_id: str, answers: dict[str, Any] | None = None, when: datetime | None = None, duration: float = 20
) -> QuizAttempt:
    """One whole attempt: every question right unless ``answers`` says otherwise."""
    m = module(module_id)
    when = when or utcnow() - timedelta(hours=1)
    attempt = start_attempt(session, user, m, now=when)
    for number, question_id in enumerate(attempt.ids, start=1):
        question = m.question(question_id)
        answer = (answers or {}).get(question_id, RIGHT)
        if answer is RIGHT:
            answer = correct_answer(question)
        answer_in_attempt(session, user, m, attempt, question_id, answer, duration=duration, now=when + timedelta(seconds=30 * number))
    return attempt
