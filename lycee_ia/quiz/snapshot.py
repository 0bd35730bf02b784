"""Questions to JSON and back, for the module_versions table (and sync)."""

from __future__ import annotations

import dataclasses
from typing import Any

from lycee_ia.quiz.model import Anticipated, Choice, Item, NumericAnswer, Pair, Question, QuizSettings


def question_to_dict(question: Question) -> dict[str, Any]:
    return dataclasses.asdict(question)


def question_from_dict(data: dict[str, Any]) -> Question:
    values = dict(data)
    values["choices"] = tuple(Choice(**c) for c in data.get("choices", ()))
    values["numeric_answers"] = tuple(NumericAnswer(**a) for a in data.get("numeric_answers", ()))
    values["anticipated"] = tuple(Anticipated(**a) for a in data.get("anticipated", ()))
    values["items"] = tuple(Item(**i) for i in data.get("items", ()))
    values["pairs"] = tuple(Pair(left=Item(**p["left"]), right_id=p["right_id"]) for p in data.get("pairs", ()))
    values["right_choices"] = tuple(Item(**i) for i in data.get("right_choices", ()))
    for key in ("accepted", "tags", "scale"):
        values[key] = tuple(data.get(key, ()))
    known = {f.name for f in dataclasses.fields(Question)}
    return Question(**{k: v for k, v in values.items() if k in known})


def settings_to_dict(settings: QuizSettings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


def settings_from_dict(data: dict[str, Any]) -> QuizSettings:
    known = {f.name for f in dataclasses.fields(QuizSettings)}
    return QuizSettings(**{k: v for k, v in data.items() if k in known})
