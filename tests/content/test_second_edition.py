"""Issue 13 tooling: the final OECD/EC framework, dated sources, honest durations,
typography by the renderer and the teacher kit (checker side)."""

from __future__ import annotations

from pathlib import Path

from lycee_ia.content import frameworks
from tests.content.test_checker import BODY, FRONT, check, lines_of, write_module

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


# --- 2. a « vérifié le » date per source ---------------------------------------------

import datetime  # noqa: E402

from lycee_ia.content.module import build_module  # noqa: E402
from lycee_ia.content.problems import Problems  # noqa: E402


def check_on(folder: Path, today: datetime.date) -> list[tuple[int, str, str]]:
    problems = Problems()
    build_module(folder, problems, today=today)
    return [(p.line, p.severity.value, p.message) for p in problems]


def front_with_checked(value: str | None) -> str:
    front = FRONT.format(id="essai")
    if value is None:
        return front.replace("    checked: 2026-12-04\n", "")
    return front.replace("checked: 2026-12-04", f"checked: {value}")


def test_a_source_without_a_check_date_is_flagged_with_its_line(tmp_path):
    found = check_on(write_module(tmp_path, front=front_with_checked(None)), datetime.date(2026, 12, 4))
    assert [(line, severity) for line, severity, message in found if "sans date de vérification" in message] == [(11, "avertissement")]


def test_a_check_older_than_twelve_months_is_flagged_on_the_checked_line(tmp_path):
    folder = write_module(tmp_path, front=front_with_checked("2025-12-03"))
    found = check_on(folder, datetime.date(2026, 12, 4))
    assert [(line, severity) for line, severity, message in found if "il y a plus de 12 mois" in message] == [(16, "avertissement")]
    # Exactly twelve months is still fresh; the day after is not.
    assert check_on(folder, datetime.date(2026, 12, 3)) == []


def test_a_fresh_check_is_silent_and_a_bad_or_future_date_is_an_error(tmp_path):
    assert check_on(write_module(tmp_path, front=front_with_checked("2026-06-01")), datetime.date(2026, 12, 4)) == []
    bad = check_on(write_module(tmp_path, "essai", front=front_with_checked("hier")), datetime.date(2026, 12, 4))
    assert [(line, severity) for line, severity, message in bad if "date de vérification invalide" in message] == [(16, "erreur")]
    future = check_on(write_module(tmp_path, "essai", front=front_with_checked("2027-01-01")), datetime.date(2026, 12, 4))
    assert [severity for _, severity, message in future if "dans le futur" in message] == ["erreur"]


def test_check_command_takes_the_day_as_a_parameter(tmp_path, app):
    folder = write_module(tmp_path, front=front_with_checked("2025-01-10"))
    runner = app.test_cli_runner()
    old = runner.invoke(args=["courses", "check", "--strict", "--today", "2026-12-04", str(folder)])
    assert old.exit_code == 1 and "essai/module.md:16: avertissement: source « s1 » vérifiée le 2025-01-10" in old.output
    fresh = runner.invoke(args=["courses", "check", "--strict", "--today", "2025-06-01", str(folder)])
    assert fresh.exit_code == 0, fresh.output


def test_every_shipped_source_has_a_check_date():
    for path in COURSES.glob("*/module.md"):
        problems = Problems()
        module = build_module(path.parent, problems, today=datetime.date(2026, 12, 4))
        assert module is not None and all(s.checked for s in module.sources), path


# --- 3. honest durations ---------------------------------------------------------------

ACTIVITIES = """
## Quatrième partie

> [!activite]
> **Enquête sur ton ordinateur (12 minutes).** Ouvre les paramètres et note deux fonctions.

> [!activite]
> **En équipe, dix minutes.** Comparez vos listes.

> [!activite]
> Sans durée annoncée : réfléchis à ce que tu as appris.

```question
id: essai-court
type: short
stem: Quel mot ?
accepted: [mot]
feedback_incorrect: C'était « mot ».
explanation: Un mot.
```
"""


def build(folder: Path):
    problems = Problems()
    module = build_module(folder, problems, today=datetime.date(2026, 12, 4))
    return module, [(p.line, p.severity.value, p.message) for p in problems]


def test_activity_callouts_count_the_minutes_their_title_announces(tmp_path):
    module, _ = build(write_module(tmp_path, body=BODY + ACTIVITIES))
    # 12 + 10 (in words) + 5 (no time announced) + 2 for a typed answer.
    assert module.activity_minutes == 29
    assert module.estimated_minutes == module.reading_minutes + 29
    assert module.honest_minutes == 30


def test_the_quiz_counts_per_question_by_type(tmp_path):
    folder = write_module(tmp_path, body=BODY)
    (folder / "quiz.md").write_text(
        "---\nmastery: 80\n---\n\n```question\nid: q-vf\ntype: truefalse\nstem: Vrai ?\nanswer: true\n"
        "feedback:\n  true: Oui.\n  false: Non.\nexplanation: Parce que.\n```\n\n"
        "```question\nid: q-ordre\ntype: ordering\nstem: Range.\nitems: [Un, Deux, Trois]\n"
        "feedback_incorrect: Un, deux, trois.\nexplanation: Dans l'ordre.\n```\n",
        encoding="utf-8",
    )
    module, _ = build(folder)
    assert module.quiz_minutes == 3


def test_a_duration_that_leaves_out_the_activities_is_flagged(tmp_path):
    # The reading alone takes about a minute: 1 min announced was right before activities counted.
    _, found = build(write_module(tmp_path, body=BODY + ACTIVITIES))
    warning = [(line, message) for line, severity, message in found if "durée annoncée 1 min" in message]
    assert warning and warning[0][0] == 5 and "activités 29 min" in warning[0][1] and "annoncez 30 min" in warning[0][1]
    front = FRONT.format(id="essai").replace("duration_minutes: 1", "duration_minutes: 30")
    assert build(write_module(tmp_path, front=front, body=BODY + ACTIVITIES))[1] == []


def test_every_shipped_module_announces_its_honest_estimate():
    for path in COURSES.glob("*/module.md"):
        module, _ = build(path.parent)
        assert module.duration_minutes == module.honest_minutes, (module.id, module.duration_minutes, module.estimated_minutes)


def test_the_durations_command_writes_the_estimate(tmp_path, app):
    folder = write_module(tmp_path, body=BODY + ACTIVITIES)
    result = app.test_cli_runner().invoke(args=["courses", "durations", "--write", str(folder)])
    assert result.exit_code == 0 and "annoncé 1 min, estimé 30 min" in result.output
    assert "duration_minutes: 30\n" in (folder / "module.md").read_text(encoding="utf-8")
    assert build(folder)[1] == []


# --- 5. the teacher kit: checker and cache ---------------------------------------------

import shutil  # noqa: E402

from lycee_ia.content.catalogue import build_catalogue  # noqa: E402
from lycee_ia.content.kit import KIT_SECTIONS  # noqa: E402

FIXTURE_KIT = Path(__file__).parent / "fixtures" / "lecture-exemple" / "kit.md"
GOOD_KIT = "\n".join(f"## {title}\n\nDu texte pour la section, avec l'IA : oui.\n" for title in KIT_SECTIONS)


def kit_problems(tmp_path: Path, kit: str) -> list[tuple[int, str, str]]:
    folder = write_module(tmp_path)
    (folder / "kit.md").write_text(kit, encoding="utf-8")
    return [(line, severity, message) for line, severity, message in check_on(folder, datetime.date(2026, 12, 4))]


def test_a_complete_kit_is_valid_and_rendered_by_the_module_pipeline(tmp_path):
    assert kit_problems(tmp_path, GOOD_KIT) == []
    module, _ = build(tmp_path / "essai")
    assert [s.title for s in module.kit.sections] == list(KIT_SECTIONS)
    assert module.kit.sections[0].html == "<p>Du texte pour la section, avec l’IA\u202f: oui.</p>"


def test_a_missing_kit_section_is_an_error_with_file_and_line(tmp_path):
    kit = GOOD_KIT.replace("## Corrigés\n", "## Réponses\n")
    found = kit_problems(tmp_path, kit)
    assert [(line, severity) for line, severity, message in found if "section « Corrigés » manquante" in message] == [(1, "erreur")]


def test_a_malformed_kit_is_an_error_with_its_line(tmp_path):
    found = kit_problems(tmp_path, "Un texte avant.\n\n" + GOOD_KIT)
    assert [(line, severity) for line, severity, message in found if "précède la première section" in message] == [(1, "erreur")]
    found = kit_problems(tmp_path, "---\ntitle: x\n---\n" + GOOD_KIT)
    assert [(line, severity) for line, severity, message in found if "pas d'en-tête YAML" in message] == [(1, "erreur")]
    found = kit_problems(tmp_path, GOOD_KIT.replace("## Idées reçues\n\nDu texte", "## Idées reçues\n\n<script>alert(1)</script>\n\nDu texte"))
    assert [line for line, _, message in found if "<script>" in message] == [15]
    found = kit_problems(tmp_path, GOOD_KIT + "\n## Objectifs\n\nEncore.\n")
    assert [line for line, _, message in found if "apparaît deux fois" in message] == [21]


def test_a_module_without_a_kit_has_none(tmp_path):
    module, found = build(write_module(tmp_path))
    assert module.kit is None and found == []


def test_the_kit_is_cached_and_rebuilt_only_when_it_changes(tmp_path):
    root = tmp_path / "courses"
    shutil.copytree(FIXTURE_KIT.parent, root / "lecture-exemple")
    first, _ = build_catalogue(root)
    again, _ = build_catalogue(root, previous=first)
    assert again.modules["lecture-exemple"] is first.modules["lecture-exemple"]  # nothing rendered again
    kit = root / "lecture-exemple" / "kit.md"
    kit.write_text(kit.read_text(encoding="utf-8").replace("Accroche", "Ouverture"), encoding="utf-8")
    changed, _ = build_catalogue(root, previous=again)
    module = changed.modules["lecture-exemple"]
    assert module is not again.modules["lecture-exemple"]
    assert module.version == first.modules["lecture-exemple"].version  # the kit is not part of the version
    assert "Ouverture" in "".join(s.html for s in module.kit.sections)
