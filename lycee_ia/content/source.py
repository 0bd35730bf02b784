"""Reading a module folder: front matter, sections and question blocks, with lines.

This layer knows the file format and nothing of HTML. Every problem is
reported with the file and the line an author must open.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lycee_ia.content.problems import Problems

# libyaml's parser, when PyYAML was built with it (the PyPI wheels are), reads
# the 14 shipped modules' YAML about fifteen times faster than the pure Python
# one, with the same nodes and the same line marks for error messages.
YAML_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MODULE_FILE = "module.md"
QUIZ_FILE = "quiz.md"
MEDIA_DIR = "media"
MODULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
SECTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
HEADING_RE = re.compile(r"^##(?!#)\s*(?P<title>.*?)\s*(?:\{\s*#(?P<id>[^}\s]+)\s*\})?\s*$")
FENCE_RE = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
AUDIENCES = ("eleve", "personnel")
LEVELS = ("decouverte", "approfondissement", "expert")


@dataclass(frozen=True)
class Block:
    """A fenced ``question`` block: its YAML text and the file line of its first YAML line."""

    text: str
    line: int


@dataclass
class SectionSource:
    title: str
    id: str
    line: int  # the line of the ## heading
    lines: list[tuple[int, str]] = field(default_factory=list)  # (file line, text), questions removed
    blocks: list[Block] = field(default_factory=list)
    # Where each block sat: index into ``lines`` before which it appears.
    block_positions: list[int] = field(default_factory=list)

    @property
    def markdown(self) -> str:
        return "\n".join(text for _, text in self.lines)


@dataclass
class ModuleSource:
    folder: Path
    path: Path  # module.md
    meta: dict[str, Any]
    meta_lines: dict[str, int]  # front matter key -> file line
    body_line: int  # first line after the front matter
    sections: list[SectionSource]
    quiz_path: Path | None = None
    quiz_meta: dict[str, Any] = field(default_factory=dict)
    quiz_meta_line: int = 1
    quiz_blocks: list[Block] = field(default_factory=list)
    quiz_intro: str = ""


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "section"


def read_text(path: Path, problems: Problems) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.error(path, 1, f"fichier illisible ({error.strerror}).")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.error(path, line, "le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8.")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(
    path: Path, text: str, problems: Problems
) -> tuple[dict[str, Any] | None, dict[str, int], int]:
    """Return (front matter, key -> line, first body line). None if it cannot be read."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error(path, 1, "le fichier doit commencer par un en-tête YAML entre deux lignes « --- ».")
        return None, {}, 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        problems.error(path, 1, "l'en-tête YAML n'est pas refermé par une ligne « --- ».")
        return None, {}, 1
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=YAML_LOADER)
        data = yaml.load(yaml_text, Loader=YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark else 2
        problems.error(path, line, f"en-tête YAML invalide : {getattr(error, 'problem', None) or error}.")
        return None, {}, end + 2
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error(path, 2, "l'en-tête YAML doit être une liste de champs « nom: valeur ».")
        return None, {}, end + 2
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
            # Lines of list items, e.g. sources[2] -> the line of that item.
            if isinstance(value_node, yaml.SequenceNode):
                for index, item in enumerate(value_node.value):
                    key_lines[f"{key_node.value}[{index}]"] = item.start_mark.line + 2
                    # ... and of their fields, e.g. sources[2].checked.
                    if isinstance(item, yaml.MappingNode):
                        for field_node, _ in item.value:
                            key_lines[f"{key_node.value}[{index}].{field_node.value}"] = field_node.start_mark.line + 2
    return data, key_lines, end + 2


def split_sections(path: Path, text_lines: list[str], first_line: int, problems: Problems) -> list[SectionSource]:
    """Split a module body into ``##`` sections, lifting out ```question blocks."""
    sections: list[SectionSource] = []
    fence: str | None = None
    block: list[str] | None = None
    block_line = 0
    fence_line = 0
    preamble: list[int] = []
    for offset, text in enumerate(text_lines):
        number = first_line + offset
        if fence is not None:
            if text.strip().startswith(fence) and text.strip() == fence[0] * len(text.strip()) and len(text.strip()) >= len(fence):
                if block is not None and sections:
                    section = sections[-1]
                    section.block_positions.append(len(section.lines))
                    section.blocks.append(Block("\n".join(block), block_line))
                elif sections:
                    sections[-1].lines.append((number, text))
                fence, block = None, None
                continue
            if block is not None:
                block.append(text)
            elif sections:
                sections[-1].lines.append((number, text))
            continue
        match = FENCE_RE.match(text)
        if match:
            fence = match.group("fence")
            fence_line = number
            if match.group("info") == "question":
                block, block_line = [], number + 1
                if not sections:
                    problems.error(path, number, "une question apparaît avant la première section « ## ».")
            elif sections:
                sections[-1].lines.append((number, text))
            continue
        heading = HEADING_RE.match(text)
        if heading and text.startswith("##"):
            title = heading.group("title").strip()
            explicit = heading.group("id")
            if not title:
                problems.error(path, number, "titre de section vide après « ## ».")
            if explicit is not None and not SECTION_ID_RE.match(explicit):
                problems.error(
                    path, number, f"identifiant de section « {explicit} » invalide : lettres minuscules, chiffres et tirets."
                )
                explicit = None
            sections.append(SectionSource(title=title, id=explicit or slugify(title), line=number))
            continue
        if sections:
            sections[-1].lines.append((number, text))
        elif text.strip():
            preamble.append(number)
    if fence is not None:
        problems.error(path, fence_line, f"bloc ouvert par « {fence} » jamais refermé.")
    if preamble:
        problems.error(
            path, preamble[0], "du texte précède la première section : commencez le corps du module par un titre « ## »."
        )
    return sections


def read_module(folder: Path, problems: Problems) -> ModuleSource | None:
    """Read ``folder``; None when module.md cannot be parsed at all."""
    path = folder / MODULE_FILE
    if not path.is_file():
        problems.error(path, 1, f"fichier {MODULE_FILE} absent du dossier du module.")
        return None
    text = read_text(path, problems)
    if text is None:
        return None
    meta, meta_lines, body_line = split_front_matter(path, text, problems)
    if meta is None:
        return None
    body = text.split("\n")[body_line - 1 :]
    sections = split_sections(path, body, body_line, problems)
    source = ModuleSource(
        folder=folder, path=path, meta=meta, meta_lines=meta_lines, body_line=body_line, sections=sections
    )
    quiz_path = folder / QUIZ_FILE
    if quiz_path.is_file():
        read_quiz(source, quiz_path, problems)
    return source


def read_quiz(source: ModuleSource, path: Path, problems: Problems) -> None:
    text = read_text(path, problems)
    if text is None:
        return
    meta, _lines, body_line = split_front_matter(path, text, problems)
    if meta is None:
        return
    source.quiz_path = path
    source.quiz_meta = meta
    source.quiz_meta_line = 2
    lines = text.split("\n")[body_line - 1 :]
    intro: list[str] = []
    fence: str | None = None
    block: list[str] | None = None
    block_line = fence_line = 0
    for offset, line_text in enumerate(lines):
        number = body_line + offset
        stripped = line_text.strip()
        if fence is not None:
            if stripped and stripped == fence[0] * len(stripped) and len(stripped) >= len(fence):
                if block is not None:
                    source.quiz_blocks.append(Block("\n".join(block), block_line))
                fence, block = None, None
            elif block is not None:
                block.append(line_text)
            continue
        match = FENCE_RE.match(line_text)
        if match:
            fence, fence_line = match.group("fence"), number
            if match.group("info") == "question":
                block, block_line = [], number + 1
            else:
                problems.error(path, number, "quiz.md ne contient que du texte et des blocs « ```question ».")
            continue
        if line_text.startswith("#"):
            problems.error(path, number, "pas de titre dans quiz.md : le quiz s'affiche sous le titre du module.")
            continue
        if not source.quiz_blocks and block is None:
            intro.append(line_text)
        elif stripped:
            problems.error(path, number, "texte entre deux questions : mettez-le dans l'énoncé ou l'explication.")
    if fence is not None:
        problems.error(path, fence_line, f"bloc ouvert par « {fence} » jamais refermé.")
    source.quiz_intro = "\n".join(intro).strip()
