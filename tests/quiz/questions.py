"""Questions for the quiz tests: from YAML as authors write it, and hypothesis strategies."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from lycee_ia.content.problems import Problems
from lycee_ia.quiz.grading import normalize_text
from lycee_ia.quiz.model import Question
from lycee_ia.quiz.parse import parse_question

PATH = Path("courses/test-module/quiz.md")


def parse(source: str, *, line: int = 10, in_quiz: bool = False, id_prefix: str = "test-module"):
    """``(question or None, problems)`` for a YAML block that starts at ``line``."""
    problems = Problems()
    # A triple-quoted block starts with a line break: its first line is the next one.
    source = textwrap.dedent(source).removeprefix("\n")
    question = parse_question(
        source, path=PATH, line=line, problems=problems, id_prefix=id_prefix, in_quiz=in_quiz
    )
    return question, problems


def build(source: str) -> Question:
    """A question that must parse without any error."""
    question, problems = parse(source)
    assert not problems.errors, [p.format() for p in problems.errors]
    assert question is not None
    return question


# --- strategies ----------------------------------------------------------------------

# Letters, digits, punctuation, symbols and spaces from every script; no control,
# format or line-separator characters, which no author types.
_CHARACTERS = st.characters(exclude_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp"))
texts = st.text(_CHARACTERS, min_size=1, max_size=24).map(str.strip).filter(bool)
# Answers a student could type: normalise to something non-empty.
answer_texts = texts.filter(lambda text: bool(normalize_text(text)))
paragraphs = st.one_of(texts, st.tuples(texts, texts).map(lambda pair: f"{pair[0]}\n\n{pair[1]}"))
ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
feedbacks = st.none() | texts
weights = st.floats(min_value=-1, max_value=1, allow_nan=False).map(lambda x: round(x, 3))
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 4))


def _maybe(data: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        data[key] = value


@st.composite
def _choices(draw, kind: str) -> list[dict[str, Any]]:
    count = draw(st.integers(2, 6))
    if kind == "single":
        correct = {draw(st.integers(0, count - 1))}
    else:
        correct = set(draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count, unique=True)))
    explicit = kind == "multiple" and draw(st.booleans())
    options = []
    for index in range(count):
        option: dict[str, Any] = {"text": draw(texts)}
        if index in correct:
            option["correct"] = True
            if explicit:
                option["score"] = 1 / len(correct)
        elif kind == "single" and draw(st.booleans()):
            option["score"] = draw(st.floats(-1, 0.99).map(lambda x: round(x, 3)))
        elif explicit:
            option["score"] = draw(st.floats(-1, 0).map(lambda x: round(x, 3)))
        _maybe(option, "feedback", draw(feedbacks))
        options.append(option)
    return options


@st.composite
def question_data(draw, kind: str | None = None) -> dict[str, Any]:
    """The fields of a valid ```question block of any graded type (or of ``kind``)."""
    kind = kind or draw(st.sampled_from(("single", "multiple", "truefalse", "short", "numeric", "ordering", "matching")))
    data: dict[str, Any] = {"id": draw(ids), "type": kind, "stem": draw(paragraphs)}
    if kind in ("single", "multiple"):
        data["options"] = draw(_choices(kind))
    elif kind == "truefalse":
        data["answer"] = draw(st.booleans())
        feedback = {side: text for side in (True, False) if (text := draw(feedbacks))}
        if feedback:
            data["feedback"] = feedback
    elif kind == "short":
        accepted = draw(st.lists(answer_texts, min_size=1, max_size=3, unique_by=normalize_text))
        data["accepted"] = accepted
        taken = {normalize_text(text) for text in accepted}
        others = draw(st.lists(answer_texts.filter(lambda t: normalize_text(t) not in taken), max_size=3,
                               unique_by=normalize_text))
        if others:
            data["anticipated"] = [
                {"text": text, "feedback": draw(texts), **({"score": 0.5} if draw(st.booleans()) else {})}
                for text in others
            ]
    elif kind == "numeric":
        form = draw(st.sampled_from(("answer", "range", "answers")))
        if form == "answer":
            data["answer"] = draw(numbers)
            data["tolerance"] = draw(st.floats(0, 100).map(lambda x: round(x, 3)))
        elif form == "range":
            low, high = sorted((draw(numbers), draw(numbers)))
            data["range"] = [low, high]
        else:
            data["answers"] = [{"value": draw(numbers), "tolerance": 0, "feedback": draw(texts)}] + [
                {"value": draw(numbers), "tolerance": draw(st.floats(0, 10).map(lambda x: round(x, 3))),
                 "score": draw(st.floats(0, 1).map(lambda x: round(x, 3)))}
                for _ in range(draw(st.integers(0, 2)))
            ]
    elif kind == "ordering":
        data["items"] = draw(st.lists(texts, min_size=2, max_size=6, unique=True))
    elif kind == "matching":
        lefts = draw(st.lists(texts, min_size=2, max_size=5, unique=True))
        rights = draw(st.lists(texts, min_size=1, max_size=len(lefts)))
        data["pairs"] = [{"left": left, "right": rights[i % len(rights)]} for i, left in enumerate(lefts)]
        distractors = draw(st.lists(texts.filter(lambda t: t not in rights), max_size=2, unique=True))
        if distractors:
            data["distractors"] = distractors
    if kind not in ("single", "multiple", "truefalse"):
        _maybe(data, "feedback_incorrect", draw(feedbacks))
    _maybe(data, "feedback_correct", draw(feedbacks))
    data["explanation"] = draw(paragraphs)
    return data


@st.composite
def questions(draw, kind: str | None = None) -> Question:
    """A valid question, read from the YAML an author could have written."""
    data = draw(question_data(kind))
    return build(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
