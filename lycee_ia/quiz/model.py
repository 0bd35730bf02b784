"""Questions as data: what an author wrote, without Flask or a database.

Text fields hold Markdown as written. The content renderer turns them into
sanitised HTML with :meth:`Question.map_text`; grading never looks at HTML.
Option, item and pair ids never reveal the answer: choice options are
lettered in the order written, ordering items and matching choices get opaque
ids derived from the question id and their text.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "ordering", "matching")
# Not graded: a self-assessment on a scale (staff modules, training paths).
# Allowed among a module's activities, never in a quiz.
SELF_ASSESSMENT_TYPES = ("scale",)
QuestionType = Literal["single", "multiple", "truefalse", "short", "numeric", "ordering", "matching", "scale"]
REVEAL_MODES = ("after_answer", "after_attempt", "never")


def opaque_id(*parts: str) -> str:
    """A short id that depends on ``parts`` but says nothing about position or truth."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Choice:
    """An option of a ``single`` or ``multiple`` question."""

    id: str
    text: str
    correct: bool = False
    # Weight in [-1, 1]; None means the default (see grading).
    score: float | None = None
    feedback: str | None = None


@dataclass(frozen=True)
class Anticipated:
    """A foreseen wrong answer of a ``short`` or ``numeric`` question, with its feedback."""

    text: str | None = None  # short
    value: float | None = None  # numeric
    feedback: str = ""
    # Partial credit in [0, 1) for a ``short`` answer that is nearly right
    # (GIFT banks have them: ``=%50%Marseille``); 0 for a plain wrong answer.
    score: float = 0.0


@dataclass(frozen=True)
class NumericAnswer:
    """An accepted numeric answer: ``value`` ± ``tolerance``, or ``minimum``..``maximum``."""

    value: float | None = None
    tolerance: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    score: float = 1.0
    feedback: str | None = None

    def accepts(self, number: float) -> bool:
        if self.minimum is not None and self.maximum is not None:
            return self.minimum <= number <= self.maximum
        assert self.value is not None
        return abs(number - self.value) <= self.tolerance + 1e-9


@dataclass(frozen=True)
class Item:
    """An item of an ``ordering`` question, or a left element of a ``matching`` one."""

    id: str
    text: str


@dataclass(frozen=True)
class Pair:
    left: Item
    right_id: str  # the id of the right-hand choice that goes with it


@dataclass(frozen=True)
class Question:
    """A question of any type. Fields that do not apply to a type stay empty."""

    id: str
    type: QuestionType
    stem: str
    explanation: str = ""
    source: str | None = None
    title: str | None = None  # GIFT titles; not shown to students
    tags: tuple[str, ...] = ()
    # single, multiple
    choices: tuple[Choice, ...] = ()
    # truefalse
    answer: bool | None = None
    feedback_true: str | None = None  # shown to whoever answers "true"
    feedback_false: str | None = None
    # short
    accepted: tuple[str, ...] = ()
    # numeric
    numeric_answers: tuple[NumericAnswer, ...] = ()
    # short, numeric
    anticipated: tuple[Anticipated, ...] = ()
    # ordering: items in the right order
    items: tuple[Item, ...] = ()
    # matching: left elements with their right partner; right_choices holds
    # every right-hand choice (partners and distractors) as Items
    pairs: tuple[Pair, ...] = ()
    right_choices: tuple[Item, ...] = ()
    # scale: the labels of the steps, from the lowest to the highest
    scale: tuple[str, ...] = ()
    # every type but single/multiple/truefalse; optional for those
    feedback_correct: str | None = None
    feedback_incorrect: str | None = None
    # 1-based line of the question in its file, for messages
    line: int = 0

    def map_text(self, transform: Callable[[str], str]) -> Question:
        """A copy with every author-written text passed through ``transform``."""

        def opt(text: str | None) -> str | None:
            return None if text is None else transform(text)

        return dataclasses.replace(
            self,
            stem=transform(self.stem),
            explanation=transform(self.explanation) if self.explanation else "",
            choices=tuple(
                dataclasses.replace(c, text=transform(c.text), feedback=opt(c.feedback)) for c in self.choices
            ),
            feedback_true=opt(self.feedback_true),
            feedback_false=opt(self.feedback_false),
            numeric_answers=tuple(dataclasses.replace(a, feedback=opt(a.feedback)) for a in self.numeric_answers),
            anticipated=tuple(dataclasses.replace(a, feedback=transform(a.feedback)) for a in self.anticipated),
            items=tuple(dataclasses.replace(i, text=transform(i.text)) for i in self.items),
            pairs=tuple(
                dataclasses.replace(p, left=dataclasses.replace(p.left, text=transform(p.left.text)))
                for p in self.pairs
            ),
            right_choices=tuple(dataclasses.replace(i, text=transform(i.text)) for i in self.right_choices),
            scale=tuple(transform(step) for step in self.scale),
            feedback_correct=opt(self.feedback_correct),
            feedback_incorrect=opt(self.feedback_incorrect),
        )


@dataclass(frozen=True)
class QuizSettings:
    mastery: int = 80  # percent
    attempts: int = 0  # 0 = unlimited
    shuffle: bool = True
    reveal: str = "after_answer"


@dataclass(frozen=True)
class GradeResult:
    """The outcome of grading one answer."""

    score: float  # in [0, 1]
    correct: bool
    feedback: tuple[str, ...] = field(default=())  # texts to show, in order


class AnswerError(ValueError):
    """An answer that does not fit its question (wrong shape, unknown option...)."""


class NotGradable(TypeError):
    """Grading was asked for a question that has no right answer (``scale``).

    A programming error, not a bad answer: it is not an :class:`AnswerError`,
    so a view that turns AnswerError into a 400 does not hide it.
    """
