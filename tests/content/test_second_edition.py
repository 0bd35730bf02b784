"""Issue 13 tooling: the final OECD/EC framework, dated sources, honest durations,
typography by the renderer and the teacher kit (checker side)."""

from __future__ import annotations

from pathlib import Path

from lycee_ia.content import frameworks
from tests.content.test_checker import FRONT, check, lines_of, write_module

COURSES = Path(__file__).resolve().parents[2] / "courses"


# --- 1. the final OECD/EC framework, by domain ----------------------------------------


def test_the_final_framework_has_its_four_domains_and_title():
    title, items = frameworks.FRAMEWORKS["OCDE"]
    assert title == "AI Literacy Framework, OCDE et Commission européenne (version finale, juin 2026)"
    assert set(items) == {"ENGAGING", "CREATING", "MANAGING", "SHAPING"}
    assert {f"OCDE:{d}" for d in items} <= frameworks.REQUIRED
    assert not any(code.startswith("OECD:") for code in frameworks.REQUIRED)


def test_a_draft_code_is_refused_with_the_domain_to_write_instead(tmp_path):
    front = FRONT.format(id="essai").replace("competences: [UNESCO:HM]", "competences: [UNESCO:HM, OECD:D3]")
    found = check(write_module(tmp_path, front=front))
    assert lines_of(found, "« OCDE:SHAPING »") == [9]
    assert [severity for _, severity, message in found if "OECD:D3" in message] == ["erreur"]


def test_no_shipped_module_uses_a_draft_code():
    for path in COURSES.glob("*/module.md"):
        assert "OECD:" not in path.read_text(encoding="utf-8"), path
