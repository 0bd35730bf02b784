"""Where a student stands in a module: five states, from the ModuleProgress summary only.

===============  =====================================================================
state            rule (first that applies)
===============  =====================================================================
``not_started``  no summary row: not one section read, no quiz finished
``mastered``     the quiz was passed (a finished attempt at or above the module's
                 mastery threshold) **and** every section was read (``completed_at``);
                 for a module without a quiz: every section read
``quiz_passed``  the quiz was passed, but some sections were never opened
``quiz_failed``  at least one attempt finished, none passed
``quiz_started`` no quiz attempt finished, none passed, but one is open: the
                 student began the quiz and has not handed it in (the summary row
                 does not know it: the callers look at the open attempts)
``reading``      sections read, no quiz attempt finished yet
===============  =====================================================================

An assignment is *done* in the states ``quiz_passed`` and ``mastered``: passing
the quiz is the evidence of learning the teacher asked for; reading every
section as well is what makes it mastered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

STATES = ("not_started", "reading", "quiz_started", "quiz_failed", "quiz_passed", "mastered")
DONE_STATES = frozenset({"quiz_passed", "mastered"})
# Text and a symbol for each state: colour is never the only sign.
LABELS = {
    "not_started": "Pas commencé",
    "reading": "Lecture en cours",
    "quiz_started": "Quiz commencé",
    "quiz_failed": "Quiz non réussi",
    "quiz_passed": "Quiz réussi",
    "mastered": "Maîtrisé",
}
SHORT_LABELS = {
    "not_started": "Pas commencé",
    "reading": "En lecture",
    "quiz_started": "Quiz commencé",
    "quiz_failed": "Non réussi",
    "quiz_passed": "Réussi",
    "mastered": "Maîtrisé",
}
SYMBOLS = {"not_started": "○", "reading": "◔", "quiz_started": "◑", "quiz_failed": "✗", "quiz_passed": "✓", "mastered": "★"}
# For sorting a column: the further along, the higher.
RANKS = {state: rank for rank, state in enumerate(STATES)}


def state_from(completed: bool, quiz_attempts: int, quiz_passed: bool, has_quiz: bool = True) -> str:
    """The state of a (student, module) that has a summary row, from what the rules need.

    ``completed``: every section read; ``quiz_passed``: a passing attempt exists.
    """
    if quiz_passed:
        return "mastered" if completed else "quiz_passed"
    if not has_quiz and completed:
        return "mastered"
    if quiz_attempts:
        return "quiz_failed"
    return "reading"


def with_open_quiz(state: str, quiz_open: bool) -> str:
    """A quiz begun and not handed in shows as « Quiz commencé » rather than as reading."""
    if quiz_open and state in ("not_started", "reading"):
        return "quiz_started"
    return state


def state_of(row: Any | None, has_quiz: bool = True) -> str:
    """The state of one (student, module) from its summary row (or None when there is none).

    ``row`` needs ``completed_at``, ``quiz_attempts`` and ``quiz_passed_at``:
    a ModuleProgress or a result row of those columns.
    """
    if row is None:
        return "not_started"
    return state_from(row.completed_at is not None, row.quiz_attempts, row.quiz_passed_at is not None, has_quiz)


def due_for(opens_at: datetime, due_at: datetime | None, enrolled_at: datetime | None) -> datetime | None:
    """When an assignment is due for one student.

    A student who joined the class after the assignment opened gets the time
    the class had, counted from the day they joined: they are not late for
    work that was due before they arrived. The date moves by whole days (a
    student enrolled a few hours after the opening keeps the class's date, at
    the class's hour).
    """
    if due_at is None or enrolled_at is None or enrolled_at <= opens_at:
        return due_at
    return due_at + timedelta(days=(enrolled_at - opens_at).days)
