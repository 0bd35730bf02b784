"""A module, checked and rendered once: what the pages and the quiz use.

``build_module(folder, problems)`` reads the folder, reports every problem it
finds, and returns an immutable :class:`Module` whose HTML is final and
sanitised. It returns None only when the files cannot be parsed at all; a
module with errors is still built (the preview shows it) but the catalogue
does not serve it to learners.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lycee_ia.content import frameworks
from lycee_ia.content.kit import Kit, build_kit, kit_hash
from lycee_ia.content.problems import Problems
from lycee_ia.content.render import (
    RenderContext,
    find_raw_html,
    find_unrendered_lists,
    render_inline,
    render_markdown,
    source_note,
    text_of,
)
from lycee_ia.content.source import (
    AUDIENCES,
    LEVELS,
    MEDIA_DIR,
    MODULE_ID_RE,
    Block,
    ModuleSource,
    SectionSource,
    read_module,
)
from lycee_ia.quiz.model import Question, QuizSettings
from lycee_ia.quiz.parse import parse_question, parse_quiz_settings

WORDS_PER_MINUTE = 150
# Time to read, answer and read the feedback of a question, by type (activity or quiz).
MINUTES_PER_QUESTION = {
    "truefalse": 1, "single": 1, "multiple": 1.5, "numeric": 1.5, "short": 2, "ordering": 2, "matching": 2, "scale": 0.5,
}
# An activity callout whose title announces no time (« **Enquête (10 minutes).** » announces 10).
UNTIMED_ACTIVITY_MINUTES = 5
# The announced duration covers the estimate, and exceeds it by at most this much.
DURATION_SLACK_MINUTES = 10


def french_minutes(value: float) -> str:
    """« 12 », « 30,5 »: minutes to the half, with a decimal comma."""
    rounded = round(value * 2) / 2
    return f"{rounded:g}".replace(".", ",")


DURATION_LINE_RE = re.compile(r"^duration_minutes:[ \t]*\d+[ \t]*$", re.MULTILINE)


def question_minutes(question: Question) -> float:
    return MINUTES_PER_QUESTION.get(question.type, 1)
MEDIA_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".pdf": "application/pdf",  # a document to download, by a link (never shown as an image)
}
IMAGE_SUFFIXES = frozenset({".svg", ".png", ".jpg", ".jpeg", ".webp"})
MAX_MEDIA_BYTES = 2 * 1024 * 1024
ACTIVITY_MARK = "LYCEEIAACTIVITY"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    author: str
    year: int
    url: str
    note: str | None = None
    checked: datetime.date | None = None  # when someone last opened the reference and confirmed it


@dataclass(frozen=True)
class Part:
    """A piece of a section: sanitised HTML, or the id of an activity to render as a form."""

    html: str = ""
    activity: str | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    number: int
    parts: tuple[Part, ...]
    words: int
    callout_minutes: float = 0  # the activity callouts (done on paper or on the laptop)

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(p.activity for p in self.parts if p.activity)


@dataclass(frozen=True)
class Quiz:
    settings: QuizSettings
    intro_html: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    audience: str
    duration_minutes: int
    level: str
    summary: str
    objectives: tuple[str, ...]
    competences: tuple[str, ...]
    sources: tuple[Source, ...]
    glossary: tuple[tuple[str, str], ...]
    version: str
    content_hash: str
    folder: Path
    sections: tuple[Section, ...]
    activities: dict[str, Question] = field(hash=False, compare=False)
    quiz: Quiz | None = None
    words: int = 0
    kit: Kit | None = None  # the teacher kit (kit.md), never part of the version learners see
    kit_hash: str | None = None

    @property
    def question_count(self) -> int:
        return len(self.activities) + (len(self.quiz.questions) if self.quiz else 0)

    @property
    def reading_minutes(self) -> float:
        return self.words / WORDS_PER_MINUTE

    @property
    def activity_minutes(self) -> float:
        """Activity callouts (their announced time) and the questions inside the sections."""
        return sum(s.callout_minutes for s in self.sections) + sum(question_minutes(q) for q in self.activities.values())

    @property
    def quiz_minutes(self) -> float:
        return sum(question_minutes(q) for q in self.quiz.questions) if self.quiz else 0

    @property
    def estimated_minutes(self) -> float:
        return self.reading_minutes + self.activity_minutes + self.quiz_minutes

    @property
    def honest_minutes(self) -> int:
        """The estimate rounded up to 5 minutes: what a module should announce."""
        return max(5, -(-math.ceil(self.estimated_minutes - 1e-9) // 5) * 5)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def question(self, question_id: str) -> Question | None:
        if question_id in self.activities:
            return self.activities[question_id]
        if self.quiz:
            return next((q for q in self.quiz.questions if q.id == question_id), None)
        return None


def content_hash(folder: Path) -> str:
    """Hash of everything a learner sees: module.md, quiz.md and the media files."""
    digest = hashlib.sha256()
    for name in ("module.md", "quiz.md"):
        path = folder / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    media = folder / MEDIA_DIR
    if media.is_dir():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def media_path(folder: Path, relative: str) -> Path | None:
    """The file ``relative`` (``media/...``) inside the module folder, or None.

    Never a path outside ``folder/media``: ``..``, absolute paths, symlinks
    leading out and unknown file types all give None.
    """
    if not relative.startswith(f"{MEDIA_DIR}/") or "\\" in relative or "\0" in relative:
        return None
    base = (folder / MEDIA_DIR).resolve()
    try:
        candidate = (folder / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if base not in candidate.parents or not candidate.is_file():
        return None
    if candidate.suffix.lower() not in MEDIA_TYPES:
        return None
    return candidate


# --- front matter ------------------------------------------------------------------


# A source whose check is older than this is flagged for a new check.
CHECK_VALID_MONTHS = 12


def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _checked_date(value: object) -> datetime.date | None:
    """The ``checked`` field as a date (YAML gives one for 2026-12-04), None if invalid."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _check_meta(source: ModuleSource, problems: Problems, today: datetime.date) -> dict[str, Any]:
    """Validate the front matter; return clean values (defaults where invalid)."""
    meta, path = source.meta, source.path

    def line(key: str) -> int:
        return source.meta_lines.get(key, 2)

    def text_field(key: str, required: bool = True, maximum: int = 300) -> str:
        value = meta.get(key)
        if value is None:
            if required:
                problems.error(path, 2, f"champ « {key} » manquant dans l'en-tête.")
            return ""
        if not isinstance(value, str) or not value.strip():
            problems.error(path, line(key), f"le champ « {key} » doit être un texte non vide.")
            return ""
        if len(value) > maximum:
            problems.error(path, line(key), f"le champ « {key} » dépasse {maximum} caractères.")
        return value.strip()

    clean: dict[str, Any] = {}
    clean["id"] = text_field("id", maximum=100)
    folder_name = source.folder.name
    if clean["id"] and clean["id"] != folder_name:
        problems.error(path, line("id"), f"l'id « {clean['id']} » doit être identique au nom du dossier « {folder_name} ».")
    if clean["id"] and not MODULE_ID_RE.match(clean["id"]):
        problems.error(path, line("id"), "l'id ne contient que des lettres minuscules sans accent, des chiffres et des tirets.")
    clean["title"] = text_field("title", maximum=150)
    clean["summary"] = text_field("summary", maximum=400)
    audience = meta.get("audience")
    if audience not in AUDIENCES:
        problems.error(
            path, line("audience"), f"public « {audience} » inconnu : indiquez « eleve » ou « personnel »."
            if audience is not None else "champ « audience » manquant : indiquez « eleve » ou « personnel »."
        )
        audience = "eleve"
    clean["audience"] = audience
    duration = meta.get("duration_minutes")
    if not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= 240:
        problems.error(
            path, line("duration_minutes"),
            "« duration_minutes » doit être un nombre entier de minutes entre 1 et 240."
            if duration is not None else "champ « duration_minutes » manquant.",
        )
        duration = 0
    clean["duration_minutes"] = duration
    level = meta.get("level")
    if level not in LEVELS:
        problems.error(
            path, line("level"), f"niveau « {level} » inconnu : indiquez {', '.join(LEVELS)}."
            if level is not None else f"champ « level » manquant : indiquez {', '.join(LEVELS)}.",
        )
    clean["level"] = level if level in LEVELS else LEVELS[0]

    objectives = meta.get("objectives")
    if not isinstance(objectives, list) or not objectives or not all(isinstance(o, str) and o.strip() for o in objectives):
        problems.error(path, line("objectives"), "« objectives » doit être une liste de phrases (3 à 5 objectifs).")
        objectives = []
    elif not 3 <= len(objectives) <= 5:
        problems.warning(path, line("objectives"), f"{len(objectives)} objectif(s) : un module en annonce de 3 à 5.")
    clean["objectives"] = tuple(o.strip() for o in objectives)

    competences = meta.get("competences")
    codes: list[str] = []
    if not isinstance(competences, list) or not competences:
        problems.error(path, line("competences"), "« competences » doit être une liste de codes, par exemple [UNESCO:ET, CESER:C5].")
    else:
        for index, code in enumerate(competences):
            code_line = source.meta_lines.get(f"competences[{index}]", line("competences"))
            replacement = frameworks.draft_replacement(code) if isinstance(code, str) else None
            if replacement is not None:
                problems.error(
                    path, code_line, f"« {code} » est un code du projet de mai 2025 du cadre de l'OCDE : "
                    f"le cadre final se code par domaine, ici « {replacement} » (voir courses/README.md, §7)."
                )
            elif not isinstance(code, str) or not frameworks.is_known(code):
                problems.error(path, code_line, f"code de compétence inconnu : « {code} » (voir la liste dans courses/README.md, §7).")
            elif code in codes:
                problems.warning(path, code_line, f"code « {code} » en double.")
            else:
                codes.append(code)
    clean["competences"] = tuple(codes)

    sources: list[Source] = []
    raw_sources = meta.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        problems.error(path, line("sources"), "« sources » doit être une liste de sources (titre, auteur, année, lien).")
        raw_sources = []
    seen_ids: set[str] = set()
    for index, entry in enumerate(raw_sources):
        entry_line = source.meta_lines.get(f"sources[{index}]", line("sources"))
        if not isinstance(entry, dict):
            problems.error(path, entry_line, "chaque source doit avoir les champs id, title, author, year et url.")
            continue
        missing = [k for k in ("id", "title", "author") if not isinstance(entry.get(k), str) or not entry.get(k).strip()]
        if missing:
            problems.error(path, entry_line, f"source sans {', '.join(missing)}.")
            continue
        year = entry.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2100:
            problems.error(path, entry_line, f"source « {entry['id']} » : année manquante ou invalide (un nombre, par exemple 2025).")
            year = 0
        url = entry.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/$.?#][^\s]*$", url):
            problems.error(path, entry_line, f"source « {entry['id']} » : lien (url) manquant ou invalide, commençant par https://.")
            url = ""
        if entry["id"] in seen_ids:
            problems.error(path, entry_line, f"deux sources portent l'id « {entry['id']} ».")
        seen_ids.add(entry["id"])
        note = entry.get("note")
        checked = None
        if "checked" not in entry or entry.get("checked") is None:
            problems.warning(
                path, entry_line, f"source « {entry['id']} » sans date de vérification : ouvrez la référence, "
                "confirmez-la, puis ajoutez « checked: AAAA-MM-JJ »."
            )
        else:
            checked_line = source.meta_lines.get(f"sources[{index}].checked", entry_line)
            checked = _checked_date(entry["checked"])
            if checked is None:
                problems.error(
                    path, checked_line, f"source « {entry['id']} » : date de vérification invalide, "
                    "écrivez-la « checked: AAAA-MM-JJ », par exemple 2026-12-04."
                )
            elif checked > today:
                problems.error(path, checked_line, f"source « {entry['id']} » : date de vérification dans le futur ({checked.isoformat()}).")
                checked = None
            elif checked < _months_before(today, CHECK_VALID_MONTHS):
                problems.warning(
                    path, checked_line, f"source « {entry['id']} » vérifiée le {checked.isoformat()}, il y a plus de "
                    f"{CHECK_VALID_MONTHS} mois : ouvrez-la de nouveau, confirmez ce que le module en dit, "
                    "puis mettez la date à jour."
                )
        sources.append(
            Source(entry["id"], entry["title"].strip(), entry["author"].strip(), year, url,
                   note if isinstance(note, str) else None, checked)
        )
    clean["sources"] = tuple(sources)

    glossary: list[tuple[str, str]] = []
    raw_glossary = meta.get("glossary") or []
    if not isinstance(raw_glossary, list):
        problems.error(path, line("glossary"), "« glossary » doit être une liste d'entrées term/definition.")
        raw_glossary = []
    for index, entry in enumerate(raw_glossary):
        entry_line = source.meta_lines.get(f"glossary[{index}]", line("glossary"))
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("term", "definition")):
            problems.error(path, entry_line, "chaque entrée du glossaire a un « term » et une « definition ».")
            continue
        glossary.append((entry["term"].strip(), entry["definition"].strip()))
    # Alphabetical order as a French reader expects it: « étiquette » among the e.
    clean["glossary"] = tuple(sorted(glossary, key=lambda entry: (_collation_key(entry[0]), entry[0])))
    version = meta.get("version")
    if version is not None and (not isinstance(version, (str, int, float)) or not str(version).strip()):
        problems.error(path, line("version"), "« version » doit être un texte court, par exemple 2.")
        version = None
    clean["version"] = str(version).strip()[:40] if version is not None else None
    known = {"id", "title", "audience", "duration_minutes", "level", "summary", "objectives", "competences", "sources", "glossary", "version"}
    for key in meta:
        if key not in known:
            problems.warning(path, line(str(key)), f"champ « {key} » inconnu dans l'en-tête (faute de frappe ?).")
    return clean


def _collation_key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


# --- body ------------------------------------------------------------------------------

_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)?")


def count_words(markdown_text: str) -> int:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)  # images: their alt text
    text = re.sub(r"\]\([^)]*\)", "]", text)  # links: their text
    text = _FOOTNOTE_REF.sub("", text)
    text = re.sub(r"<[^>]+>|\{#[^}]*\}|\[![a-z-]+\]", " ", text)
    return len(_WORD.findall(text))


def _section_markdown(section: SectionSource, sources: dict[str, Source], path: Path, problems: Problems) -> str:
    """The section's Markdown with activity markers and the notes for cited sources."""
    lines = [text for _, text in section.lines]
    # Activities become marker paragraphs, replaced by forms when the page is drawn.
    for offset, (position, block) in enumerate(zip(section.block_positions, section.blocks, strict=True)):
        lines.insert(position + offset, f"\n{ACTIVITY_MARK}{offset}\n")
    text = "\n".join(lines)
    defined = set(_FOOTNOTE_DEF.findall(text))
    cited: list[str] = []
    for number, line_text in section.lines:
        for ref in _FOOTNOTE_REF.findall(line_text):
            if line_text.lstrip().startswith(f"[^{ref}]:"):
                continue
            if ref in defined or ref in cited:
                continue
            if ref in sources:
                cited.append(ref)
            else:
                problems.error(path, number, f"la note [^{ref}] ne renvoie à aucune source de l'en-tête ni à aucune note définie.")
    notes = []
    for ref in cited:
        s = sources[ref]
        notes.append(f"[^{ref}]: {source_note(s.title, s.author, s.year, s.url, s.note)}")
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def _check_question_sources(questions: list[Question], sources: dict, path: Path, problems: Problems) -> None:
    for question in questions:
        if question.source and question.source not in sources:
            problems.error(
                path, question.line, f"la question « {question.id} » cite la source « {question.source} », "
                "absente des sources de l'en-tête du module."
            )


def _parse_questions(
    blocks: list[Block], path: Path, module_id: str, problems: Problems, in_quiz: bool
) -> list[Question]:
    if not blocks:
        return []
    questions = []
    for block in blocks:
        question = parse_question(block.text, path=path, line=block.line, problems=problems, id_prefix=module_id, in_quiz=in_quiz)
        if question is not None:
            questions.append(question)
    return questions


def build_module(
    folder: Path, problems: Problems, media_base: str | None = None, today: datetime.date | None = None
) -> Module | None:
    """Read, check and render the module in ``folder``.

    ``media_base`` is the URL prefix media are served under (the app gives
    ``/modules/<id>/media``); the command-line preview keeps relative paths.
    ``today`` dates the sources' checks (the UTC date when not given).
    """
    today = today or datetime.datetime.now(datetime.UTC).date()
    folder = folder.resolve()
    source = read_module(folder, problems)
    if source is None:
        return None
    path = source.path
    meta = _check_meta(source, problems, today)
    module_id = meta["id"] or folder.name
    digest = content_hash(folder)
    version = meta["version"] or digest[:12]
    sources = {s.id: s for s in meta["sources"]}
    glossary = dict(meta["glossary"])

    def media_url(relative: str) -> str | None:
        found = media_path(folder, relative)
        if found is None:
            return None
        if found.stat().st_size > MAX_MEDIA_BYTES:
            problems.warning(path, 1, f"l'image {relative} pèse plus de 2 Mo : compressez-la.")
        name = quote(relative[len(MEDIA_DIR) + 1 :])
        return f"{media_base}/{name}?v={digest[:10]}" if media_base is not None else relative

    if not source.sections:
        problems.error(path, source.body_line, "aucune section : le corps du module commence par un titre « ## ».")
    elif not 3 <= len(source.sections) <= 6:
        problems.warning(path, source.sections[0].line, f"{len(source.sections)} section(s) : un module en compte de 3 à 6.")

    sections: list[Section] = []
    activities: dict[str, Question] = {}
    seen_section_ids: set[str] = set()
    total_words = 0
    for number, section_source in enumerate(source.sections, start=1):
        if section_source.id in seen_section_ids:
            problems.error(path, section_source.line, f"deux sections ont l'identifiant « {section_source.id} » : donnez-en un avec {{#mon-id}}.")
        seen_section_ids.add(section_source.id)
        body = section_source.markdown
        if not body.strip() and not section_source.blocks:
            problems.error(path, section_source.line, f"la section « {section_source.title} » est vide.")
        for line_number, message in find_raw_html(section_source.lines):
            problems.error(path, line_number, message)
        for line_number, message in find_unrendered_lists(section_source.lines):
            problems.warning(path, line_number, message)
        context = RenderContext(
            media_url=media_url, glossary=glossary, section_id=section_source.id, audience=meta["audience"]
        )
        html_text = render_markdown(_section_markdown(section_source, sources, path, problems), context)
        _report_images(context, section_source, path, problems)
        questions = _parse_questions(section_source.blocks, path, module_id, problems, in_quiz=False)
        _check_question_sources(questions, sources, path, problems)
        inline = RenderContext(media_url=media_url, glossary={}, section_id=section_source.id)
        rendered_questions = [q.map_text(lambda text: render_inline(text, inline)) for q in questions]
        _report_images(inline, section_source, path, problems)
        parts = _split_parts(html_text, [q.id for q in rendered_questions] if len(questions) == len(section_source.blocks) else None)
        for question in rendered_questions:
            if question.id in activities:
                problems.error(path, question.line, f"deux questions ont l'identifiant « {question.id} ».")
            activities[question.id] = question
        words = count_words(body) + count_words(section_source.title)
        total_words += words
        callouts = sum(UNTIMED_ACTIVITY_MINUTES if m is None else m for m in context.activity_minutes)
        sections.append(Section(section_source.id, section_source.title, number, tuple(parts), words, callouts))

    quiz = None
    if source.quiz_path is not None:
        quiz = _build_quiz(source, module_id, media_url, activities, problems)
        _check_question_sources(list(quiz.questions), sources, source.quiz_path, problems)

    kit = build_kit(folder, problems, media_url=media_url, section_markdown=_section_markdown, sources=sources)

    module = Module(
        id=module_id,
        title=meta["title"] or module_id,
        audience=meta["audience"],
        duration_minutes=meta["duration_minutes"],
        level=meta["level"],
        summary=meta["summary"],
        objectives=meta["objectives"],
        competences=meta["competences"],
        sources=meta["sources"],
        glossary=meta["glossary"],
        version=version,
        content_hash=digest,
        folder=folder,
        sections=tuple(sections),
        activities=activities,
        quiz=quiz,
        words=total_words,
        kit=kit,
        kit_hash=kit.content_hash if kit is not None else kit_hash(folder),
    )
    duration = meta["duration_minutes"]
    estimate = module.estimated_minutes
    if duration and not estimate - 0.5 <= duration <= estimate + DURATION_SLACK_MINUTES:
        problems.warning(
            path,
            source.meta_lines.get("duration_minutes", 2),
            f"durée annoncée {duration} min, mais l'estimation donne {math.ceil(estimate - 0.5)} min "
            f"(lecture {french_minutes(module.reading_minutes)} min pour {total_words} mots à {WORDS_PER_MINUTE} par minute, "
            f"activités {french_minutes(module.activity_minutes)} min, quiz {french_minutes(module.quiz_minutes)} min) : "
            f"annoncez {module.honest_minutes} min, ou ajustez le contenu.",
        )
    return module


def _report_images(context: RenderContext, section: SectionSource, path: Path, problems: Problems) -> None:
    def line_of(fragment: str) -> int:
        return next((n for n, t in section.lines if fragment in t), section.line)

    for src, alt in context.images:
        if not alt.strip():
            problems.error(path, line_of(src), f"l'image {src} n'a pas de texte de remplacement : décrivez ce qu'elle apprend entre les crochets.")
    for src in context.missing_media:
        problems.error(path, line_of(src), f"l'image {src} n'existe pas dans le dossier media/ du module (ou son format n'est pas permis).")
    for href in context.missing_links:
        problems.error(path, line_of(href), f"le lien {href} mène à un fichier absent du dossier media/ du module.")
    for src in context.foreign_images:
        problems.error(path, line_of(src), f"l'image {src} ne vient pas du dossier media/ : une page ne charge jamais rien d'un autre site.")
    context.images.clear()
    context.missing_links.clear()
    context.missing_media.clear()
    context.foreign_images.clear()


def _split_parts(html_text: str, question_ids: list[str] | None) -> list[Part]:
    """Cut the section's HTML at the activity markers."""
    parts: list[Part] = []
    pieces = re.split(rf"<p>{ACTIVITY_MARK}(\d+)</p>", html_text)
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece.strip():
                parts.append(Part(html=piece.strip()))
        elif question_ids is not None:
            parts.append(Part(activity=question_ids[int(piece)]))
    return parts


def _build_quiz(
    source: ModuleSource, module_id: str, media_url, activities: dict[str, Question], problems: Problems
) -> Quiz:
    path = source.quiz_path
    assert path is not None
    settings = parse_quiz_settings(source.quiz_meta, path=path, line=source.quiz_meta_line, problems=problems)
    for line_number, message in find_raw_html(enumerate(source.quiz_intro.split("\n"), start=1)):
        problems.error(path, line_number, message)
    context = RenderContext(media_url=media_url, section_id="quiz")
    intro = render_markdown(source.quiz_intro, context) if source.quiz_intro else ""
    questions = _parse_questions(source.quiz_blocks, path, module_id, problems, in_quiz=True)
    rendered = []
    for question in questions:
        if question.id in activities or any(q.id == question.id for q in rendered):
            problems.error(path, question.line, f"deux questions du module ont l'identifiant « {question.id} ».")
            continue
        rendered.append(question.map_text(lambda text: render_inline(text, context)))
    if not rendered:
        problems.error(path, 1, "le quiz ne contient aucune question valide.")
    return Quiz(settings=settings, intro_html=intro, questions=tuple(rendered))


def text_length(html_text: str) -> int:
    return len(text_of(html_text).split())
