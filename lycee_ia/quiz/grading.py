"""Grading: a pure function of a question and an answer, with no Flask and no database.

Answers have one canonical shape per question type, JSON-serialisable so that
a learning event can store them and the grade can be computed again later:

============  ==============================================================
type          canonical answer
============  ==============================================================
single        ``str``: the chosen choice id
multiple      ``list[str]``: the chosen choice ids, in any order (may be empty)
truefalse     ``bool``
short         ``str``: the text as typed
numeric       ``str``: the number as typed ("3,14", "3.14", "-2", "1 500")
ordering      ``list[str]``: every item id, in the order the student chose
matching      ``dict[str, str]``: left item id -> right choice id, for every left item
scale         ``int``: the step index, 0 for the first label (never graded)
============  ==============================================================

:func:`answer_from_form` turns a submitted HTML form into that shape,
:func:`check_answer` checks a value of unknown origin (a replayed event, a JSON
request), :func:`grade` scores it and :func:`correct_answer` builds the key.
Anything that does not fit raises :class:`AnswerError` with a French message
that can be shown to the student; nothing else is ever raised for a bad answer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol, Union

from lycee_ia.quiz.model import AnswerError, Choice, GradeResult, NotGradable, Question

Answer = Union[str, bool, int, list[str], dict[str, str]]

# Longer than any honest answer; keeps a tampered request from costing much.
MAX_ANSWER_LENGTH = 1000
# Tolerance for comparing scores made of sums of floats (1/3 + 1/3 + 1/3).
EPSILON = 1e-9


class FormLike(Protocol):
    """What :func:`answer_from_form` needs from a form: werkzeug's MultiDict has it."""

    def getlist(self, key: str) -> list[Any]: ...


# --- numbers -------------------------------------------------------------------

# Spaces that French writers (and word processors) put between thousands.
_THOUSANDS_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_NUMBER_RE = re.compile(
    r"""
    [+-]?
    (?:
        (?:\d{1,3}(?:\ \d{3})+|\d+)(?:[.,]\d+)?   # 1 500,25  or  3.14  or  42
        |[.,]\d+                                 # ,5
    )
    (?:[eE][+-]?\d+)?                            # 1,5e3
    """,
    re.VERBOSE | re.ASCII,  # \d: 0-9 only, not every script's digits
)


# Messages of AnswerError say « tu » (students are most of the readers);
# formal() gives staff the same message with « vous ».
_FORMAL = (
    (re.compile(r"\bÉcris ta\b"), "Écrivez votre"),
    (re.compile(r"\bÉcris\b"), "Écrivez"),
    (re.compile(r"\bécris\b"), "écrivez"),
    (re.compile(r"\bAssocie\b"), "Associez"),
    (re.compile(r"\bChoisis\b"), "Choisissez"),
)


def formal(message: str) -> str:
    """An AnswerError message in the « vous » form, for staff."""
    for pattern, replacement in _FORMAL:
        message = pattern.sub(replacement, message)
    return message


def parse_number(text: str) -> float:
    """Read a number as a French student types it: "3,14", "3.14", "-2", " 1 500 ".

    Spaces (plain, non-breaking, narrow) may separate thousands; the decimal
    separator is a comma or a point; the typographic minus "−" is a minus.
    Raises :class:`AnswerError` for anything else, and for infinities.
    """
    if not isinstance(text, str):
        raise AnswerError("La réponse doit être un nombre.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerError("Réponse trop longue : écris seulement le nombre.")
    cleaned = text.translate(_THOUSANDS_SPACES).replace("\u2212", "-").strip()
    if not cleaned:
        raise AnswerError("Écris un nombre avant de valider.")
    if not _NUMBER_RE.fullmatch(cleaned):
        raise AnswerError(
            f"« {text.strip()[:40]} » n'est pas un nombre : écris par exemple 3,14 ou -2 (sans unité)."
        )
    value = float(cleaned.replace(" ", "").replace(",", "."))
    if not math.isfinite(value):
        raise AnswerError("Ce nombre est trop grand.")
    return value


def format_number(value: float) -> str:
    """A number written the French way, as short as exact: 1.5 -> "1,5", 1822.0 -> "1822"."""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


# --- short answers ---------------------------------------------------------------

_TYPOGRAPHIC = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u0153": "oe", "\u00e6": "ae",
})
# Punctuation a student may add around a word ("Paris.", « Paris ») without
# meaning something else. Signs that can carry meaning (+, #, -, %) stay.
_SURROUNDING = " \t\n.,;:!?…'\"()[]"


def normalize_text(text: str) -> str:
    """The form in which short answers are compared.

    Case, accents, repeated spaces, typographic quotes and apostrophes, the
    ligatures œ and æ, and punctuation around the answer do not count.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = without_accents.translate(_TYPOGRAPHIC)
    return " ".join(plain.split()).strip(_SURROUNDING)


# --- weights of choices ------------------------------------------------------------

def choice_weight(question: Question, choice: Choice) -> float:
    """What picking ``choice`` is worth, before clamping the total to [0, 1].

    ``single``: the correct choice 1, a wrong one 0, unless ``score`` says
    otherwise. ``multiple``: each correct choice 1/n (n correct choices), each
    wrong one -1/n, unless ``score`` says otherwise.
    """
    if choice.score is not None:
        return choice.score
    if question.type == "multiple":
        share = 1 / max(1, sum(1 for c in question.choices if c.correct))
        return share if choice.correct else -share
    return 1.0 if choice.correct else 0.0


# --- checking canonical answers -------------------------------------------------------

def _check_length(text: str) -> None:
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerError(f"Réponse trop longue ({MAX_ANSWER_LENGTH} caractères au plus).")


def _choice_ids(question: Question) -> tuple[str, ...]:
    return tuple(choice.id for choice in question.choices)


def _string_list(answer: object) -> list[str]:
    if not isinstance(answer, (list, tuple)) or not all(isinstance(x, str) for x in answer):
        raise AnswerError("Réponse mal formée : une liste de choix est attendue.")
    if len(answer) > MAX_ANSWER_LENGTH:
        raise AnswerError("Réponse mal formée : trop d'éléments.")
    return list(answer)


def check_answer(question: Question, answer: object) -> Answer:
    """Check that ``answer`` has the canonical shape for ``question``; return it normalised.

    Normalised means: ``multiple`` ids in the order the choices are written.
    Raises :class:`AnswerError` (never anything else) when it does not fit.
    """
    kind = question.type
    if kind == "single":
        if not isinstance(answer, str):
            raise AnswerError("Réponse mal formée : un choix est attendu.")
        if answer not in _choice_ids(question):
            raise AnswerError("Ce choix ne fait pas partie de la question.")
        return answer
    if kind == "multiple":
        picked = _string_list(answer)
        if len(set(picked)) != len(picked):
            raise AnswerError("Réponse mal formée : un choix est donné deux fois.")
        ids = _choice_ids(question)
        if any(choice_id not in ids for choice_id in picked):
            raise AnswerError("Un des choix ne fait pas partie de la question.")
        return [choice_id for choice_id in ids if choice_id in picked]
    if kind == "truefalse":
        if not isinstance(answer, bool):
            raise AnswerError("Réponse mal formée : vrai ou faux est attendu.")
        return answer
    if kind == "short":
        if not isinstance(answer, str):
            raise AnswerError("Réponse mal formée : un texte est attendu.")
        _check_length(answer)
        if not answer.strip():
            raise AnswerError("Écris ta réponse avant de valider.")
        return answer
    if kind == "numeric":
        if not isinstance(answer, str):
            raise AnswerError("Réponse mal formée : un nombre écrit en texte est attendu.")
        parse_number(answer)
        return answer
    if kind == "ordering":
        order = _string_list(answer)
        if sorted(order) != sorted(item.id for item in question.items):
            raise AnswerError(_positions_message(len(question.items)))
        return order
    if kind == "matching":
        if not isinstance(answer, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answer.items()
        ):
            raise AnswerError("Réponse mal formée : une association par élément est attendue.")
        lefts = {pair.left.id for pair in question.pairs}
        rights = {choice.id for choice in question.right_choices}
        if set(answer) != lefts:
            raise AnswerError("Associe chaque élément à un choix.")
        if any(right not in rights for right in answer.values()):
            raise AnswerError("Un des choix ne fait pas partie de la question.")
        return {pair.left.id: answer[pair.left.id] for pair in question.pairs}
    if kind == "scale":
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(question.scale):
            raise AnswerError("Choisis un des niveaux de l'échelle.")
        return answer
    raise AnswerError("Type de question inconnu.")


def _positions_message(count: int) -> str:
    return f"Chaque position, de 1 à {count}, doit être utilisée une fois et une seule."


# --- from an HTML form ------------------------------------------------------------------

def _values(form: FormLike | Mapping[str, Any], name: str) -> list[Any]:
    if hasattr(form, "getlist"):
        return list(form.getlist(name))
    value = form.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _one_value(form: FormLike | Mapping[str, Any], name: str, missing: str) -> str:
    values = _values(form, name)
    if not values or (len(values) == 1 and isinstance(values[0], str) and not values[0].strip()):
        raise AnswerError(missing)
    if len(values) > 1:
        raise AnswerError("Une seule réponse est attendue.")
    value = values[0]
    if not isinstance(value, str):
        raise AnswerError("Réponse mal formée.")
    _check_length(value)
    return value


# ASCII digits only: str.isdigit() accepts "²", which int() refuses.
_POSITION_RE = re.compile(r"[0-9]{1,3}")


def answer_from_form(question: Question, form: FormLike | Mapping[str, Any]) -> Answer:
    """The canonical answer from a submitted form (the HTML contract of quiz pages).

    Fields: ``answer`` (single, truefalse "true"/"false", short, numeric, scale
    step index "0".."n-1"); ``answer`` repeated, zero or more times
    (multiple); ``position-<item id>`` = "1".."n" for every item (ordering);
    ``match-<left item id>`` = a right choice id for every left item (matching).
    Raises :class:`AnswerError` with a message for the student.
    """
    kind = question.type
    if kind == "single":
        return check_answer(question, _one_value(form, "answer", "Choisis une réponse avant de valider."))
    if kind == "multiple":
        picked = _values(form, "answer")
        if not all(isinstance(value, str) for value in picked):
            raise AnswerError("Réponse mal formée.")
        return check_answer(question, picked)
    if kind == "truefalse":
        value = _one_value(form, "answer", "Choisis vrai ou faux avant de valider.")
        if value not in ("true", "false"):
            raise AnswerError("Réponse mal formée : vrai ou faux est attendu.")
        return value == "true"
    if kind in ("short", "numeric"):
        missing = "Écris un nombre avant de valider." if kind == "numeric" else "Écris ta réponse avant de valider."
        return check_answer(question, _one_value(form, "answer", missing))
    if kind == "ordering":
        count = len(question.items)
        by_position: dict[int, str] = {}
        for item in question.items:
            values = _values(form, f"position-{item.id}")
            raw = values[0] if len(values) == 1 else None
            if not isinstance(raw, str) or not _POSITION_RE.fullmatch(raw.strip()):
                raise AnswerError(_positions_message(count))
            position = int(raw)
            if not 1 <= position <= count or position in by_position:
                raise AnswerError(_positions_message(count))
            by_position[position] = item.id
        return [by_position[position] for position in range(1, count + 1)]
    if kind == "matching":
        matches = {
            pair.left.id: _one_value(form, f"match-{pair.left.id}", "Associe chaque élément à un choix.")
            for pair in question.pairs
        }
        return check_answer(question, matches)
    if kind == "scale":
        value = _one_value(form, "answer", "Choisis un niveau avant de valider.")
        if not _POSITION_RE.fullmatch(value.strip()):
            raise AnswerError("Choisis un des niveaux de l'échelle.")
        return check_answer(question, int(value))
    raise AnswerError("Type de question inconnu.")


# --- grading -----------------------------------------------------------------------------

def _clamp(score: float) -> float:
    return min(1.0, max(0.0, score))


def _texts(*texts: str | None) -> tuple[str, ...]:
    return tuple(text for text in texts if text)


def _outcome(question: Question, correct: bool) -> str | None:
    return question.feedback_correct if correct else question.feedback_incorrect


def grade(question: Question, answer: object) -> GradeResult:
    """Score ``answer`` to ``question``: a score in [0, 1], whether it is right, what to show.

    Rules, by type:

    - single: the chosen choice's weight (see :func:`choice_weight`), clamped;
      feedback: that choice's, then the question's feedback for the outcome.
    - multiple: the sum of the chosen choices' weights, clamped; right only if
      exactly the correct choices are picked (then the score is 1); feedback:
      the chosen choices' in written order, then the outcome's.
    - truefalse: 1 or 0; feedback: the one written for the answer given.
    - short: compared after :func:`normalize_text`; accepted: 1; an anticipated
      answer: its score (0 unless set) and its feedback; otherwise
      ``feedback_incorrect``.
    - numeric: the best score among the accepted answers that contain the
      value, else an anticipated value's feedback, else 0; right if the score is 1.
    - ordering: the share of items at their place; matching: the share of
      left items matched right.
    - scale raises :class:`NotGradable`.

    Raises :class:`AnswerError` when the answer does not fit the question.
    """
    if question.type == "scale":
        raise NotGradable(f"la question « {question.id} » (scale) n'est pas notée")
    answer = check_answer(question, answer)
    kind = question.type
    if kind == "single":
        choice = next(c for c in question.choices if c.id == answer)
        return GradeResult(
            _clamp(choice_weight(question, choice)),
            choice.correct,
            _texts(choice.feedback, _outcome(question, choice.correct)),
        )
    if kind == "multiple":
        picked = set(answer)  # type: ignore[arg-type]
        chosen = [c for c in question.choices if c.id in picked]
        correct = picked == {c.id for c in question.choices if c.correct}
        # The key always earns full marks, even when weights like 33.33 %
        # add up to 0.9999.
        score = 1.0 if correct else _clamp(sum(choice_weight(question, c) for c in chosen))
        return GradeResult(score, correct, _texts(*(c.feedback for c in chosen), _outcome(question, correct)))
    if kind == "truefalse":
        correct = answer == question.answer
        said = question.feedback_true if answer else question.feedback_false
        return GradeResult(1.0 if correct else 0.0, correct, _texts(said, _outcome(question, correct)))
    if kind == "short":
        given = normalize_text(answer)  # type: ignore[arg-type]
        if any(normalize_text(text) == given for text in question.accepted):
            return GradeResult(1.0, True, _texts(question.feedback_correct))
        for foreseen in question.anticipated:
            if foreseen.text is not None and normalize_text(foreseen.text) == given:
                return GradeResult(_clamp(foreseen.score), False, _texts(foreseen.feedback))
        return GradeResult(0.0, False, _texts(question.feedback_incorrect))
    if kind == "numeric":
        return _grade_numeric(question, parse_number(answer))  # type: ignore[arg-type]
    if kind == "ordering":
        order: list[str] = answer  # type: ignore[assignment]
        placed = sum(1 for given, item in zip(order, question.items) if given == item.id)
        correct = placed == len(question.items)
        return GradeResult(placed / len(question.items), correct, _texts(_outcome(question, correct)))
    if kind == "matching":
        matches: dict[str, str] = answer  # type: ignore[assignment]
        right = sum(1 for pair in question.pairs if matches[pair.left.id] == pair.right_id)
        correct = right == len(question.pairs)
        return GradeResult(right / len(question.pairs), correct, _texts(_outcome(question, correct)))
    raise AnswerError("Type de question inconnu.")


def _grade_numeric(question: Question, number: float) -> GradeResult:
    best = None
    for accepted in question.numeric_answers:
        if accepted.accepts(number) and (best is None or accepted.score > best.score):
            best = accepted
    if best is not None:
        score = _clamp(best.score)
        correct = score >= 1 - EPSILON
        general = question.feedback_correct if correct else question.feedback_incorrect
        return GradeResult(1.0 if correct else score, correct, _texts(best.feedback or general))
    for foreseen in question.anticipated:
        if foreseen.value is not None and abs(foreseen.value - number) <= EPSILON * max(1.0, abs(number)):
            return GradeResult(_clamp(foreseen.score), False, _texts(foreseen.feedback))
    return GradeResult(0.0, False, _texts(question.feedback_incorrect))


# --- the key ------------------------------------------------------------------------------

def correct_answer(question: Question) -> Answer:
    """The canonical answer that earns full marks (for tests and the result page).

    ``numeric``: the first fully right value, written the French way (the
    middle of a range). Raises :class:`NotGradable` for ``scale``.
    """
    kind = question.type
    if kind == "single":
        return next(c.id for c in question.choices if c.correct)
    if kind == "multiple":
        return [c.id for c in question.choices if c.correct]
    if kind == "truefalse":
        return bool(question.answer)
    if kind == "short":
        return question.accepted[0]
    if kind == "numeric":
        best = max(question.numeric_answers, key=lambda a: a.score)
        if best.minimum is not None and best.maximum is not None:
            return format_number((best.minimum + best.maximum) / 2)
        assert best.value is not None
        return format_number(best.value)
    if kind == "ordering":
        return [item.id for item in question.items]
    if kind == "matching":
        return {pair.left.id: pair.right_id for pair in question.pairs}
    raise NotGradable(f"la question « {question.id} » ({kind}) n'a pas de bonne réponse")


def stored_score(result: object) -> float:
    """The score of a stored result (an event's ``result``), 0.0 when there is none or it is not a number.

    Stored results come from older releases and other instances too: reading
    them never fails.
    """
    value = result.get("score") if isinstance(result, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return _clamp(float(value))
