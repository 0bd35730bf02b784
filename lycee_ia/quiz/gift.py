"""Moodle GIFT import: question banks from Moodle / Éléa into our question format.

:func:`parse_gift` reads a GIFT file into :class:`~lycee_ia.quiz.model.Question`
objects, reporting every problem at its line of the GIFT file, in French.
:func:`to_markdown_blocks` writes questions as ```question blocks (README §4)
that :func:`~lycee_ia.quiz.parse.parse_question` reads back to equal
questions; :func:`to_json` describes them for a person or a script.

What is read, as Moodle documents it: ``//`` comment lines, ``::title::``,
``[markdown]``/``[html]``/``[plain]``/``[moodle]`` format prefixes,
``$CATEGORY:`` lines (kept as a tag on the questions that follow), the escapes
``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``, answers ``=``/``~`` with ``#feedback``,
weights ``%50%`` (negative and decimal too), several right answers when no ``=``
is written, ``T``/``TRUE``/``F``/``FALSE`` with the feedback for a wrong then
for a right answer, short answers, numbers ``{#3.14:0.01}`` ``{#1..5}`` and
several numeric answers, matching ``=a -> b``, missing words (the answer block
inside the sentence leaves a blank ``_____``), general feedback ``####``.
Essays and descriptions are reported and skipped.

Mapping decisions (Moodle and our model differ a little):

- ``single``/``multiple``: a written weight becomes the option's ``score``; a
  wrong option of a several-answer question written without a weight costs
  our default share (Moodle gives 0, which lets a student tick everything).
- ``short``: answers worth 100 % are accepted; the others become anticipated
  answers with their partial credit; a catch-all ``*`` answer gives its
  feedback to every other wrong answer (``feedback_incorrect``).
- the general feedback becomes ``explanation``, required by our format: a
  question without one is imported with a warning and must be completed.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from lycee_ia.content.problems import Problem, Problems, Severity
from lycee_ia.quiz.grading import EPSILON, choice_weight, format_number, normalize_text, parse_number
from lycee_ia.quiz.model import (
    AnswerError,
    Anticipated,
    Choice,
    Item,
    NumericAnswer,
    Pair,
    Question,
)
from lycee_ia.quiz.parse import MAX_CHOICES, choice_letter, derived_id, is_valid_id, item_id, parse_question

BLANK = "_____"
FORMATS = ("moodle", "html", "plain", "markdown")

# Escaped characters are swapped for private-use code points while the
# structure is read, then swapped back: "\{" never opens an answer block.
_ESCAPES = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005", "\\": "\ue006"}
_UNESCAPE = str.maketrans({code: char for char, code in _ESCAPES.items()})
_ESCAPE_RE = re.compile(r"\\(.)")
_BLANK_MARK = "\ue010"  # where the blank goes, kept safe from Markdown escaping
_BULLET_MARK = "\ue011"
_WEIGHT_RE = re.compile(r"%\s*(-?\d+(?:[.,]\d+)?)\s*%")
_BAD_WEIGHT_RE = re.compile(r"%[^%\s]{0,12}%")
_FORMAT_RE = re.compile(r"\s*\[(" + "|".join(FORMATS) + r")\]")
_TRUEFALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class GiftImport:
    """What a GIFT file gave: the questions read, and what went wrong, by line."""

    questions: list[Question] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)  # errors and warnings
    unsupported: list[Problem] = field(default_factory=list)  # essays, descriptions: skipped
    invalid: int = 0  # questions left out because of an error

    @property
    def errors(self) -> list[Problem]:
        return self.problems.errors

    def without_explanation(self) -> list[Question]:
        """Questions that need an ``explanation`` before the module can be published."""
        return [q for q in self.questions if not q.explanation]


# --- reading the file ----------------------------------------------------------------


def _decode(data: str | bytes, path: Path, problems: Problems) -> str | None:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.error(path, line, "le fichier n'est pas en UTF-8 : exportez-le de Moodle en UTF-8, ou "
                       "réenregistrez-le en UTF-8 avec votre éditeur de texte.")
        return None


@dataclass
class _Block:
    """The lines of one question, comments removed, escapes swapped out."""

    lines: list[tuple[int, str]]
    category: str | None

    def __post_init__(self) -> None:
        self.text = "\n".join(text for _, text in self.lines)
        self._starts: list[int] = []
        offset = 0
        for _, text in self.lines:
            self._starts.append(offset)
            offset += len(text) + 1

    @property
    def first_line(self) -> int:
        return self.lines[0][0]

    def line_at(self, offset: int) -> int:
        index = max(0, bisect.bisect_right(self._starts, offset) - 1)
        return self.lines[index][0]


def _swap_escapes(line: str) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "n":
            return "\n"
        return _ESCAPES.get(char, match.group(0))

    return _ESCAPE_RE.sub(swap, line)


def _category_tag(raw: str) -> str | None:
    # "$course$/top/Réseaux/Protocoles" -> "Réseaux/Protocoles"
    parts = [part.strip() for part in raw.translate(_UNESCAPE).split("/") if part.strip()]
    if parts and re.fullmatch(r"\$\w+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0].lower() == "top":
        parts = parts[1:]
    return "/".join(parts) or None


def _blocks(text: str) -> Iterable[_Block]:
    """Questions are separated by blank lines; comment lines are dropped."""
    category: str | None = None
    current: list[tuple[int, str]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if current:
                yield _Block(current, category)
                current = []
            continue
        if stripped.startswith("$CATEGORY:"):
            if current:
                yield _Block(current, category)
                current = []
            category = _category_tag(_swap_escapes(stripped[len("$CATEGORY:"):]))
            continue
        current.append((number, _swap_escapes(line)))
    if current:
        yield _Block(current, category)


# --- texts ---------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote",
               "section", "article", "header", "footer", "figure"}
_SKIPPED_TAGS = {"script", "style", "head", "title"}


class _TextFromHtml(HTMLParser):
    """HTML reduced to its text: paragraphs, line breaks and list items survive, tags do not."""

    def __init__(self, escape: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.escape = escape
        self.parts: list[str] = []
        self.skipping = 0
        self.in_pre = 0
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n" + _BULLET_MARK)
        elif tag == "pre":
            self.in_pre += 1
            self.parts.append("\n\n")
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            self.images.append(alt)
            if alt:
                self.parts.append(f" {_escape_inline(alt) if self.escape else alt} ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
            self.parts.append("\n\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.in_pre:
            # An indented code block: shown as written, never read as Markdown.
            lines = data.strip("\n").split("\n")
            self.parts.append("\n".join("    " + line for line in lines))
            return
        text = re.sub(r"\s+", " ", data)  # in HTML a line break in the source is a space
        self.parts.append(_escape_inline(text) if self.escape else text)


def _escape_inline(text: str) -> str:
    # Characters that would turn plain text into emphasis, code or HTML in Markdown.
    return re.sub(r"([\\`*_<>\[\]])", r"\\\1", text)


def _escape_line_starts(text: str) -> str:
    # "1984. Orwell" would become a numbered list, "# x" a heading, "- x" a bullet.
    def one(line: str) -> str:
        if line.startswith("    "):
            return line  # code
        match = re.match(r"^(\s*)(#|>|[-+](?=\s)|\d+(?=[.)]\s))", line)
        if not match:
            return line
        lead, mark = match.groups()
        if mark.isdigit():
            rest = line[len(lead) + len(mark):]
            return f"{lead}{mark}\\{rest}"
        return f"{lead}\\{line[len(lead):]}"

    return "\n".join(one(line) for line in text.split("\n"))


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", line).rstrip() if not line.startswith("    ") else line.rstrip()
             for line in text.split("\n")]
    tidy = "\n".join(line.lstrip(" ") if not line.startswith("    ") else line for line in lines)
    return re.sub(r"\n{3,}", "\n\n", tidy).strip()


def _split_format(text: str, default: str) -> tuple[str, str]:
    match = _FORMAT_RE.match(text)
    if match:
        return match.group(1), text[match.end():]
    return default, text


def _looks_like_html(text: str) -> bool:
    return bool(re.search(r"</?[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;", text))


def _markdown(text: str, fmt: str) -> tuple[str, int]:
    """GIFT text as Markdown that shows what Moodle showed, and the number of images dropped.

    Markdown stays as it is; HTML (and Moodle's own format, which allows it)
    is reduced to text; everything else is escaped so that ``2*3*4`` stays
    ``2*3*4``. The platform sanitises the result again when it renders it.
    """
    text = text.translate(_UNESCAPE)
    if fmt == "markdown":
        # Indentation that only lays out the GIFT file must not make code blocks.
        first, _, rest = text.partition("\n")
        return textwrap.dedent(first.strip() + "\n" + textwrap.dedent(rest)).strip().replace(_BLANK_MARK, BLANK), 0
    if fmt == "html" or (fmt == "moodle" and _looks_like_html(text)):
        parser = _TextFromHtml(escape=True)
        parser.feed(text)
        parser.close()
        converted = "".join(parser.parts)
        images = len(parser.images)
    else:
        converted = "\n".join(_escape_inline(line.strip()) for line in text.split("\n"))
        images = 0
    converted = _escape_line_starts(_tidy(converted)).replace(_BULLET_MARK, "- ")
    return converted.replace(_BLANK_MARK, BLANK), images


def _plain(text: str, fmt: str) -> str:
    """GIFT text as plain text, for answers compared with what a student types."""
    text = text.translate(_UNESCAPE)
    if fmt == "html" or (fmt == "moodle" and _looks_like_html(text)):
        parser = _TextFromHtml(escape=False)
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    return " ".join(text.split())


# --- ids -----------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """A question id made from a GIFT title: "Q1 — Réseaux" -> "q1-reseaux"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:80].rstrip("-")


def _unique(candidate: str, taken: set[str]) -> str:
    if candidate not in taken:
        return candidate
    number = 2
    while True:
        suffix = f"-{number}"
        option = candidate[: 80 - len(suffix)].rstrip("-") + suffix
        if option not in taken:
            return option
        number += 1


# --- one question ----------------------------------------------------------------------------------


class _Skip(Exception):
    """The question is not imported (an error was reported)."""


@dataclass
class _Token:
    marker: str  # "=", "~" or "" (text before the first marker)
    text: str
    offset: int  # in the block text, for line numbers


def _tokens(body: str, offset: int, markers: str) -> list[_Token]:
    tokens: list[_Token] = []
    start = 0
    marker = ""
    for match in re.finditer(f"[{re.escape(markers)}]", body):
        tokens.append(_Token(marker, body[start:match.start()], offset + start))
        marker = match.group(0)
        start = match.end()
    tokens.append(_Token(marker, body[start:], offset + start))
    return tokens


class _QuestionReader:
    def __init__(self, block: _Block, path: Path, result: GiftImport) -> None:
        self.block = block
        self.path = path
        self.result = result
        self.problems = Problems()

    def error(self, offset: int | None, message: str) -> None:
        line = self.block.first_line if offset is None else self.block.line_at(offset)
        self.problems.error(self.path, line, message)

    def warning(self, offset: int | None, message: str) -> None:
        line = self.block.first_line if offset is None else self.block.line_at(offset)
        self.problems.warning(self.path, line, message)

    def fail(self, offset: int | None, message: str) -> _Skip:
        self.error(offset, message)
        return _Skip()

    def unsupported(self, message: str) -> None:
        self.result.unsupported.append(Problem(self.path, self.block.first_line, Severity.WARNING, message))

    # --- structure ------------------------------------------------------------------

    def read(self) -> dict[str, Any] | None:
        """The question's parts, or None when it is skipped (unsupported or in error)."""
        text = self.block.text
        position = len(text) - len(text.lstrip())
        title = None
        if text.startswith("::", position):
            end = text.find("::", position + 2)
            if end < 0:
                raise self.fail(position, "le titre ouvert par « :: » n'est pas fermé : écrivez ::titre:: avant "
                                "la question, ou échappez les deux-points avec \\:.")
            title = " ".join(text[position + 2:end].translate(_UNESCAPE).split()) or None
            position = end + 2
        body_start = position
        body = text[position:]
        opens = [i for i, c in enumerate(body) if c == "{"]
        closes = [i for i, c in enumerate(body) if c == "}"]
        if not opens and not closes:
            self.unsupported("texte sans bloc de réponses (description) : non pris en charge, ignoré.")
            return None
        if not closes:
            raise self.fail(body_start + opens[0], "accolade « { » sans « } » : fermez le bloc de réponses (ou "
                            "échappez l'accolade avec \\{ si elle fait partie du texte).")
        if not opens:
            raise self.fail(body_start + closes[0], "accolade « } » sans « { » : échappez-la avec \\} si elle fait "
                            "partie du texte.")
        if len(opens) > 1 or len(closes) > 1:
            extra = opens[1] if len(opens) > 1 else closes[1]
            raise self.fail(body_start + extra, "plusieurs blocs de réponses { } dans la même question : séparez "
                            "les questions par une ligne vide, ou échappez les accolades du texte avec \\{ et \\}.")
        open_at, close_at = opens[0], closes[0]
        if close_at < open_at:
            raise self.fail(body_start + close_at, "accolade « } » avant « { » : le bloc de réponses s'écrit "
                            "{ … }.")
        before, inside, after = body[:open_at], body[open_at + 1:close_at], body[close_at + 1:]
        stem_raw = before + _BLANK_MARK + after if after.strip() else before
        stem_format, stem_raw = _split_format(stem_raw.strip(), "moodle")
        inside_offset = body_start + open_at + 1

        general = ""
        general_at = inside.rfind("####")
        if general_at >= 0:
            general_format, general_raw = _split_format(inside[general_at + 4:].strip(), stem_format)
            general = self.markdown(general_raw, general_format, inside_offset + general_at)
            inside = inside[:general_at]
        answers = inside.strip()
        answers_offset = inside_offset + (len(inside) - len(inside.lstrip()))

        if not answers:
            self.unsupported("question ouverte (essay, « {} ») : non prise en charge, ignorée.")
            return None
        stem = self.markdown(stem_raw, stem_format, body_start)
        if not stem.strip(_BLANK_MARK + BLANK + " "):
            raise self.fail(body_start, "la question n'a pas d'énoncé.")
        parts: dict[str, Any] = {"title": title, "stem": stem, "explanation": general}
        if answers.startswith("#"):
            parts.update(self.numeric(answers[1:], answers_offset + 1, stem_format))
        elif "~" in answers:
            parts.update(self.choices(answers, answers_offset, stem_format))
        elif "=" in answers and "->" in answers:
            parts.update(self.matching(answers, answers_offset, stem_format))
        elif answers.split("#", 1)[0].strip().upper() in _TRUEFALSE:
            parts.update(self.truefalse(answers, answers_offset, stem_format))
        else:
            parts.update(self.short(answers, answers_offset, stem_format))
        return parts

    def markdown(self, text: str, fmt: str, offset: int) -> str:
        converted, images = _markdown(text, fmt)
        if images:
            self.warning(offset, f"{images} image(s) retirée(s) du texte : ajoutez-les au dossier media/ du module "
                         "et au texte en Markdown si elles sont nécessaires.")
        return converted

    def weight(self, token: _Token) -> tuple[float | None, str]:
        """The weight written at the start of an answer (as a fraction), and the rest."""
        text = token.text.lstrip()
        match = _WEIGHT_RE.match(text)
        if match:
            percent = float(match.group(1).replace(",", "."))
            if not -100 <= percent <= 100:
                raise self.fail(token.offset, f"poids {match.group(1)} % hors limites : il doit être entre -100 % "
                                "et 100 %.")
            return percent / 100, text[match.end():]
        if _BAD_WEIGHT_RE.match(text):
            raise self.fail(token.offset, f"poids « {_BAD_WEIGHT_RE.match(text).group(0)} » illisible : écrivez "
                            "par exemple %50% ou %-33.33%.")
        return None, text

    @staticmethod
    def feedback_split(text: str) -> tuple[str, str | None]:
        """An answer and its feedback: "Paris # Bravo" -> ("Paris", "Bravo")."""
        answer, _, feedback = text.partition("#")
        return answer.strip(), feedback.strip() or None

    def answer_markdown(self, text: str, fmt: str, offset: int) -> str:
        own_format, text = _split_format(text.strip(), fmt)
        return self.markdown(text, own_format, offset)

    def answer_plain(self, text: str, fmt: str) -> str:
        own_format, text = _split_format(text.strip(), fmt)
        return _plain(text, own_format)

    def leading_text(self, tokens: list[_Token]) -> list[_Token]:
        if tokens and not tokens[0].marker:
            if tokens[0].text.strip():
                raise self.fail(tokens[0].offset, f"« {tokens[0].text.strip()[:30]} » avant la première réponse : "
                                "chaque réponse commence par = (bonne) ou ~ (fausse).")
            return tokens[1:]
        return tokens

    # --- types ---------------------------------------------------------------------------

    def choices(self, answers: str, offset: int, fmt: str) -> dict[str, Any]:
        tokens = self.leading_text(_tokens(answers, offset, "~="))
        several = not any(token.marker == "=" for token in tokens)
        if len(tokens) < 2:
            raise self.fail(offset, "il faut au moins deux réponses.")
        if len(tokens) > MAX_CHOICES:
            raise self.fail(offset, f"trop de réponses ({len(tokens)}) : {MAX_CHOICES} au plus.")
        choices: list[Choice] = []
        for index, token in enumerate(tokens):
            weight, rest = self.weight(token)
            text, feedback = self.feedback_split(rest)
            if not text:
                raise self.fail(token.offset, "réponse vide : écrivez son texte après = ou ~.")
            markdown_text = self.answer_markdown(text, fmt, token.offset)
            markdown_feedback = self.answer_markdown(feedback, fmt, token.offset) if feedback else None
            if token.marker == "=" and weight is None:
                weight = 1.0
            correct = weight is not None and (weight > 0 if several else abs(weight - 1) < EPSILON)
            score = None if weight is None or (correct and not several) else weight
            choices.append(Choice(choice_letter(index), markdown_text, correct, score, markdown_feedback or None))
        correct_choices = [c for c in choices if c.correct]
        if not several:
            if not correct_choices:
                raise self.fail(offset, "aucune réponse ne vaut 100 % : marquez la bonne réponse avec « = » "
                                "(sans poids).")
            if len(correct_choices) > 1:
                raise self.fail(offset, "plusieurs réponses valent 100 % alors qu'une seule est attendue : gardez "
                                "un seul « = », ou donnez des poids (~%50%…) sans « = » pour plusieurs bonnes "
                                "réponses.")
            return {"type": "single", "choices": tuple(choices)}
        if not correct_choices:
            raise self.fail(offset, "aucune bonne réponse : marquez-la avec « = », ou, pour plusieurs bonnes "
                            "réponses, donnez-leur un poids positif (~%50%…).")
        total = sum(c.score or 0 for c in correct_choices)
        if total < 0.99:
            raise self.fail(offset, f"les bonnes réponses totalisent {format_number(round(total * 100, 2))} % : "
                            "il faut 100 % pour qu'une réponse parfaite ait tous les points.")
        # Weights equal to our defaults are left implicit: the block reads as the
        # README shows it, and grading is the same.
        share = 1 / len(correct_choices)
        choices = [
            dataclasses.replace(c, score=None) if c.score is not None and abs(abs(c.score) - share) < 1e-3
            and (c.score > 0) == c.correct else c
            for c in choices
        ]
        return {"type": "multiple", "choices": tuple(choices)}

    def truefalse(self, answers: str, offset: int, fmt: str) -> dict[str, Any]:
        answer_text, wrong, right = (answers.split("#", 2) + [None, None])[:3]
        answer = _TRUEFALSE[answer_text.strip().upper()]
        # Moodle: {T#shown to whoever answers wrong#shown to whoever answers right}
        wrong_md = self.answer_markdown(wrong, fmt, offset) if wrong and wrong.strip() else None
        right_md = self.answer_markdown(right, fmt, offset) if right and right.strip() else None
        return {
            "type": "truefalse",
            "answer": answer,
            "feedback_true": right_md if answer else wrong_md,
            "feedback_false": wrong_md if answer else right_md,
        }

    def short(self, answers: str, offset: int, fmt: str) -> dict[str, Any]:
        tokens = _tokens(answers, offset, "=")
        if tokens and not tokens[0].text.strip():
            tokens = tokens[1:]
        accepted: list[str] = []
        seen: set[str] = set()
        accepted_feedback: list[str] = []
        anticipated: list[Anticipated] = []
        feedback_incorrect = None
        for token in tokens:
            weight, rest = self.weight(token)
            weight = 1.0 if weight is None else weight
            text, feedback = self.feedback_split(rest)
            if not text:
                raise self.fail(token.offset, "réponse vide : écrivez son texte après « = ».")
            if weight < 0:
                raise self.fail(token.offset, "poids négatif : une réponse courte ne peut pas retirer de points.")
            plain = self.answer_plain(text, fmt)
            feedback_md = self.answer_markdown(feedback, fmt, token.offset) if feedback else None
            if plain == "*":
                if weight > 0:
                    raise self.fail(token.offset, "la réponse joker « * » qui rapporte des points n'est pas prise "
                                    "en charge : toute réponse serait juste.")
                feedback_incorrect = feedback_md
                continue
            if "*" in plain:
                self.warning(token.offset, f"le joker « * » n'est pas pris en charge : « {plain} » sera comparée "
                             "telle quelle.")
            key = normalize_text(plain)
            if not key:
                raise self.fail(token.offset, f"la réponse « {plain} » ne contient que de la ponctuation.")
            if key in seen:
                continue
            seen.add(key)
            if weight >= 1 - EPSILON:
                accepted.append(plain)
                if feedback_md:
                    accepted_feedback.append(feedback_md)
            else:
                anticipated.append(Anticipated(text=plain, feedback=feedback_md or "", score=weight))
        if not accepted:
            raise self.fail(offset, "aucune réponse ne vaut 100 % : écrivez la bonne réponse après « = ».")
        if len(set(accepted_feedback)) > 1:
            self.warning(offset, "chaque réponse acceptée a son propre retour : seul le premier est gardé, pour "
                         "toutes les bonnes réponses.")
        return {
            "type": "short",
            "accepted": tuple(accepted),
            "anticipated": tuple(anticipated),
            "feedback_correct": accepted_feedback[0] if accepted_feedback else None,
            "feedback_incorrect": feedback_incorrect,
        }

    def number(self, text: str, offset: int) -> float:
        try:
            return parse_number(text.translate(_UNESCAPE))
        except AnswerError:
            raise self.fail(offset, f"« {text.strip()[:30]} » n'est pas un nombre.") from None

    def numeric(self, answers: str, offset: int, fmt: str) -> dict[str, Any]:
        feedback_incorrect = None
        wrong_at = answers.find("~")
        if wrong_at >= 0:
            _, wrong_feedback = self.feedback_split(answers[wrong_at + 1:])
            if wrong_feedback:
                feedback_incorrect = self.answer_markdown(wrong_feedback, fmt, offset + wrong_at)
            answers = answers[:wrong_at]
        tokens = _tokens(answers, offset, "=")
        if tokens and not tokens[0].text.strip():
            tokens = tokens[1:]
        if not tokens:
            raise self.fail(offset, "aucune réponse numérique : écrivez par exemple {#3.14:0.01} ou {#1..5}.")
        numeric_answers: list[NumericAnswer] = []
        for token in tokens:
            weight, rest = self.weight(token)
            weight = 1.0 if weight is None else weight
            if weight < 0:
                raise self.fail(token.offset, "poids négatif : une réponse numérique ne peut pas retirer de points.")
            spec, feedback = self.feedback_split(rest)
            feedback_md = self.answer_markdown(feedback, fmt, token.offset) if feedback else None
            if not spec:
                raise self.fail(token.offset, "réponse numérique vide : écrivez un nombre, par exemple 3.14:0.01.")
            if ".." in spec[1:]:
                at = spec.index("..", 1)
                low, high = self.number(spec[:at], token.offset), self.number(spec[at + 2:], token.offset)
                if low > high:
                    raise self.fail(token.offset, f"intervalle {spec} : le minimum dépasse le maximum.")
                numeric_answers.append(NumericAnswer(minimum=low, maximum=high, score=weight, feedback=feedback_md))
            elif _ESCAPES[":"] in spec or ":" in spec[1:]:
                value_text, _, tolerance_text = spec.replace(_ESCAPES[":"], ":").partition(":")
                value, tolerance = self.number(value_text, token.offset), self.number(tolerance_text, token.offset)
                if tolerance < 0:
                    raise self.fail(token.offset, "la marge d'erreur doit être positive ou nulle.")
                numeric_answers.append(NumericAnswer(value=value, tolerance=tolerance, score=weight,
                                                     feedback=feedback_md))
            else:
                numeric_answers.append(NumericAnswer(value=self.number(spec, token.offset), score=weight,
                                                     feedback=feedback_md))
        if not any(a.score >= 1 - EPSILON for a in numeric_answers):
            raise self.fail(offset, "aucune réponse ne vaut 100 % : donnez au moins une réponse sans poids "
                            "(ou %100%).")
        feedback_correct = None
        if len(numeric_answers) == 1 and numeric_answers[0].feedback:
            # One answer: its feedback is the feedback for a right answer.
            feedback_correct = numeric_answers[0].feedback
            numeric_answers = [dataclasses.replace(numeric_answers[0], feedback=None)]
        return {
            "type": "numeric",
            "numeric_answers": tuple(numeric_answers),
            "feedback_correct": feedback_correct,
            "feedback_incorrect": feedback_incorrect,
        }

    def matching(self, answers: str, offset: int, fmt: str) -> dict[str, Any]:
        tokens = self.leading_text(_tokens(answers, offset, "="))
        pairs: list[tuple[str, str]] = []
        distractors: list[str] = []
        lefts: set[str] = set()
        for token in tokens:
            if "->" not in token.text:
                raise self.fail(token.offset, "chaque paire s'écrit « =élément -> réponse ».")
            left_raw, _, right_raw = token.text.partition("->")
            right = self.answer_plain(right_raw, "plain")
            if not right:
                raise self.fail(token.offset, "paire sans réponse après « -> ».")
            right = _escape_line_starts(_escape_inline(right))
            if not left_raw.strip():
                distractors.append(right)  # Moodle: a right-hand answer that matches nothing
                continue
            left = self.answer_markdown(left_raw, fmt, token.offset)
            if left in lefts:
                raise self.fail(token.offset, f"l'élément « {left[:30]} » figure deux fois.")
            lefts.add(left)
            pairs.append((left, right))
        if len(pairs) < 2:
            raise self.fail(offset, "il faut au moins deux paires « =élément -> réponse ».")
        rights = {right for _, right in pairs}
        return {"type": "matching", "pairs": pairs,
                "distractors": [d for d in dict.fromkeys(distractors) if d not in rights]}


def _build(parts: dict[str, Any], question_id: str, tags: tuple[str, ...], line: int) -> Question:
    kind = parts["type"]
    fields: dict[str, Any] = {
        "id": question_id,
        "type": kind,
        "stem": parts["stem"],
        "explanation": parts["explanation"],
        "title": parts["title"],
        "tags": tags,
        "line": line,
    }
    if kind in ("single", "multiple"):
        fields["choices"] = parts["choices"]
    elif kind == "truefalse":
        fields.update(answer=parts["answer"], feedback_true=parts["feedback_true"],
                      feedback_false=parts["feedback_false"])
    elif kind == "short":
        fields.update(accepted=parts["accepted"], anticipated=parts["anticipated"],
                      feedback_correct=parts["feedback_correct"], feedback_incorrect=parts["feedback_incorrect"])
    elif kind == "numeric":
        fields.update(numeric_answers=parts["numeric_answers"], feedback_correct=parts["feedback_correct"],
                      feedback_incorrect=parts["feedback_incorrect"])
    elif kind == "matching":
        rights: dict[str, Item] = {}
        pairs = []
        for left, right in parts["pairs"]:
            partner = rights.setdefault(right, Item(item_id(question_id, right), right))
            pairs.append(Pair(Item(item_id(question_id, left), left), partner.id))
        for text in parts["distractors"]:
            rights.setdefault(text, Item(item_id(question_id, text), text))
        fields.update(pairs=tuple(pairs), right_choices=tuple(rights.values()))
    return Question(**fields)


def parse_gift(
    data: str | bytes,
    *,
    path: Path,
    id_prefix: str = "gift",
    taken_ids: Iterable[str] = (),
) -> GiftImport:
    """Read a GIFT file (UTF-8, with or without BOM) into questions.

    Ids come from the GIFT titles (``::Q1 Réseaux::`` -> ``q1-reseaux``), or
    are derived from the stem with ``id_prefix``; they are unique within the
    file and differ from ``taken_ids``. Problems are reported at their line
    of the GIFT file; a question with an error is left out and counted in
    ``invalid``; essays and descriptions are listed in ``unsupported``.
    """
    result = GiftImport()
    text = _decode(data, path, result.problems)
    if text is None:
        return result
    taken = set(taken_ids)
    for block in _blocks(text):
        reader = _QuestionReader(block, path, result)
        try:
            parts = reader.read()
        except _Skip:
            parts = None
        if parts is None:
            result.problems.extend(reader.problems)
            if reader.problems.errors:
                result.invalid += 1
            continue
        title_slug = slugify(parts["title"]) if parts["title"] else ""
        base = title_slug if title_slug and is_valid_id(title_slug) else derived_id(id_prefix, parts["stem"])
        question_id = _unique(base, taken)
        tags = (block.category,) if block.category else ()
        question = _build(parts, question_id, tags, block.first_line)
        _check_conversion(question, reader)
        result.problems.extend(reader.problems)
        if reader.problems.errors:
            result.invalid += 1
            continue
        taken.add(question_id)
        if not question.explanation:
            result.problems.warning(path, block.first_line, f"pas de retour général (####) : écrivez l'explication "
                                    f"de la question « {question_id} » (champ explanation) avant de publier le "
                                    "module.")
        result.questions.append(question)
    return result


def _check_conversion(question: Question, reader: _QuestionReader) -> None:
    """Read the question back from its Markdown block: what we write must be what we read."""
    problems = Problems()
    # Without a general feedback, the explanation is missing on purpose: read
    # the block with a stand-in one, so that every other check still runs.
    probe = question if question.explanation else dataclasses.replace(question, explanation="-")
    yaml_text = question_to_yaml(probe)
    parsed = parse_question(yaml_text, path=reader.path, line=1, problems=problems, id_prefix="gift", in_quiz=True)
    for problem in problems.errors:
        reader.error(None, f"question impossible à convertir : {problem.message}")
    if parsed is not None and dataclasses.replace(parsed, line=question.line) != probe:
        reader.error(None, "question impossible à convertir sans la modifier : signalez ce fichier aux "
                     "développeurs de Lycée IA.")


# --- writing ---------------------------------------------------------------------------------------


class _Flow(list):
    """A short list written on one line: accepted: [a, b]."""


class _Dumper(yaml.SafeDumper):
    # Lists indented under their key, as in courses/README.md.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Several lines: a literal block, unless a line could be read as the end
    # of the ```question fence around it.
    if "\n" not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text)
    if re.search(r"^\s*(```|~~~)", text, re.M):
        # Double quotes write line breaks as \n: the whole text stays on one line.
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


def _represent_flow(dumper: yaml.SafeDumper, items: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(items), flow_style=True)


def _represent_float(dumper: yaml.SafeDumper, number: float) -> yaml.ScalarNode:
    if number.is_integer() and abs(number) < 1e15:
        return dumper.represent_int(int(number))
    return yaml.SafeDumper.represent_float(dumper, number)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(float, _represent_float)


def _numeric_fields(answer: NumericAnswer, value_key: str) -> dict[str, Any]:
    if answer.minimum is not None and answer.maximum is not None:
        return {"range": _Flow([answer.minimum, answer.maximum])}
    fields: dict[str, Any] = {value_key: answer.value}
    if answer.tolerance:
        fields["tolerance"] = answer.tolerance
    return fields


def question_to_data(question: Question) -> dict[str, Any]:
    """The fields of a ```question block for ``question``, in the README's order."""
    data: dict[str, Any] = {"id": question.id, "type": question.type}
    if question.title:
        data["title"] = question.title
    if question.tags:
        data["tags"] = _Flow(question.tags)
    data["stem"] = question.stem
    kind = question.type
    if kind in ("single", "multiple"):
        options = []
        for index, choice in enumerate(question.choices):
            option: dict[str, Any] = {}
            if choice.id != choice_letter(index):
                option["id"] = choice.id
            option["text"] = choice.text
            if choice.correct:
                option["correct"] = True
            if choice.score is not None:
                option["score"] = choice.score
            if choice.feedback:
                option["feedback"] = choice.feedback
            options.append(option)
        data["options"] = options
    elif kind == "truefalse":
        data["answer"] = bool(question.answer)
        feedback = {}
        if question.feedback_true:
            feedback[True] = question.feedback_true
        if question.feedback_false:
            feedback[False] = question.feedback_false
        if feedback:
            data["feedback"] = feedback
    elif kind == "short":
        data["accepted"] = _Flow(question.accepted)
        if question.anticipated:
            data["anticipated"] = [
                {"text": a.text, **({"score": a.score} if a.score else {}), **({"feedback": a.feedback} if a.feedback else {})}
                for a in question.anticipated
            ]
    elif kind == "numeric":
        answers = question.numeric_answers
        if len(answers) == 1 and answers[0].score == 1 and not answers[0].feedback:
            data.update(_numeric_fields(answers[0], "answer"))
        else:
            data["answers"] = [
                {**_numeric_fields(a, "value"), **({"score": a.score} if a.score != 1 else {}),
                 **({"feedback": a.feedback} if a.feedback else {})}
                for a in answers
            ]
        if question.anticipated:
            data["anticipated"] = [
                {"value": a.value, **({"feedback": a.feedback} if a.feedback else {})} for a in question.anticipated
            ]
    elif kind == "ordering":
        data["items"] = [item.text for item in question.items]
    elif kind == "matching":
        rights = {item.id: item.text for item in question.right_choices}
        data["pairs"] = [{"left": pair.left.text, "right": rights[pair.right_id]} for pair in question.pairs]
        used = {pair.right_id for pair in question.pairs}
        distractors = [item.text for item in question.right_choices if item.id not in used]
        if distractors:
            data["distractors"] = _Flow(distractors)
    elif kind == "scale":
        data["scale"] = _Flow(question.scale)
    if question.feedback_correct:
        data["feedback_correct"] = question.feedback_correct
    if question.feedback_incorrect:
        data["feedback_incorrect"] = question.feedback_incorrect
    if question.explanation:
        data["explanation"] = question.explanation
    if question.source:
        data["source"] = question.source
    return data


def question_to_yaml(question: Question) -> str:
    """The YAML inside the ```question block of ``question``."""
    text = yaml.dump(
        question_to_data(question), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=10_000,
    )
    if not question.explanation:
        # The author must write it; the checker refuses the question until then.
        text += "# explanation: à écrire (montrée après la réponse, obligatoire)\n"
    return text


def to_markdown_blocks(questions: Iterable[Question]) -> str:
    """Questions as ```question blocks, separated by blank lines, as in courses/README.md."""
    return "\n".join(f"```question\n{question_to_yaml(question)}```\n" for question in questions)


def _numeric_label(answer: NumericAnswer) -> str:
    if answer.minimum is not None and answer.maximum is not None:
        return f"{format_number(answer.minimum)} .. {format_number(answer.maximum)}"
    assert answer.value is not None
    if answer.tolerance:
        return f"{format_number(answer.value)} ± {format_number(answer.tolerance)}"
    return format_number(answer.value)


def question_to_dict(question: Question) -> dict[str, Any]:
    """A plain description of a question: type, title, stem, options (text, weight, feedback)...

    ``score`` is the weight our grading gives each option, between -1 and 1.
    """
    options: list[dict[str, Any]] = []
    kind = question.type
    if kind in ("single", "multiple"):
        options = [
            {"id": c.id, "text": c.text, "correct": c.correct, "score": choice_weight(question, c), "feedback": c.feedback}
            for c in question.choices
        ]
    elif kind == "truefalse":
        options = [
            {"text": "Vrai", "value": True, "correct": question.answer is True,
             "score": 1.0 if question.answer is True else 0.0, "feedback": question.feedback_true},
            {"text": "Faux", "value": False, "correct": question.answer is False,
             "score": 1.0 if question.answer is False else 0.0, "feedback": question.feedback_false},
        ]
    elif kind == "short":
        options = [
            {"text": text, "correct": True, "score": 1.0, "feedback": question.feedback_correct}
            for text in question.accepted
        ] + [
            {"text": a.text, "correct": False, "score": a.score, "feedback": a.feedback or None}
            for a in question.anticipated
        ]
    elif kind == "numeric":
        options = [
            {"text": _numeric_label(a), "value": a.value, "tolerance": a.tolerance if a.value is not None else None,
             "min": a.minimum, "max": a.maximum, "correct": a.score >= 1 - EPSILON, "score": a.score,
             "feedback": a.feedback
             or (question.feedback_correct if a.score >= 1 - EPSILON else question.feedback_incorrect)}
            for a in question.numeric_answers
        ] + [
            {"text": format_number(a.value or 0), "value": a.value, "correct": False, "score": 0.0,
             "feedback": a.feedback or None}
            for a in question.anticipated
        ]
    elif kind == "matching":
        rights = {item.id: item.text for item in question.right_choices}
        share = 1 / len(question.pairs) if question.pairs else 0.0
        options = [
            {"text": pair.left.text, "match": rights[pair.right_id], "score": share, "feedback": None}
            for pair in question.pairs
        ]
    elif kind == "ordering":
        options = [{"text": item.text, "position": index + 1} for index, item in enumerate(question.items)]
    elif kind == "scale":
        options = [{"text": label} for label in question.scale]
    data: dict[str, Any] = {
        "id": question.id,
        "type": kind,
        "title": question.title,
        "tags": list(question.tags),
        "line": question.line,
        "stem": question.stem,
        "options": options,
    }
    if kind == "matching":
        used = {pair.right_id for pair in question.pairs}
        data["distractors"] = [item.text for item in question.right_choices if item.id not in used]
    data["feedback_correct"] = question.feedback_correct
    data["feedback_incorrect"] = question.feedback_incorrect
    data["general_feedback"] = question.explanation
    return data


def to_json(questions: Iterable[Question]) -> str:
    """The questions as a JSON list (UTF-8 text, indented), for ``gift import --json``."""
    return json.dumps([question_to_dict(q) for q in questions], ensure_ascii=False, indent=2)
