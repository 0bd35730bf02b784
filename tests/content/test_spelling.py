"""Spelling of the shipped content, with Hunspell's French dictionary."""

import shutil
from pathlib import Path

import pytest

from lycee_ia.content.spelling import ProseLine, check_spelling, prose_of_module, read_word_list, strip_markdown

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"

needs_hunspell = pytest.mark.skipif(
    shutil.which("hunspell") is None or not Path("/usr/share/hunspell/fr_FR.dic").exists(),
    reason="Hunspell and its French dictionary are missing: apt-get install hunspell hunspell-fr",
)


@needs_hunspell
def test_the_shipped_modules_have_no_unknown_word(runner, app_config):
    result = runner.invoke(args=["courses", "spell", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert "0 mot inconnu" in result.output


def test_the_word_list_stays_short():
    words = read_word_list(COURSES / "mots.txt")
    assert 0 < len(words) < 300
    assert len(set(words)) == len(words), "a word is listed twice"


@needs_hunspell
def test_a_misspelling_is_reported_with_its_file_and_line(tmp_path):
    folder = tmp_path / "essai"
    (folder / "media").mkdir(parents=True)
    (folder / "module.md").write_text(
        "---\nid: essai\ntitle: Un titre corect\nsummary: Résumé.\n---\n\n## Partie\n\nUne phrase sans faute.\n"
        "Une faute d'ortographe ici, et un [lien](https://exemple.org/motinconnu).\n\n"
        "```question\nid: q\ntype: single\nstem: Une questoin ?\noptions:\n  - text: Oui\n    correct: true\n"
        "explanation: Bien.\n```\n",
        encoding="utf-8",
    )
    (folder / "media" / "f.svg").write_text('<svg><text>Un dessin fau</text></svg>\n', encoding="utf-8")
    found = {(p.path.name, p.line, p.word) for p in check_spelling(prose_of_module(folder), None)}
    assert found == {("module.md", 3, "corect"), ("module.md", 10, "d'ortographe"), ("module.md", 15, "questoin"),
                     ("f.svg", 1, "fau")}


def test_what_is_not_french_prose_is_left_out():
    assert strip_markdown("[^aie-2025]: AIE, *Energy and AI*, 2025.") == ""
    assert strip_markdown("Voir *Energy and AI* (https://www.iea.org/x) `code` GPT-4 {#id} [^note].").split() == ["Voir"]
    assert strip_markdown("![Un schéma clair](media/x.svg) et [un lien](https://a.org)").split() == [
        "Un", "schéma", "clair", "et", "un", "lien"]


@needs_hunspell
def test_the_word_list_gives_french_rules_to_its_words():
    lines = [ProseLine(Path("x.md"), 1, "L'ADEME et l'Arcom ; les déployeurs ; Surapprentissage.")]
    assert check_spelling(lines, COURSES / "mots.txt") == []
    assert [m.word for m in check_spelling(lines, None)] == ["L'ADEME", "l'Arcom", "déployeurs", "Surapprentissage"]


@needs_hunspell
def test_the_teacher_kit_is_spell_checked_with_its_lines(tmp_path):
    folder = tmp_path / "essai"
    (folder / "media").mkdir(parents=True)
    (folder / "module.md").write_text("---\nid: essai\n---\n\n## Partie\n\nUne phrase juste.\n", encoding="utf-8")
    (folder / "kit.md").write_text("## Objectifs\n\nUne phrase juste.\nUne sceance bien menée.\n", encoding="utf-8")
    found = check_spelling(prose_of_module(folder), None)
    assert [(item.path.name, item.line, item.word) for item in found] == [("kit.md", 4, "sceance")]
