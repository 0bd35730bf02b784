"""Reading a stored answer without trusting it.

The event log holds what laptops sent, and rows written before the wire
format was typed may hold anything (a score of "beaucoup", NaN, a nested list
as a response). Pages that read answers go through :func:`read_answer`: a row
that does not fit is shown as « réponse illisible » and left out of the
figures, never a 500.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lycee_ia.quiz.grading import check_answer
from lycee_ia.quiz.model import AnswerError, Question

UNREADABLE = "réponse illisible"


@dataclass(frozen=True)
class StoredAnswer:
    response: Any
    score: float
    success: bool
    duration: float | None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def read_answer(result: Any, question: Question | None) -> StoredAnswer | None:
    """The answer in an ``answered`` event's result, checked; None when it is unreadable.

    With ``question``, the response must have that question's shape. A missing
    score or success counts as 0 and False, as the pages always did.
    """
    if not isinstance(result, dict) or "response" not in result:
        return None
    response = result["response"]
    if question is not None:
        try:
            response = check_answer(question, response)
        except AnswerError:
            return None
        except Exception:  # noqa: BLE001 - a stored row must never break a page
            return None
    score = _number(result.get("score", 0.0)) if result.get("score") is not None else 0.0
    if score is None or not 0 <= score <= 1:
        return None
    success = result.get("success", False)
    if success is None:
        success = False
    if not isinstance(success, bool):
        return None
    duration = _number(result.get("duration"))
    if duration is not None and duration < 0:
        duration = None
    return StoredAnswer(response=response, score=score, success=success, duration=duration)


def readable_score(value: Any) -> float | None:
    """A stored quiz score (0 to 1), or None when it is missing or not a number."""
    number = _number(value)
    return number if number is not None and 0 <= number <= 1 else None


def snapshot_questions(snapshot: Any) -> dict[str, Question]:
    """The quiz questions of a stored module version; those that cannot be read are left out."""
    from lycee_ia.quiz.snapshot import question_from_dict

    quiz = snapshot.get("quiz") if isinstance(snapshot, dict) else None
    items = quiz.get("questions") if isinstance(quiz, dict) else None
    found: dict[str, Question] = {}
    for data in items if isinstance(items, list) else []:
        try:
            question = question_from_dict(data)
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
        found[question.id] = question
    return found


def attempt_question_ids(attempt: Any) -> list[str]:
    """The question ids an attempt was given, in order; [] when the stored list is unreadable."""
    stored = attempt.question_ids
    ids = stored.get("ids") if isinstance(stored, dict) else None
    if not isinstance(ids, list):
        return []
    return [qid for qid in ids if isinstance(qid, str)]
