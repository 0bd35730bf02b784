"""Answering any question through the real page, as a student would.

The test knows the key from the module's data (never from the page): it
picks the right answer, or a wrong one, and fills the form the way a student
does: radio buttons, check boxes, text fields, selects.
"""

from __future__ import annotations

from lycee_ia.quiz.grading import correct_answer
from lycee_ia.quiz.model import Question


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def fill_answer(scope, question: Question, right: bool = True) -> None:
    """Fill the answer form found inside ``scope`` (a page or a locator)."""
    kind = question.type
    if kind == "scale":
        scope.locator('input[name="answer"]').first.check()
        return
    key = correct_answer(question)
    if kind == "single":
        choice = key if right else next(c.id for c in question.choices if c.id != key)
        scope.locator(f'input[name="answer"][value="{choice}"]').check()
    elif kind == "multiple":
        chosen = key if right else [next(c.id for c in question.choices if not c.correct) if any(not c.correct for c in question.choices) else key[0]]
        for choice in chosen:
            scope.locator(f'input[name="answer"][value="{choice}"]').check()
    elif kind == "truefalse":
        value = key if right else not key
        scope.locator(f'input[name="answer"][value="{"true" if value else "false"}"]').check()
    elif kind == "short":
        scope.locator('input[name="answer"]').fill(question.accepted[0] if right else "réponse au hasard")
    elif kind == "numeric":
        best = max(question.numeric_answers, key=lambda a: a.score)
        value = best.value if best.value is not None else (best.minimum + best.maximum) / 2
        scope.locator('input[name="answer"]').fill(_number(value) if right else _number(value * 10 + 7))
    elif kind == "ordering":
        order = list(key) if right else list(reversed(key))
        for position, item_id in enumerate(order, start=1):
            scope.locator(f'select[name="position-{item_id}"]').select_option(str(position))
    elif kind == "matching":
        rights = [r.id for r in question.right_choices]
        for left_id, right_id in key.items():
            chosen = right_id if right else next(r for r in rights if r != right_id)
            scope.locator(f'select[name="match-{left_id}"]').select_option(chosen)
    else:
        raise AssertionError(f"no way to answer a {kind} question")
