"""Issue 13 tooling seen through HTTP: dated sources and the teacher kit page."""

from pathlib import Path

import pytest

from tests.helpers import page_text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def test_the_module_page_shows_when_each_source_was_checked(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules/lecture-exemple"))
    assert "(vérifié le 4 décembre 2026)" in html


KIT = "/modules/lecture-exemple/kit"


@pytest.mark.parametrize("role", ["enseignant", "personnel", "formateur", "admin"])
def test_adults_read_the_printable_teacher_kit(client, login_as, role):
    login_as(role)
    response = client.get(KIT)
    html = page_text(response)
    assert response.status_code == 200
    assert "Fiche pour l'enseignant : Un module d'exemple pour les tests" in html
    for title in ("Objectifs", "Déroulé (55 minutes)", "Corrigés", "Idées reçues", "Liens avec les programmes"):
        assert f">{title}</h2>" in html
    assert "Le chiffre de 415 TWh vient de l’AIE" in html  # rendered, typography included
    assert 'href="https://www.iea.org/reports/energy-and-ai"' in html  # the module's source, cited as a note
    # Linked from the module page for them.
    assert f'href="{KIT}"' in page_text(client.get("/modules/lecture-exemple"))


def test_a_student_gets_404_and_no_link(client, login_as):
    login_as("eleve")
    response = client.get(KIT)
    assert response.status_code == 404
    html = page_text(response)
    assert "Corrigés" not in html and "Ce module n'existe pas ou n'est pas disponible." in html
    # Same answer for a staff-only module and a module that does not exist: nothing to learn.
    assert client.get("/modules/personnel-exemple/kit").status_code == 404
    assert client.get("/modules/inconnu/kit").status_code == 404
    assert "/kit" not in page_text(client.get("/modules/lecture-exemple"))


def test_a_module_without_a_kit_answers_404_to_a_teacher(client, login_as):
    login_as("enseignant")
    response = client.get("/modules/personnel-exemple/kit")
    assert response.status_code == 404 and "pas encore de fiche pour l'enseignant" in page_text(response)
    assert "/modules/personnel-exemple/kit" not in page_text(client.get("/modules/personnel-exemple"))


def test_the_author_preview_shows_the_kit(app):
    result = app.test_cli_runner().invoke(args=["courses", "render", str(FIXTURES / "lecture-exemple")])
    assert result.exit_code == 0
    assert "Fiche pour l'enseignant (kit.md" in result.output and ">Déroulé (55 minutes)</h3>" in result.output
