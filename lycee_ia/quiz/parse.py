"""Questions and quiz settings from what authors write (courses/README.md, §4 and §5).

A question is the YAML of a fenced ```question block. :func:`parse_question`
turns it into a :class:`~lycee_ia.quiz.model.Question` and reports every
problem at its line in the Markdown file, in French, for the teachers who
write content: what is wrong and how to fix it.

The YAML is read with PyYAML's safe loader only. We walk the composed node
tree rather than the loaded values, for two reasons: every node knows its
line, and text fields keep exactly what was written (``text: No`` is the word
"No", not the boolean YAML 1.1 would make of it; ``text: 1.50`` keeps its zero).
"""

from __future__ import annotations

import dataclasses

import difflib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lycee_ia.content.problems import Problems
from lycee_ia.content.source import YAML_LOADER
from lycee_ia.quiz.grading import EPSILON, choice_weight, normalize_text, parse_number
from lycee_ia.quiz.model import (
    QUESTION_TYPES,
    REVEAL_MODES,
    SELF_ASSESSMENT_TYPES,
    AnswerError,
    Anticipated,
    Choice,
    Item,
    NumericAnswer,
    Pair,
    Question,
    QuizSettings,
    opaque_id,
)

ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,79}"
_ID_RE = re.compile(ID_PATTERN)
MAX_CHOICES = 26  # lettered a to z
SCALE_STEPS = (2, 7)

COMMON_KEYS = ("id", "type", "stem", "explanation", "source", "title", "tags")
_OUTCOME_KEYS = ("feedback_correct", "feedback_incorrect")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("options", *_OUTCOME_KEYS),
    "multiple": ("options", *_OUTCOME_KEYS),
    "truefalse": ("answer", "feedback", *_OUTCOME_KEYS),
    "short": ("accepted", "anticipated", *_OUTCOME_KEYS),
    "numeric": ("answer", "tolerance", "range", "answers", "anticipated", *_OUTCOME_KEYS),
    "ordering": ("items", *_OUTCOME_KEYS),
    "matching": ("pairs", "distractors", *_OUTCOME_KEYS),
    "scale": ("scale",),
}
_ALL_KEYS = {key for keys in TYPE_KEYS.values() for key in keys} | set(COMMON_KEYS)
CHOICE_KEYS = ("id", "text", "correct", "score", "feedback")
NUMERIC_ANSWER_KEYS = ("value", "tolerance", "range", "score", "feedback")
SETTINGS_KEYS = ("mastery", "attempts", "shuffle", "reveal")

# Names teachers reach for, to point them to ours.
_TYPE_HINTS = {
    "qcm": "single (une bonne réponse) ou multiple (plusieurs)",
    "qcu": "single",
    "choix": "single ou multiple",
    "vrai-faux": "truefalse",
    "vraifaux": "truefalse",
    "vrai/faux": "truefalse",
    "true-false": "truefalse",
    "numerique": "numeric",
    "numérique": "numeric",
    "nombre": "numeric",
    "texte": "short",
    "courte": "short",
    "ordre": "ordering",
    "association": "matching",
    "appariement": "matching",
    "echelle": "scale",
    "échelle": "scale",
}

_TAG = "tag:yaml.org,2002:"
_NULL, _BOOL, _INT, _FLOAT, _STR = (_TAG + name for name in ("null", "bool", "int", "float", "str"))


def item_id(question_id: str, text: str) -> str:
    """The id of an ordering item or a matching element: says nothing of place or partner."""
    return opaque_id(question_id, text)


def choice_ids(question_id: str, texts: list[str]) -> list[str]:
    """Default ids of a question's choices: opaque, so that neither their place
    in the file (authors often write the right answer first) nor anything else
    in the page hints at the key. Two choices with the same text still differ."""
    ids: list[str] = []
    for index, text in enumerate(texts):
        candidate = opaque_id(question_id, "choice", text)
        if candidate in ids:
            candidate = opaque_id(question_id, "choice", text, str(index))
        ids.append(candidate)
    return ids


def derived_id(id_prefix: str, stem: str) -> str:
    """The id given to a question written without one; it changes with the stem."""
    return f"{id_prefix}-{opaque_id(stem)[:6]}"


def is_valid_id(value: str) -> bool:
    """Whether ``value`` may be a question or choice id (lowercase, digits, hyphens, ≤ 80)."""
    return bool(_ID_RE.fullmatch(value))


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _number_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "une liste"
    if isinstance(node, MappingNode):
        return "un ensemble de champs"
    return "une valeur simple"


_YAML_HINTS = (
    ("mapping values are not allowed", "deux-points inattendu : si un texte contient « : », mettez-le entre guillemets, "
     "par exemple stem: \"Attention : …\""),
    ("cannot start any token", "caractère inattendu en début de valeur : n'indentez qu'avec des espaces (pas de "
     "tabulation), et mettez entre guillemets un texte qui commence par @ ou `"),
    ("found undefined alias", "un texte qui commence par * est lu comme une référence YAML : mettez-le entre guillemets"),
    ("expected alphabetic or numeric character", "un texte qui commence par * ou & doit être mis entre guillemets"),
    ("could not find expected ':'", "une ligne n'a pas de deux-points, ou son indentation est décalée"),
    ("found unexpected end of stream", "un guillemet ouvert n'est pas fermé"),
    ("while parsing a block collection", "un élément de liste « - » est mal aligné avec les autres"),
    ("expected <block end>", "l'indentation est décalée : les champs d'un même niveau doivent commencer à la même colonne"),
    ("but found another document", "le bloc ne doit pas contenir de ligne « --- »"),
)


class _Reader:
    """Reads typed values out of YAML nodes, reporting problems at their line in the file."""

    def __init__(self, path: Path, first_line: int, problems: Problems) -> None:
        self.path = path
        self.first_line = first_line
        self.problems = problems
        self.failed = False
        self._constructor = yaml.SafeLoader("")

    def line(self, where: Node | int) -> int:
        return where if isinstance(where, int) else self.first_line + where.start_mark.line

    def error(self, where: Node | int, message: str) -> None:
        self.failed = True
        self.problems.error(self.path, self.line(where), message)

    def warning(self, where: Node | int, message: str) -> None:
        self.problems.warning(self.path, self.line(where), message)

    # --- structure -------------------------------------------------------------

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]] | None:
        """The fields of a mapping node, by name, with their key and value nodes."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} doit être un ensemble de champs « nom: valeur », pas {_kind(node)}.")
            return None
        fields: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, "un nom de champ doit être un simple mot, suivi de deux-points.")
                continue
            key = key_node.value
            if key in fields:
                first = self.line(fields[key][0])
                self.error(key_node, f"le champ « {key} » est écrit deux fois (déjà ligne {first}) : gardez-en un seul.")
                continue
            fields[key] = (key_node, value_node)
        return fields

    def sequence(self, node: Node, field: str, *, scalar_ok: bool = False) -> list[Node] | None:
        """The elements of a list; with ``scalar_ok`` a lone value counts as a list of one."""
        if isinstance(node, SequenceNode):
            return list(node.value)
        if scalar_ok and isinstance(node, ScalarNode) and node.tag != _NULL:
            return [node]
        self.error(node, f"« {field} » doit être une liste (une ligne « - … » par élément), pas {_kind(node)}.")
        return None

    def unknown_keys(self, fields: dict[str, tuple[Node, Node]], allowed: tuple[str, ...], where: str) -> None:
        for key, (key_node, _) in fields.items():
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
            hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else f" ; champs possibles : {', '.join(allowed)}."
            self.warning(key_node, f"champ inconnu « {key} » {where}, il est ignoré{hint}")

    # --- values ----------------------------------------------------------------

    def _construct(self, node: Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError):  # an odd timestamp, an overflowing number...
            return node.value if isinstance(node, ScalarNode) else None

    def value(self, node: Node) -> Any:
        """The plain Python value of a node, as the safe loader would make it."""
        return self._construct(node)

    def text(self, node: Node | None, field: str, *, required_at: Node | int | None = None) -> str | None:
        """A text field: exactly what was written, stripped; None when absent or empty.

        With ``required_at``, an absent or empty value is an error reported there.
        """
        if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL):
            if required_at is not None:
                self.error(node if node is not None else required_at, f"« {field} » manque : ce champ est obligatoire.")
            return None
        if not isinstance(node, ScalarNode):
            self.error(node, f"« {field} » doit être un texte, pas {_kind(node)}.")
            return None
        text = node.value.strip()
        if not text:
            if required_at is not None:
                self.error(node, f"« {field} » est vide : ce champ est obligatoire.")
            return None
        return text

    def boolean(self, node: Node, field: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return bool(self._construct(node))
        self.error(node, f"« {field} » doit valoir true ou false (sans guillemets).")
        return None

    def number(self, node: Node, field: str) -> float | None:
        """A number; "1,5" written by a French hand is 1.5."""
        value: float | None = None
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            constructed = self._construct(node)
            if isinstance(constructed, (int, float)) and not isinstance(constructed, bool):
                value = float(constructed)
        elif isinstance(node, ScalarNode) and node.tag == _STR:
            try:
                value = parse_number(node.value)
            except AnswerError:
                value = None
        if value is None or not math.isfinite(value):
            self.error(node, f"« {field} » doit être un nombre (par exemple 1.5 ou 1,5).")
            return None
        return value

    def integer(self, node: Node, field: str) -> int | None:
        if isinstance(node, ScalarNode) and node.tag == _INT:
            constructed = self._construct(node)
            if isinstance(constructed, int) and not isinstance(constructed, bool):
                return constructed
        return None


def _yaml_error(reader: _Reader, error: yaml.YAMLError) -> None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = reader.first_line + (mark.line if mark is not None else 0)
    problem = str(getattr(error, "problem", None) or error).strip()
    context = str(getattr(error, "context", None) or "")
    hint = next(
        (text for needle, text in _YAML_HINTS if needle in problem or needle in context),
        "vérifiez l'indentation (des espaces, pas de tabulations), les deux-points et les guillemets",
    )
    reader.error(line, f"YAML invalide : {hint} (détail technique : {problem}).")


# --- questions ------------------------------------------------------------------------


def parse_question(
    source: str,
    *,
    path: Path,
    line: int,
    problems: Problems,
    id_prefix: str,
    in_quiz: bool,
) -> Question | None:
    """Read the YAML ``source`` of a ```question block into a :class:`Question`.

    ``line`` is the 1-based line, in ``path``, of the first YAML line; every
    problem is added to ``problems`` at its own line. A question without
    ``id`` gets one derived from its stem, with a warning. ``in_quiz`` is
    true for the blocks of quiz.md, where a ``scale`` is refused. Returns None
    when an error makes the question unusable; warnings leave it usable.
    """
    reader = _Reader(path, line, problems)
    try:
        root = yaml.compose(source, Loader=YAML_LOADER)
    except yaml.YAMLError as error:
        _yaml_error(reader, error)
        return None
    if root is None:
        reader.error(line, "bloc question vide : écrivez au moins id, type, stem et explanation.")
        return None
    fields = reader.mapping(root, "une question")
    if fields is None:
        return None
    return _Builder(reader, root, fields, id_prefix=id_prefix, in_quiz=in_quiz).build()


class _Builder:
    """Builds one question from its fields; every check reports and goes on."""

    def __init__(
        self,
        reader: _Reader,
        root: Node,
        fields: dict[str, tuple[Node, Node]],
        *,
        id_prefix: str,
        in_quiz: bool,
    ) -> None:
        self.r = reader
        self.root = root
        self.fields = fields
        self.id_prefix = id_prefix
        self.in_quiz = in_quiz
        self.kind: str | None = None
        self.id = ""
        self.outcome: dict[str, str | None] = {}

    def node(self, key: str) -> Node | None:
        entry = self.fields.get(key)
        return entry[1] if entry else None

    def key_node(self, key: str) -> Node:
        return self.fields[key][0]

    def text(self, key: str, *, required: bool = False) -> str | None:
        return self.r.text(self.node(key), key, required_at=self.root if required else None)

    def build(self) -> Question | None:
        r = self.r
        self.kind = self._type()
        stem = self.text("stem", required=True)
        explanation = self.text("explanation", required=True)
        self._id(stem)
        common: dict[str, Any] = {
            "id": self.id,
            "stem": stem or "",
            "explanation": explanation or "",
            "source": self.text("source"),
            "title": self.text("title"),
            "tags": self._tags(),
            "line": r.first_line,
        }
        if self.kind is None:
            # Without a type, only keys no type knows can be flagged.
            for key, (key_node, _) in self.fields.items():
                if key not in _ALL_KEYS:
                    r.warning(key_node, f"champ inconnu « {key} », il est ignoré.")
            return None
        self._unknown_keys()
        if self.kind != "scale":
            self.outcome = {key: self.text(key) for key in _OUTCOME_KEYS}
        specific = getattr(self, f"_{self.kind}")()
        if r.failed:
            return None
        return Question(type=self.kind, **common, **self.outcome, **specific)  # type: ignore[arg-type]

    # --- common fields -----------------------------------------------------------

    def _type(self) -> str | None:
        node = self.node("type")
        raw = self.r.text(node, "type", required_at=self.root)
        if raw is None:
            return None
        known = QUESTION_TYPES + SELF_ASSESSMENT_TYPES
        if raw in known:
            return raw
        hint = _TYPE_HINTS.get(raw.lower())
        if hint is None:
            close = difflib.get_close_matches(raw.lower(), known, n=1, cutoff=0.6)
            hint = close[0] if close else None
        suggestion = f" ; vouliez-vous dire {hint} ?" if hint else ""
        self.r.error(node, f"type « {raw} » inconnu : utilisez {', '.join(known)}{suggestion}")
        return None

    def _id(self, stem: str | None) -> None:
        node = self.node("id")
        raw = self.r.text(node, "id")
        if raw is not None:
            self.id = raw
            if not is_valid_id(raw):
                self.r.error(
                    node,  # type: ignore[arg-type]
                    f"identifiant « {raw} » invalide : utilisez des lettres minuscules sans accent, des chiffres "
                    "et des tirets (80 caractères au plus), en commençant par une lettre ou un chiffre.",
                )
            return
        if stem is None:
            return
        self.id = derived_id(self.id_prefix, stem)
        self.r.warning(
            self.root,
            f"question sans identifiant : l'identifiant dérivé « {self.id} » changera si l'énoncé change ; "
            f"ajoutez `id: {self.id}` pour le garder",
        )

    def _tags(self) -> tuple[str, ...]:
        node = self.node("tags")
        if node is None:
            return ()
        elements = self.r.sequence(node, "tags", scalar_ok=True) or []
        return tuple(tag for element in elements if (tag := self.r.text(element, "tags")) is not None)

    def _unknown_keys(self) -> None:
        assert self.kind is not None
        allowed = COMMON_KEYS + TYPE_KEYS[self.kind]
        for key, (key_node, _) in self.fields.items():
            if key in allowed:
                continue
            if key == "feedback" and "feedback_incorrect" in allowed:
                message = (
                    f"« feedback » ne s'emploie pas pour une question {self.kind} : écrivez feedback_incorrect "
                    "(retour pour une réponse fausse) et, si vous voulez, feedback_correct ; ce champ est ignoré."
                )
            elif key in _ALL_KEYS:
                message = f"« {key} » ne sert pas pour une question {self.kind} : ce champ est ignoré."
            else:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
                hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else "."
                message = f"champ inconnu « {key} », il est ignoré{hint}"
            self.r.warning(key_node, message)

    def _require(self, key: str, message: str) -> Node | None:
        node = self.node(key)
        if node is None or (isinstance(node, ScalarNode) and node.tag == _NULL):
            self.r.error(node if node is not None else self.root, message)
            return None
        return node

    def _missing_incorrect_feedback(self) -> None:
        node = self.node("feedback_incorrect")
        if self.outcome.get("feedback_incorrect") is None and (node is None or isinstance(node, ScalarNode)):
            self.r.warning(
                self.root,
                "pas de retour pour une réponse fausse : ajoutez feedback_incorrect pour expliquer l'erreur "
                "la plus probable.",
            )

    # --- single, multiple ----------------------------------------------------------

    def _single(self) -> dict[str, Any]:
        return {"choices": self._choices()}

    def _multiple(self) -> dict[str, Any]:
        return {"choices": self._choices()}

    def _choices(self) -> tuple[Choice, ...]:
        r = self.r
        node = self._require("options", "« options » manque : écrivez la liste des réponses proposées.")
        if node is None:
            return ()
        elements = r.sequence(node, "options")
        if elements is None:
            return ()
        # Problems of the list as a whole are reported on the line of its name.
        where = self.key_node("options")
        if len(elements) < 2:
            r.error(where, "il faut au moins deux options.")
        if len(elements) > MAX_CHOICES:
            r.error(where, f"trop d'options ({len(elements)}) : {MAX_CHOICES} au plus.")
            elements = elements[:MAX_CHOICES]
        choices: list[Choice] = []
        nodes: list[Node] = []
        score_nodes: dict[int, Node] = {}
        for index, element in enumerate(elements):
            fields = r.mapping(element, "une option (« - text: … », avec « correct: true » pour une bonne réponse)")
            if fields is None:
                continue
            r.unknown_keys(fields, CHOICE_KEYS, "dans une option")
            get = lambda key: fields[key][1] if key in fields else None  # noqa: E731
            text = r.text(get("text"), "text", required_at=element)
            correct = False
            if get("correct") is not None:
                correct = bool(r.boolean(get("correct"), "correct"))
            score = None
            if get("score") is not None:
                score = r.number(get("score"), "score")
                if score is not None and not -1 <= score <= 1:
                    r.error(get("score"), f"score {_number_text(score)} hors limites : il doit être entre -1 et 1.")
                    score = None
                if score is not None:
                    score_nodes[len(choices)] = get("score")
            feedback = r.text(get("feedback"), "feedback")
            choice_id = ""  # the default, opaque, is given once every text is known
            if get("id") is not None:
                explicit = r.text(get("id"), "id")
                if explicit is not None:
                    if not is_valid_id(explicit):
                        r.error(get("id"), f"identifiant d'option « {explicit} » invalide : lettres minuscules, "
                                "chiffres et tirets seulement.")
                    choice_id = explicit
            choices.append(Choice(id=choice_id, text=text or "", correct=correct, score=score, feedback=feedback))
            nodes.append(element)
        defaults = choice_ids(self.id, [c.text for c in choices])
        choices = [c if c.id else dataclasses.replace(c, id=default) for c, default in zip(choices, defaults)]
        self._check_choices(where, choices, nodes, score_nodes)
        return tuple(choices)

    def _check_choices(
        self, node: Node, choices: list[Choice], nodes: list[Node], score_nodes: dict[int, Node]
    ) -> None:
        r = self.r
        seen_ids: dict[str, Node] = {}
        seen_texts: set[str] = set()
        for choice, element in zip(choices, nodes):
            if choice.id in seen_ids:
                r.error(element, f"deux options ont l'identifiant « {choice.id} » : chaque option doit avoir le sien.")
            seen_ids[choice.id] = element
            if choice.text and choice.text in seen_texts:
                r.warning(element, f"l'option « {_short(choice.text)} » est écrite deux fois.")
            seen_texts.add(choice.text)
            if not choice.correct and not choice.feedback:
                r.warning(
                    element,
                    f"option fausse « {_short(choice.text)} » sans retour : ajoutez feedback pour expliquer "
                    "pourquoi elle est fausse.",
                )
        correct = [c for c in choices if c.correct]
        if self.kind == "single":
            if not correct and choices:
                r.error(node, "aucune option n'est marquée « correct: true » : indiquez la bonne réponse.")
            elif len(correct) > 1:
                r.error(node, f"{len(correct)} options sont marquées correctes : une question single n'en a qu'une ; "
                        "utilisez type: multiple pour plusieurs bonnes réponses.")
            for index, choice in enumerate(choices):
                score_node = score_nodes.get(index)
                if score_node is None or choice.score is None:
                    continue
                if choice.correct and abs(choice.score - 1) > EPSILON:
                    r.error(score_node, "la bonne option d'une question single vaut toujours 1 : retirez « score ».")
                elif not choice.correct and choice.score >= 1:
                    r.error(score_node, "une option fausse ne peut pas valoir tous les points : baissez son score.")
            return
        if not correct and choices:
            r.error(node, "aucune option n'est marquée « correct: true » : indiquez au moins une bonne réponse.")
            return
        consistent = True
        for index, choice in enumerate(choices):
            score_node = score_nodes.get(index)
            if score_node is None or choice.score is None:
                continue
            if choice.correct and choice.score <= 0:
                consistent = False
                r.error(score_node, "une bonne option doit rapporter des points : son score doit être positif.")
            elif not choice.correct and choice.score > 0:
                consistent = False
                r.error(score_node, "une option fausse ne peut pas rapporter de points : son score doit être "
                        "négatif ou nul.")
        if not consistent:
            return
        probe = Question(id=self.id, type="multiple", stem="", choices=tuple(choices))
        total = sum(choice_weight(probe, c) for c in correct)
        if correct and total < 0.99:
            r.error(node, f"les bonnes options rapportent {_number_text(round(total, 3))} au total : il faut 1, "
                    "pour qu'une réponse parfaite ait tous les points ; ajustez leurs scores.")

    # --- truefalse -------------------------------------------------------------------

    def _truefalse(self) -> dict[str, Any]:
        r = self.r
        node = self._require("answer", "« answer » manque : écrivez answer: true ou answer: false.")
        answer = r.boolean(node, "answer") if node is not None else None
        feedback: dict[bool, str | None] = {True: None, False: None}
        feedback_node = self.node("feedback")
        if feedback_node is not None and not (isinstance(feedback_node, ScalarNode) and feedback_node.tag == _NULL):
            if not isinstance(feedback_node, MappingNode):
                r.error(feedback_node, "« feedback » doit contenir deux retours, sur deux lignes indentées : "
                        "« true: … » (pour qui répond vrai) et « false: … » (pour qui répond faux).")
            else:
                for key_node, value_node in feedback_node.value:
                    side = r.value(key_node) if isinstance(key_node, ScalarNode) else None
                    if isinstance(side, str) and side.lower() in ("true", "false"):
                        side = side.lower() == "true"
                    if not isinstance(side, bool):
                        r.error(key_node, "dans « feedback », les deux clés sont true et false.")
                        continue
                    feedback[side] = r.text(value_node, f"feedback.{str(side).lower()}")
        if answer is not None and not feedback[not answer]:
            wrong = "false" if answer else "true"
            r.warning(
                self.key_node("feedback") if feedback_node is not None else self.root,
                f"pas de retour pour la réponse fausse : ajoutez feedback.{wrong} pour expliquer l'erreur.",
            )
        return {"answer": answer, "feedback_true": feedback[True], "feedback_false": feedback[False]}

    # --- short ---------------------------------------------------------------------------

    def _short(self) -> dict[str, Any]:
        r = self.r
        accepted: list[str] = []
        node = self._require("accepted", "« accepted » manque : écrivez la liste des réponses acceptées.")
        if node is not None:
            elements = r.sequence(node, "accepted", scalar_ok=True)
            for element in elements or []:
                text = r.text(element, "accepted", required_at=element)
                if text is None:
                    continue
                if not normalize_text(text):
                    r.error(element, f"la réponse acceptée « {text} » ne contient que de la ponctuation.")
                    continue
                accepted.append(text)
            if elements == []:
                r.error(self.key_node("accepted"), "« accepted » est vide : écrivez au moins une réponse acceptée.")
        normalized = {normalize_text(text) for text in accepted}
        anticipated: list[Anticipated] = []
        node = self.node("anticipated")
        if node is not None:
            for element in r.sequence(node, "anticipated") or []:
                fields = r.mapping(element, "une réponse prévue (« - text: … » avec son « feedback: … »)")
                if fields is None:
                    continue
                r.unknown_keys(fields, ("text", "feedback", "score"), "dans une réponse prévue")
                text = r.text(fields.get("text", (None, None))[1], "text", required_at=element)
                feedback = r.text(fields.get("feedback", (None, None))[1], "feedback")
                score = 0.0
                if "score" in fields:
                    value = r.number(fields["score"][1], "score")
                    if value is not None and not 0 <= value < 1:
                        r.error(fields["score"][1], "le score d'une réponse prévue est un crédit partiel, entre 0 "
                                "et 1 (exclu) ; une réponse qui vaut tous les points va dans accepted.")
                    elif value is not None:
                        score = value
                if text is None:
                    continue
                if normalize_text(text) in normalized:
                    r.error(element, f"« {text} » est à la fois acceptée et prévue comme fausse : retirez-la "
                            "d'une des deux listes.")
                if not feedback:
                    r.warning(element, f"réponse prévue « {_short(text)} » sans retour : ajoutez feedback.")
                anticipated.append(Anticipated(text=text, feedback=feedback or "", score=score))
        self._missing_incorrect_feedback()
        return {"accepted": tuple(accepted), "anticipated": tuple(anticipated)}

    # --- numeric -----------------------------------------------------------------------------

    def _numeric(self) -> dict[str, Any]:
        r = self.r
        forms = [key for key in ("answer", "range", "answers") if key in self.fields]
        answers: list[NumericAnswer] = []
        if not forms:
            r.error(self.root, "la bonne réponse manque : écrivez answer (et tolerance), ou range: [min, max], "
                    "ou answers (plusieurs réponses).")
        elif len(forms) > 1:
            r.error(self.key_node(forms[1]), f"« {forms[0]} » et « {forms[1]} » sont tous deux écrits : choisissez "
                    "une seule façon de donner la réponse.")
        elif forms[0] == "answers":
            answers = self._numeric_answers()
        else:
            found = self._numeric_answer(self.fields, self.root, top_level=True)
            if found is not None:
                answers.append(found)
        if "tolerance" in self.fields and "answer" not in self.fields:
            r.error(self.key_node("tolerance"), "« tolerance » va avec « answer » : écrivez la valeur attendue "
                    "dans answer.")
        anticipated: list[Anticipated] = []
        node = self.node("anticipated")
        if node is not None:
            for element in r.sequence(node, "anticipated") or []:
                fields = r.mapping(element, "une valeur prévue (« - value: … » avec son « feedback: … »)")
                if fields is None:
                    continue
                r.unknown_keys(fields, ("value", "feedback"), "dans une valeur prévue")
                if "value" not in fields:
                    r.error(element, "« value » manque : écrivez la valeur prévue.")
                    continue
                value = r.number(fields["value"][1], "value")
                feedback = r.text(fields.get("feedback", (None, None))[1], "feedback")
                if value is None:
                    continue
                if any(a.accepts(value) for a in answers):
                    r.error(element, f"la valeur prévue {_number_text(value)} est déjà acceptée : retirez-la "
                            "d'anticipated ou corrigez la bonne réponse.")
                if not feedback:
                    r.warning(element, f"valeur prévue {_number_text(value)} sans retour : ajoutez feedback.")
                anticipated.append(Anticipated(value=value, feedback=feedback or ""))
        self._missing_incorrect_feedback()
        return {"numeric_answers": tuple(answers), "anticipated": tuple(anticipated)}

    def _numeric_answers(self) -> list[NumericAnswer]:
        r = self.r
        node = self.node("answers")
        assert node is not None
        elements = r.sequence(node, "answers") or []
        answers: list[NumericAnswer] = []
        for element in elements:
            fields = r.mapping(element, "une réponse (« - value: … » et tolerance, ou « - range: [min, max] »)")
            if fields is None:
                continue
            r.unknown_keys(fields, NUMERIC_ANSWER_KEYS, "dans une réponse")
            found = self._numeric_answer(fields, element, top_level=False)
            if found is not None:
                answers.append(found)
        if not elements:
            r.error(self.key_node("answers"), "« answers » est vide : écrivez au moins la bonne réponse.")
        elif len(answers) == len(elements) and not any(a.score >= 1 - EPSILON for a in answers):
            r.error(self.key_node("answers"), "aucune réponse ne vaut tous les points : donnez le score 1 (ou aucun score) à la "
                    "bonne réponse.")
        return answers

    def _numeric_answer(
        self, fields: Mapping[str, tuple[Node, Node]], where: Node, *, top_level: bool
    ) -> NumericAnswer | None:
        r = self.r
        value_key = "answer" if top_level else "value"
        has_value, has_range = value_key in fields, "range" in fields
        if not top_level and has_value == has_range:
            r.error(where, "chaque réponse a soit « value » (avec tolerance), soit « range: [min, max] ».")
            return None
        if not top_level and "tolerance" in fields and not has_value:
            r.error(fields["tolerance"][0], "« tolerance » va avec « value », pas avec « range ».")
        tolerance = 0.0
        if "tolerance" in fields and has_value:
            found = r.number(fields["tolerance"][1], "tolerance")
            if found is not None and found < 0:
                r.error(fields["tolerance"][1], "« tolerance » doit être positive ou nulle.")
            elif found is not None:
                tolerance = found
        score = 1.0
        feedback = None
        if not top_level:
            if "score" in fields:
                found = r.number(fields["score"][1], "score")
                if found is not None and not 0 <= found <= 1:
                    r.error(fields["score"][1], "le score d'une réponse doit être entre 0 et 1.")
                elif found is not None:
                    score = found
            feedback = r.text(fields.get("feedback", (None, None))[1], "feedback")
        if has_value:
            value = r.number(fields[value_key][1], value_key)
            if value is None:
                return None
            return NumericAnswer(value=value, tolerance=tolerance, score=score, feedback=feedback)
        bounds_node = fields["range"][1]
        elements = r.sequence(bounds_node, "range") or []
        if len(elements) != 2:
            r.error(bounds_node, "« range » s'écrit avec deux nombres : range: [minimum, maximum] (point décimal, "
                    "ou nombres entre guillemets s'ils ont une virgule).")
            return None
        low, high = (r.number(element, "range") for element in elements)
        if low is None or high is None:
            return None
        if low > high:
            r.error(bounds_node, f"« range » : le minimum {_number_text(low)} dépasse le maximum "
                    f"{_number_text(high)} ; écrivez [minimum, maximum].")
            return None
        return NumericAnswer(minimum=low, maximum=high, score=score, feedback=feedback)

    # --- ordering, matching --------------------------------------------------------------------

    def _unique_texts(self, node: Node, field: str, what: str) -> tuple[list[tuple[str, Node]], int]:
        """The texts of a list, each once, and how many elements were written."""
        r = self.r
        texts: list[tuple[str, Node]] = []
        seen: set[str] = set()
        elements = r.sequence(node, field)
        if elements is None:
            return [], -1
        for element in elements:
            text = r.text(element, field, required_at=element)
            if text is None:
                continue
            if text in seen:
                r.error(element, f"« {_short(text)} » figure deux fois dans {field} : chaque {what} doit être "
                        "unique.")
                continue
            seen.add(text)
            texts.append((text, element))
        return texts, len(elements)

    def _ordering(self) -> dict[str, Any]:
        node = self._require("items", "« items » manque : écrivez les éléments dans le bon ordre.")
        items: list[Item] = []
        if node is not None:
            texts, written = self._unique_texts(node, "items", "élément")
            if 0 <= written < 2:
                self.r.error(self.key_node("items"), "il faut au moins deux éléments à remettre dans l'ordre.")
            items = [Item(id=item_id(self.id, text), text=text) for text, _ in texts]
        self._missing_incorrect_feedback()
        return {"items": tuple(items)}

    def _matching(self) -> dict[str, Any]:
        r = self.r
        node = self._require("pairs", "« pairs » manque : écrivez les paires « - left: … / right: … ».")
        pairs: list[Pair] = []
        rights: dict[str, Item] = {}
        if node is not None:
            lefts: set[str] = set()
            elements = r.sequence(node, "pairs")
            for element in elements or []:
                fields = r.mapping(element, "une paire (« - left: … » puis « right: … »)")
                if fields is None:
                    continue
                r.unknown_keys(fields, ("left", "right"), "dans une paire")
                left = r.text(fields.get("left", (None, None))[1], "left", required_at=element)
                right = r.text(fields.get("right", (None, None))[1], "right", required_at=element)
                if left is None or right is None:
                    continue
                if left in lefts:
                    r.error(element, f"l'élément « {_short(left)} » figure deux fois à gauche : chaque élément "
                            "doit être unique.")
                    continue
                lefts.add(left)
                partner = rights.setdefault(right, Item(id=item_id(self.id, right), text=right))
                pairs.append(Pair(left=Item(id=item_id(self.id, left), text=left), right_id=partner.id))
            if elements is not None and len(elements) < 2:
                r.error(self.key_node("pairs"), "il faut au moins deux paires.")
        distractors_node = self.node("distractors")
        if distractors_node is not None:
            for text, element in self._unique_texts(distractors_node, "distractors", "intrus")[0]:
                if text in rights:
                    r.error(element, f"l'intrus « {_short(text)} » est aussi la réponse d'une paire : retirez-le "
                            "de distractors.")
                    continue
                rights[text] = Item(id=item_id(self.id, text), text=text)
        self._missing_incorrect_feedback()
        return {"pairs": tuple(pairs), "right_choices": tuple(rights.values())}

    # --- scale -----------------------------------------------------------------------------------

    def _scale(self) -> dict[str, Any]:
        r = self.r
        if self.in_quiz:
            r.error(self.node("type") or self.root, "une question scale (auto-positionnement) n'est pas notée : "
                    "placez-la dans une section du module, pas dans quiz.md.")
        node = self._require("scale", "« scale » manque : écrivez les niveaux, du plus bas au plus haut.")
        labels: list[str] = []
        if node is not None:
            texts, written = self._unique_texts(node, "scale", "niveau")
            labels = [text for text, _ in texts]
            low, high = SCALE_STEPS
            if written >= 0 and not low <= written <= high:
                r.error(self.key_node("scale"), f"une échelle a de {low} à {high} niveaux ({written} écrits).")
        return {"scale": tuple(labels)}


# --- quiz settings ---------------------------------------------------------------------------------


def parse_quiz_settings(
    data: Mapping[str, Any] | str | None,
    *,
    path: Path,
    line: int,
    problems: Problems,
) -> QuizSettings:
    """The settings of a module quiz, from the front matter of quiz.md (README §5).

    ``data`` is either the front matter already loaded (a mapping; problems are
    then reported at ``line``, the first line of the front matter) or its YAML
    text (problems are then reported at the line of the field concerned).
    A wrong value is reported and replaced by its default.
    """
    reader = _Reader(path, line, problems)
    entries: list[tuple[str, Any, int]] = []
    if isinstance(data, str):
        try:
            root = yaml.compose(data, Loader=YAML_LOADER)
        except yaml.YAMLError as error:
            _yaml_error(reader, error)
            return QuizSettings()
        if root is not None:
            fields = reader.mapping(root, "l'en-tête de quiz.md")
            for key, (key_node, value_node) in (fields or {}).items():
                entries.append((key, reader.value(value_node), reader.line(key_node)))
    elif data is not None:
        if not isinstance(data, Mapping):
            reader.error(line, "l'en-tête de quiz.md doit être un ensemble de champs « nom: valeur ».")
            return QuizSettings()
        entries = [(str(key), value, line) for key, value in data.items()]

    settings: dict[str, Any] = {}
    for key, value, at in entries:
        if key == "mastery":
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
                settings[key] = value
            else:
                reader.error(at, f"« mastery » vaut « {value} » : c'est le seuil de maîtrise en pourcentage, un "
                             "nombre entier de 1 à 100 (80 par défaut).")
        elif key == "attempts":
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                settings[key] = value
            else:
                reader.error(at, f"« attempts » vaut « {value} » : c'est le nombre de tentatives permises, un "
                             "nombre entier, 0 pour illimité (par défaut).")
        elif key == "shuffle":
            if isinstance(value, bool):
                settings[key] = value
            else:
                reader.error(at, f"« shuffle » vaut « {value} » : écrivez true (mélanger les options, par défaut) "
                             "ou false.")
        elif key == "reveal":
            if isinstance(value, str) and value in REVEAL_MODES:
                settings[key] = value
            else:
                reader.error(at, f"« reveal » vaut « {value} » : écrivez {', '.join(REVEAL_MODES)}.")
        else:
            close = difflib.get_close_matches(key, SETTINGS_KEYS, n=1, cutoff=0.7)
            hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else f" ; réglages possibles : {', '.join(SETTINGS_KEYS)}."
            reader.warning(at, f"réglage inconnu « {key} », il est ignoré{hint}")
    return QuizSettings(**settings)
