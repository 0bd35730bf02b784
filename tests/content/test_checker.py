"""The checker: every problem with its file and line, in French."""

import shutil
from pathlib import Path

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.content.module import build_module
from lycee_ia.content.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures"

FRONT = """---
id: {id}
title: Titre
audience: eleve
duration_minutes: 1
level: decouverte
summary: Résumé.
objectives: [Repérer une chose., Expliquer une autre., Vérifier une dernière.]
competences: [UNESCO:HM]
sources:
  - id: s1
    title: Un rapport
    author: Un organisme
    year: 2025
    url: https://example.org/rapport
    checked: 2026-12-04
---
"""
BODY = """
## Première partie

Un texte assez long pour une partie[^s1]. Encore quelques mots pour la durée estimée du module.
Encore quelques mots, et encore d'autres, pour que l'estimation tombe juste autour de deux minutes.

## Deuxième partie

Un autre texte, avec quelques mots de plus pour remplir cette partie comme il faut.

## Troisième partie

Et une fin, courte mais présente, qui conclut le module d'exemple proprement. Elle ajoute
encore une phrase ou deux, pour que le texte compte assez de mots : une lecture d'une minute
environ, c'est-à-dire une centaine de mots au total, ce qui suffit pour un module d'essai.
"""


def write_module(root: Path, module_id: str = "essai", front: str | None = None, body: str = BODY, media=()) -> Path:
    folder = root / module_id
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "module.md").write_text((front if front is not None else FRONT.format(id=module_id)) + body, encoding="utf-8")
    for name in media:
        (folder / "media" / name).write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    return folder


def check(folder: Path) -> list[tuple[int, str, str]]:
    problems = Problems()
    build_module(folder, problems)
    return [(p.line, p.severity.value, p.message) for p in problems]


def lines_of(found, fragment):
    return [line for line, _, message in found if fragment in message]


def test_a_valid_module_has_no_problem(tmp_path):
    assert check(write_module(tmp_path)) == []


def test_the_fixture_module_is_valid():
    assert check(FIXTURES / "lecture-exemple") == []


def test_invalid_yaml_gives_its_line(tmp_path):
    front = FRONT.format(id="essai").replace("level: decouverte", "level: [decouverte")
    found = check(write_module(tmp_path, front=front))
    assert found[0][1] == "erreur" and "en-tête YAML invalide" in found[0][2]
    assert found[0][0] in (6, 7, 8)


def test_a_missing_front_matter_is_reported(tmp_path):
    found = check(write_module(tmp_path, front="", body=BODY))
    assert found == [(1, "erreur", "le fichier doit commencer par un en-tête YAML entre deux lignes « --- ».")]


@pytest.mark.parametrize(
    "old, new, line, fragment",
    [
        ("audience: eleve", "audience: professeurs", 4, "public « professeurs » inconnu"),
        ("duration_minutes: 1", "duration_minutes: deux", 5, "duration_minutes"),
        ("level: decouverte", "level: facile", 6, "niveau « facile » inconnu"),
        ("competences: [UNESCO:HM]", "competences: [UNESCO:XX]", 9, "code de compétence inconnu : « UNESCO:XX »"),
        ("    year: 2025\n", "", 11, "année manquante"),
        ("    url: https://example.org/rapport\n", "", 11, "lien (url) manquant"),
        ("title: Titre\n", "title: [un, titre]\n", 3, "« title » doit être un texte"),
        ("id: essai", "id: autre", 2, "identique au nom du dossier"),
    ],
)
def test_front_matter_fields_are_checked_with_their_line(tmp_path, old, new, line, fragment):
    front = FRONT.format(id="essai").replace(old, new)
    found = check(write_module(tmp_path, front=front))
    assert lines_of(found, fragment) == [line], found


def test_a_missing_field_is_named(tmp_path):
    front = FRONT.format(id="essai").replace("summary: Résumé.\n", "")
    assert lines_of(check(write_module(tmp_path, front=front)), "champ « summary » manquant") == [2]


def test_an_unknown_field_is_a_warning(tmp_path):
    front = FRONT.format(id="essai").replace("level: decouverte", "level: decouverte\nduree: 3")
    found = check(write_module(tmp_path, front=front))
    assert [(l, s) for l, s, m in found if "duree" in m] == [(7, "avertissement")]


def test_body_problems_give_their_lines(tmp_path):
    body = """
Du texte avant toute section.

## Première partie

![](media/sans-alt.svg)
![Un schéma](media/absente.svg)
![Une image](https://example.org/pixel.png)
Une note vers une source inconnue[^inconnue].
<script>alert(1)</script>
<span onclick="x()">texte</span> et <abbr title="ok" onmouseover="y()">IA</abbr>
Un [lien piégé](javascript:alert(1)).

## Deuxième partie

## Troisième partie {#troisieme}

Fin.

```python
print("pas une question")
"""
    found = check(write_module(tmp_path, body=body, media=["sans-alt.svg"]))
    start = FRONT.count("\n") + 1  # the body's first line
    at = {fragment: lines_of(found, fragment) for fragment in [
        "du texte précède la première section", "sans-alt.svg n'a pas de texte de remplacement",
        "absente.svg n'existe pas", "ne vient pas du dossier media/", "[^inconnue]", "<script>",
        "<span>", "attribut « onmouseover »", "« javascript: »", "« Deuxième partie » est vide", "jamais refermé",
    ]}
    assert at == {
        "du texte précède la première section": [start + 1],
        "sans-alt.svg n'a pas de texte de remplacement": [start + 5],
        "absente.svg n'existe pas": [start + 6],
        "ne vient pas du dossier media/": [start + 7],
        "[^inconnue]": [start + 8],
        "<script>": [start + 9],
        "<span>": [start + 10],
        "attribut « onmouseover »": [start + 10],
        "« javascript: »": [start + 11],
        "« Deuxième partie » est vide": [start + 13],
        "jamais refermé": [start + 19],
    }, found


def test_the_estimated_time_must_match_the_stated_duration(tmp_path):
    front = FRONT.format(id="essai").replace("duration_minutes: 1", "duration_minutes: 20")
    found = check(write_module(tmp_path, front=front))
    assert [(l, s) for l, s, m in found if "durée annoncée 20 min" in m] == [(5, "avertissement")]


def test_the_number_of_sections_is_checked(tmp_path):
    body = "\n## Une seule partie\n\nTexte assez long pour la durée, avec beaucoup de mots, encore et encore, pour atteindre deux minutes de lecture au moins, et même un peu plus, vraiment.\n" * 1
    found = check(write_module(tmp_path, body=body))
    assert any("1 section(s)" in m for _, _, m in found)


def test_a_folder_is_checked_module_by_module_and_broken_ones_are_set_aside(tmp_path):
    write_module(tmp_path, "bon")
    write_module(tmp_path, "mauvais", front=FRONT.format(id="mauvais").replace("audience: eleve", "audience: x"))
    (tmp_path / "pas-un-module").mkdir()
    catalogue, problems = build_catalogue(tmp_path)
    assert set(catalogue.modules) == {"bon"}
    assert set(catalogue.broken) == {"mauvais"}
    assert [p.path.parent.name for p in problems] == ["mauvais"]


def test_the_cli_check_prints_file_line_messages_and_fails_on_errors(runner, tmp_path):
    shutil.copytree(FIXTURES / "lecture-exemple", tmp_path / "lecture-exemple")
    write_module(tmp_path, "casse", front=FRONT.format(id="casse").replace("level: decouverte", "level: facile"))
    result = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}/casse/module.md:6: erreur: niveau « facile » inconnu" in result.output
    assert result.output.strip().endswith("2 modules vérifiés : 1 erreur, 0 avertissement."), result.output
    result = runner.invoke(args=["courses", "check", str(tmp_path / "lecture-exemple")])
    assert result.exit_code == 0 and "1 module vérifié : 0 erreur, 0 avertissement." in result.output


def test_warnings_fail_only_with_strict(runner, tmp_path):
    front = FRONT.format(id="essai").replace("duration_minutes: 1", "duration_minutes: 20")
    folder = write_module(tmp_path, front=front)
    assert runner.invoke(args=["courses", "check", str(folder)]).exit_code == 0
    assert runner.invoke(args=["courses", "check", "--strict", str(folder)]).exit_code == 1


def test_render_prints_the_html_and_the_problems_apart(tmp_path, app):
    from click.testing import CliRunner

    folder = write_module(tmp_path, front=FRONT.format(id="essai").replace("level: decouverte", "level: facile"))
    runner = CliRunner()
    from lycee_ia.cli import cli

    result = runner.invoke(cli, ["courses", "render", str(folder)], env={"LYCEE_IA_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert "<h2>1. Première partie</h2>" in result.stdout
    assert "niveau « facile » inconnu" in result.stderr and "niveau" not in result.stdout


def test_render_refuses_a_file_it_cannot_parse(tmp_path):
    from click.testing import CliRunner

    from lycee_ia.cli import cli

    folder = write_module(tmp_path, front="---\nid: [\n---\n")
    result = CliRunner().invoke(cli, ["courses", "render", str(folder)], env={"LYCEE_IA_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 1
    assert "en-tête YAML invalide" in result.stderr and result.stdout == ""


def test_links_to_missing_media_and_unknown_question_sources_are_reported(tmp_path):
    body = BODY.replace(
        "Un autre texte,", "Un [document](media/fiche.pdf), un [autre](media/absent.pdf) et un autre texte,"
    ) + "\n```question\nid: q1\ntype: truefalse\nstem: Vrai ?\nanswer: true\nfeedback:\n  true: Oui.\n  false: Non.\nexplanation: Parce que.\nsource: inconnue\n```\n"
    folder = write_module(tmp_path, body=body)
    (folder / "media" / "fiche.pdf").write_bytes(b"%PDF-1.4\n")
    found = check(folder)
    start = FRONT.count("\n") + 1
    assert lines_of(found, "media/absent.pdf mène à un fichier absent") == [start + 8]
    assert [m for _, _, m in found if "absente des sources" in m] == [
        "la question « q1 » cite la source « inconnue », absente des sources de l'en-tête du module."
    ]
    assert not lines_of(found, "fiche.pdf")


def test_a_pdf_is_a_link_never_an_image(tmp_path):
    folder = write_module(tmp_path, body=BODY.replace("Un autre texte,", "![Un document](media/fiche.pdf) Un autre texte,"))
    (folder / "media" / "fiche.pdf").write_bytes(b"%PDF-1.4\n")
    assert lines_of(check(folder), "fiche.pdf n'existe pas") != []


def test_a_reload_renders_only_the_modules_that_changed(tmp_path, monkeypatch):
    write_module(tmp_path, "un")
    write_module(tmp_path, "deux")
    first, _ = build_catalogue(tmp_path)
    (tmp_path / "deux" / "module.md").write_text(
        (tmp_path / "deux" / "module.md").read_text(encoding="utf-8").replace("Et une fin", "Et une autre fin"), encoding="utf-8"
    )
    built = []
    import lycee_ia.content.catalogue as catalogue_module

    original = catalogue_module.build_module
    monkeypatch.setattr(catalogue_module, "build_module", lambda folder, *a, **k: built.append(folder.name) or original(folder, *a, **k))
    second, _ = build_catalogue(tmp_path, previous=first)
    assert built == ["deux"]
    assert second.modules["un"] is first.modules["un"] and second.modules["deux"] is not first.modules["deux"]
