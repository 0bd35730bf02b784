"""The teacher kit of every shipped module: present, in the agreed shape, plain Markdown, spelled right.

A kit (``courses/<module>/kit.md``) is a printable page for teachers and
staff: objectives, a 55-minute lesson plan, answer keys for the paper
activities, common misconceptions and links to programmes.
"""

import re
import shutil
from pathlib import Path

import pytest

from lycee_ia.content.spelling import check_spelling, prose_of_markdown

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULES = sorted(folder for folder in COURSES.iterdir() if (folder / "module.md").is_file())
KIT_SECTIONS = ["Objectifs", "Déroulé (55 minutes)", "Corrigés", "Idées reçues", "Liens avec les programmes"]

needs_hunspell = pytest.mark.skipif(
    shutil.which("hunspell") is None or not Path("/usr/share/hunspell/fr_FR.dic").exists(),
    reason="Hunspell and its French dictionary are missing: apt-get install hunspell hunspell-fr",
)


def _kit(folder: Path) -> str:
    kit = folder / "kit.md"
    assert kit.is_file(), f"{folder.name}: kit.md is missing"
    return kit.read_text(encoding="utf-8")


def test_every_shipped_module_is_listed():
    assert len(MODULES) >= 14


@pytest.mark.parametrize("folder", MODULES, ids=lambda folder: folder.name)
def test_the_kit_has_the_five_sections_in_order(folder):
    headings = [line[3:].strip() for line in _kit(folder).split("\n") if line.startswith("## ")]
    assert headings == KIT_SECTIONS


@pytest.mark.parametrize("folder", MODULES, ids=lambda folder: folder.name)
def test_the_kit_is_plain_markdown(folder):
    text = _kit(folder)
    assert "```" not in text, "no code block (and so no question block) in a kit"
    assert not re.search(r"</?[a-zA-Z][^>]*>", text), "no raw HTML in a kit"
    assert not re.search(r"^#(?!#)", text, re.M), "a kit starts at level 2: the page title is the module's"


@pytest.mark.parametrize("folder", MODULES, ids=lambda folder: folder.name)
def test_the_plan_lasts_55_minutes_and_every_section_has_text(folder):
    text = _kit(folder)
    sections = re.split(r"^## .*$", text, flags=re.M)[1:]
    assert all(section.strip() for section in sections)
    plan = sections[1]
    times = re.findall(r"^\| (\d+)-(\d+) min \|", plan, re.M)
    assert times, "the lesson plan is a table of time slots"
    assert times[0][0] == "0" and times[-1][1] == "55"
    assert all(int(end) == int(start) for (_, end), (start, _) in zip(times, times[1:])), "slots follow each other"


@needs_hunspell
@pytest.mark.parametrize("folder", MODULES, ids=lambda folder: folder.name)
def test_the_kit_has_no_unknown_word(folder):
    _kit(folder)
    found = check_spelling(prose_of_markdown(folder / "kit.md"), COURSES / "mots.txt")
    assert not found, [f"{item.path.name}:{item.line}: {item.word}" for item in found]
