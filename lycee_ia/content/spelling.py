"""Spelling of the content: the prose of every module, checked by Hunspell.

What is checked is what learners read: titles, summaries, objectives, the
glossary, the body text (without URLs, code, ids or Markdown marks), the
prose fields of questions, and the text drawn in SVG figures. Sources are
not: their titles are often in English and their authors are names.
Technical words and names go in the project's word list, ``courses/mots.txt``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from lycee_ia.content.source import FENCE_RE, MEDIA_DIR, MODULE_FILE, QUIZ_FILE, YAML_LOADER
from lycee_ia.content.kit import KIT_FILE

WORD_LIST = "mots.txt"
FRONT_MATTER_PROSE = ("title", "summary", "objectives", "glossary")
QUESTION_PROSE = frozenset(
    {"stem", "text", "feedback", "explanation", "feedback_incorrect", "feedback_correct", "items", "left", "right",
     "distractors", "scale", "true", "false"}
)
# Answers a student might type, right or wrong on purpose: not prose.
QUESTION_NOT_PROSE = frozenset({"accepted", "id", "type", "source", "title", "tags", "value", "answer", "tolerance",
                                "range", "score", "correct", "min", "max"})


@dataclass(frozen=True)
class ProseLine:
    path: Path
    line: int
    text: str


@dataclass(frozen=True)
class Misspelling:
    path: Path
    line: int
    word: str
    suggestions: tuple[str, ...]


def strip_markdown(text: str) -> str:
    """The French words of a Markdown line, without what is not language.

    Italics are left out: French typography sets titles of works and foreign
    words in italics, and those are not French words to check.
    """
    if re.match(r"^\s*\[\^[^\]]+\]:", text):
        return ""  # a footnote definition is a citation, like the sources
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r" \1 ", text)  # images: their alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r" \1 ", text)  # links: their text
    text = re.sub(r"^\[\^[^\]]+\]:", " ", text)  # a footnote definition's label
    text = re.sub(r"\[\^[^\]]+\]|\{#[^}]*\}|\[![a-z-]+\]", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\S+|\b10\.\d{4,9}/\S+", " ", text)
    text = re.sub(r"\b[\w.-]+\.(?:fr|org|com|eu|gouv|net|io|int)(?:/\S*)?\b", " ", text)
    text = re.sub(r"(?<![*\w])\*(?!\*)[^*]+\*(?!\*)|(?<![_\w])_(?!_)[^_]+_(?![_\w])", " ", text)
    text = re.sub(r"[^\w'’\- ]|(?<!\w)[-'’]|[-'’](?!\w)", " ", text)
    # Codes, versions and references (GPT-4, F3SCT, 10.1093/jla) are not words.
    return " ".join(word for word in text.split() if not re.search(r"\d", word))


def _yaml_strings(node: yaml.Node, base_line: int, key: str | None = None) -> Iterator[tuple[int, str]]:
    """Prose strings of a YAML node, as (file line, text), chosen by their key."""
    if isinstance(node, yaml.ScalarNode):
        if key in QUESTION_PROSE and isinstance(node.value, str):
            first = base_line + node.start_mark.line + (1 if node.style in ("|", ">") else 0)
            for offset, part in enumerate(node.value.split("\n")):
                yield first + offset, part
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_strings(item, base_line, key)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = str(key_node.value)
            # feedback: {true: ..., false: ...}: both sides are prose
            if key == "feedback":
                yield from _yaml_strings(value_node, base_line, "feedback")
            elif name not in QUESTION_NOT_PROSE:
                yield from _yaml_strings(value_node, base_line, name)


def _front_matter(path: Path, lines: list[str]) -> tuple[list[ProseLine], int]:
    """Prose of the front matter (title, summary, objectives, glossary); and where the body starts."""
    if not lines or lines[0].strip() != "---":
        return [], 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return [], 0
    try:
        node = yaml.compose("\n".join(lines[1:end]), Loader=YAML_LOADER)
    except yaml.YAMLError:
        return [], end + 1
    found: list[ProseLine] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "glossary":
                # Each entry's term and definition are prose.
                for entry in value_node.value if isinstance(value_node, yaml.SequenceNode) else ():
                    for _key, value in entry.value if isinstance(entry, yaml.MappingNode) else ():
                        found.extend(ProseLine(path, line, text) for line, text in _yaml_strings(value, 2, "text"))
            elif key_node.value in FRONT_MATTER_PROSE:
                found.extend(ProseLine(path, line, text) for line, text in _yaml_strings(value_node, 2, "text"))
    return found, end + 1


def prose_of_markdown(path: Path) -> list[ProseLine]:
    """The prose of module.md or quiz.md, each piece with its file line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found, body_start = _front_matter(path, lines)
    if path.name == QUIZ_FILE:
        found = []  # quiz settings are not prose
    fence: str | None = None
    block: list[str] | None = None
    block_line = 0
    for index in range(body_start, len(lines)):
        text = lines[index]
        number = index + 1
        if fence is not None:
            stripped = text.strip()
            if stripped and stripped == fence[0] * len(stripped) and len(stripped) >= len(fence):
                if block is not None:
                    try:
                        node = yaml.compose("\n".join(block), Loader=YAML_LOADER)
                    except yaml.YAMLError:
                        node = None
                    if node is not None:
                        found.extend(ProseLine(path, line, part) for line, part in _yaml_strings(node, block_line))
                fence, block = None, None
            elif block is not None:
                block.append(text)
            continue
        match = FENCE_RE.match(text)
        if match:
            fence = match.group("fence")
            if match.group("info") == "question":
                block, block_line = [], number + 1
            continue
        if text.startswith("    ") and not text.strip().startswith(("-", "*", ">", "|")) and text.strip():
            continue  # indented code
        found.append(ProseLine(path, number, text))
    return found


# Text drawn in a figure; an italic tspan (a title, a foreign word) is left out, as in Markdown.
_SVG_TEXT = re.compile(r"<(title|desc|text|tspan)\b(?![^>]*font-style=\"italic\")[^>]*>([^<]*)")


def prose_of_svg(path: Path) -> list[ProseLine]:
    found = []
    for number, text in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        for match in _SVG_TEXT.finditer(text):
            if match.group(2).strip():
                found.append(ProseLine(path, number, match.group(2)))
    return found


def prose_of_module(folder: Path) -> list[ProseLine]:
    found: list[ProseLine] = []
    for name in (MODULE_FILE, QUIZ_FILE, KIT_FILE):  # the teacher kit is read by teachers: checked too
        if (folder / name).is_file():
            found.extend(prose_of_markdown(folder / name))
    media = folder / MEDIA_DIR
    if media.is_dir():
        for svg in sorted(media.glob("*.svg")):
            found.extend(prose_of_svg(svg))
    return found


def hunspell_available() -> bool:
    return shutil.which("hunspell") is not None


def check_spelling(lines: list[ProseLine], word_list: Path | None, dictionary: str = "fr_FR") -> list[Misspelling]:
    """Run Hunspell in pipe mode over ``lines``; return the unknown words with their place."""
    command = ["hunspell", "-a", "-d", dictionary, "-i", "utf-8"]
    personal = None
    if word_list is not None and word_list.is_file():
        # Hunspell's personal dictionary knows no comments: hand it the words only.
        personal = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".dic", delete=False)
        personal.write("\n".join(read_word_list(word_list)) + "\n")
        personal.close()
        command += ["-p", personal.name]
    # "^" makes Hunspell read each line as text, never as a command.
    payload = "".join("^" + " ".join(strip_markdown(item.text).split()) + "\n" for item in lines)
    try:
        output = subprocess.run(command, input=payload, capture_output=True, text=True, check=True).stdout
    finally:
        if personal is not None:
            Path(personal.name).unlink(missing_ok=True)
    results = output.split("\n")[1:]  # the first line is Hunspell's banner
    found: list[Misspelling] = []
    index = 0
    for row in results:
        if index >= len(lines):
            break
        if row == "":
            index += 1
            continue
        if row[0] in "&#":
            parts = row.split(":", 1)
            head = parts[0].split()
            suggestions = tuple(s.strip() for s in parts[1].split(",")) if len(parts) > 1 else ()
            item = lines[index]
            found.append(Misspelling(item.path, item.line, head[1], suggestions[:3]))
    return found


def read_word_list(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
