"""The teacher kit of a module: ``kit.md``, checked and rendered with the module.

A kit is optional. It is Markdown with ``##`` sections, five of them required
(``KIT_SECTIONS``); it goes through the same pipeline as the module's text
(sanitised, typography, notes citing the module's sources) and is rebuilt
only when its own file changes. It never reaches students: it is not part of
the module version (``content_hash``) and sync never sends it to a laptop.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lycee_ia.content.problems import Problems
from lycee_ia.content.render import RenderContext, find_raw_html, render_markdown
from lycee_ia.content.source import read_text, slugify, split_sections

KIT_FILE = "kit.md"
KIT_SECTIONS = ("Objectifs", "Déroulé (55 minutes)", "Corrigés", "Idées reçues", "Liens avec les programmes")


@dataclass(frozen=True)
class KitSection:
    id: str
    title: str
    html: str


@dataclass(frozen=True)
class Kit:
    sections: tuple[KitSection, ...]
    content_hash: str


def kit_hash(folder: Path) -> str | None:
    """Hash of the kit file, None when the module has no kit."""
    path = folder / KIT_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


def _title_key(title: str) -> str:
    text = unicodedata.normalize("NFC", title).replace("\u2019", "'").replace("\u202f", " ").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().casefold()


_REQUIRED = {_title_key(title): title for title in KIT_SECTIONS}


def build_kit(
    folder: Path,
    problems: Problems,
    *,
    media_url: Callable[[str], str | None],
    section_markdown: Callable[..., str],
    sources: dict,
) -> Kit | None:
    """Read, check and render ``folder/kit.md``; None when there is none (or it cannot be read).

    ``section_markdown`` is the module's own helper that adds the notes of
    the cited sources, so a kit cites sources exactly as the module does.
    """
    path = folder / KIT_FILE
    if not path.is_file():
        return None
    digest = kit_hash(folder) or ""
    text = read_text(path, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        problems.error(path, 1, "une fiche pour l'enseignant n'a pas d'en-tête YAML : commencez-la par « ## Objectifs ».")
        return None
    sections = split_sections(path, lines, 1, problems)
    if not sections:
        problems.error(path, 1, f"fiche vide : elle compte les sections {', '.join(f'« {t} »' for t in KIT_SECTIONS)}.")
        return None
    rendered: list[KitSection] = []
    found: dict[str, int] = {}
    seen_ids: set[str] = set()
    for section in sections:
        key = _title_key(section.title)
        if key in found:
            problems.error(path, section.line, f"la section « {section.title} » apparaît deux fois (déjà ligne {found[key]}).")
        found.setdefault(key, section.line)
        for block in section.blocks:
            problems.error(path, block.line, "une fiche pour l'enseignant ne contient pas de question : "
                           "écrivez les corrigés en texte, dans la section « Corrigés ».")
        if not section.markdown.strip():
            problems.error(path, section.line, f"la section « {section.title} » est vide.")
        for line_number, message in find_raw_html(section.lines):
            problems.error(path, line_number, message)
        section_id = f"kit-{slugify(section.title)}"
        while section_id in seen_ids:
            section_id += "-2"
        seen_ids.add(section_id)
        context = RenderContext(media_url=media_url, section_id=section_id, audience="personnel")
        body = section_markdown(section, sources, path, problems)
        html = render_markdown(body, context)
        for src in [*context.missing_media, *context.foreign_images, *context.missing_links]:
            line = next((n for n, t in section.lines if src in t), section.line)
            problems.error(path, line, f"{src} : ni image ni lien de la fiche ne sort du dossier media/ du module, et le fichier doit y exister.")
        rendered.append(KitSection(section_id, section.title, html))
    for key, title in _REQUIRED.items():
        if key not in found:
            problems.error(path, sections[0].line, f"section « {title} » manquante : ajoutez un titre « ## {title} ».")
    return Kit(sections=tuple(rendered), content_hash=digest)
