"""Issue 13, second edition: one term per notion across modules, and the gaps filled where a reader meets them.

Read from the prose a learner sees (titles, body, glossary, questions,
figures), not from the sources, whose titles are quoted as published.
"""

import re
from pathlib import Path

import pytest
import yaml

from lycee_ia.content.spelling import prose_of_module

COURSES = Path(__file__).resolve().parents[2] / "courses"
MODULES = sorted(folder for folder in COURSES.iterdir() if (folder / "module.md").is_file())


def _prose(folder: Path) -> str:
    return "\n".join(line.text for line in prose_of_module(folder))


def _front_matter(folder: Path) -> dict:
    return yaml.safe_load((folder / "module.md").read_text(encoding="utf-8").split("---")[1])


@pytest.mark.parametrize("folder", MODULES, ids=lambda folder: folder.name)
def test_one_term_for_chatbots_and_one_for_the_ai_act(folder):
    prose = _prose(folder)
    assert not re.search(r"\b(robots?|assistants?) conversationnels?\b", prose, re.I), "say « agent conversationnel »"
    assert not re.search(r"(?<!« )AI Act(?! »)", prose), "say « règlement européen sur l'IA » (« AI Act » only as its other name)"
    assert not re.search(r"règlement sur l'IA", prose), "say « règlement européen sur l'IA »"


def test_the_chatbot_is_defined_once_the_same_way_everywhere():
    definitions = {
        entry["definition"]
        for folder in MODULES
        for entry in _front_matter(folder).get("glossary") or []
        if entry["term"] == "agent conversationnel"
    }
    assert len(definitions) == 1


def test_staff_tracks_cover_every_role_and_the_cases_of_the_issue():
    staff = "\n".join(_prose(folder) for folder in MODULES if _front_matter(folder)["audience"] == "personnel")
    for needed in ("CPE", "AED", "professeur documentaliste", "direction", "gestion", "agents",
                   "GAR", "ENT", "suites bureautiques", "baccalauréat", "CCF", "grand oral",
                   "procédure disciplinaire", "PAP", "PPS", "dys", "allophone",
                   "clause de charte", "annexe au règlement intérieur", "liste de vérification", "protocole d'incident"):
        assert needed in staff, needed


@pytest.mark.parametrize("module_id, needed", [
    ("e1-ia-autour-de-moi", ["ChatGPT", "Le Chat", "My AI", "TikTok", "MIA Seconde", "Pix", "ENT", "hameçonnage", "mises à jour"]),
    ("e4-verifier-sourcer-declarer", ["data.gouv.fr", "jeu de données", "droit d'auteur"]),
    ("e6-bien-demander-bien-deleguer", ["Créer avec l'IA", "journal de création"]),
    ("e9-empreinte-sobriete", ["effet rebond", "terrain"]),
])
def test_the_gaps_are_filled_in_the_module_text(module_id, needed):
    body = (COURSES / module_id / "module.md").read_text(encoding="utf-8").split("---", 2)[2]
    for word in needed:
        assert word in body, f"{module_id}: {word}"
