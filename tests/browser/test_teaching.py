"""Issue 6, "Done means": a teacher imports a roster (a bad line first), assigns a module, a new
student completes it, and the teacher sees it in the grid, the item analysis and the CSV export.
axe-core runs on every page visited."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent.parent / "quiz" / "fixtures"
BAD_ROSTER = "Nom;Prénom;Classe;Date de naissance\nRoux;Nina;2nde 3;12/05/2009\n=cmd|' /C calc'!A0;Tom;2nde 3;\nMorel;Théo;2nde 4;\n"
GOOD_ROSTER = BAD_ROSTER.replace("=cmd|' /C calc'!A0", "Lambert")
NEW_PASSWORD = "ma phrase secrète de lycéenne"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def _sign_in(page, username, password):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _upload(page, text: str):
    page.get_by_label("Fichier CSV de la classe").set_input_files(
        files=[{"name": "2nde3.csv", "mimeType": "text/csv", "buffer": text.encode("cp1252")}]
    )
    page.get_by_role("button", name="Voir l'aperçu").click()


def test_from_a_roster_file_to_the_dashboard(page, check_accessibility):
    # The teacher imports the class list: refused with the bad line named, then accepted.
    _sign_in(page, "prof.demo", DEMO_PASSWORD)
    page.get_by_role("link", name="Mes classes").click()
    check_accessibility(page)
    page.get_by_role("link", name="2nde 3").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="Importer des élèves").click()
    check_accessibility(page)
    _upload(page, BAD_ROSTER)
    alert = page.get_by_role("alert").inner_text()
    assert "aucun élève n'a été importé" in alert and "Ligne 3 : la colonne « Nom » commence par « = »" in alert
    check_accessibility(page)
    screenshot(page, "teaching-import-refused")
    _upload(page, GOOD_ROSTER)
    main = page.locator("main").inner_text()
    assert "nina.roux" in main and "tom.lambert" in main and "Ligne 4 : classe « 2nde 4 »" in main
    check_accessibility(page)
    screenshot(page, "teaching-import-preview")
    page.get_by_role("button", name="Confirmer l'import").click()
    check_accessibility(page)
    screenshot(page, "teaching-slips")
    slip = page.locator(".slip", has_text="Nina Roux").inner_text()
    password = re.search(r"Mot de passe provisoire : (\S+)", slip).group(1)

    # The teacher gives the module to the class, due in the future.
    page.get_by_role("link", name="Donner un module").click()
    check_accessibility(page)
    page.get_by_label("Module").select_option(label="Un module avec un quiz")
    page.get_by_label("À faire pour le (facultatif)").fill("2030-06-15")
    page.get_by_label("Mot aux élèves (facultatif)").fill("Lisez tout, puis faites le quiz.")
    page.get_by_role("button", name="Donner le module").click()
    assert "Le module est donné" in page.locator("main").inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Se déconnecter").click()

    # The new student signs in, chooses a password, finds the module first and completes it.
    _sign_in(page, "nina.roux", password)
    page.wait_for_url("**/compte")
    check_accessibility(page)
    page.get_by_label("Mot de passe actuel").fill(password)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.get_by_role("link", name="Modules").first.click()
    check_accessibility(page)
    screenshot(page, "teaching-student-catalogue")
    todo = page.locator(".assigned-card").inner_text()
    assert "Un module avec un quiz" in todo and "15 juin 2030" in todo and "Lisez tout" in todo
    page.locator(".assigned-card").get_by_role("link", name="Un module avec un quiz").click()
    check_accessibility(page)
    page.get_by_role("link", name="Commencer").click()
    while True:
        check_accessibility(page)
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        following.click()
    page.get_by_role("link", name="Un module avec un quiz").first.click()
    page.get_by_role("link", name="Quiz du module").click()
    check_accessibility(page)
    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_label("415", exact=True).check()
    check_accessibility(page)
    page.get_by_role("button", name="Valider ma réponse").click()
    page.get_by_role("link", name="Question suivante").click()
    page.get_by_label("Ta réponse").fill("ONU")  # the misconception the teacher should see
    page.get_by_role("button", name="Valider ma réponse").click()
    assert "l’ONU n’a pas publié ce rapport" in page.get_by_role("status").inner_text()
    check_accessibility(page)
    page.get_by_role("link", name="Question suivante").click()
    page.get_by_label("Ta réponse (un nombre)").fill("1,5")
    page.get_by_role("button", name="Valider ma réponse").click()
    page.get_by_role("link", name="Question suivante").click()
    for position, text in enumerate(["Lire le cours", "Faire les activités", "Passer le quiz"], start=1):
        page.get_by_label(text).select_option(str(position))
    page.get_by_role("button", name="Valider ma réponse").click()
    page.get_by_role("link", name="Voir mon résultat").click()
    assert "75 %" in page.locator("main").inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Se déconnecter").click()

    # Back as the teacher: the grid, the item analysis and the CSV export show it.
    _sign_in(page, "prof.demo", DEMO_PASSWORD)
    page.get_by_role("link", name="Mes classes").click()
    page.get_by_role("link", name="2nde 3").first.click()
    row = page.locator("tr", has=page.get_by_role("link", name="Nina Roux")).inner_text()
    assert "Non réussi" in row and "75 %" in row
    check_accessibility(page)
    screenshot(page, "teaching-overview")
    page.get_by_role("link", name=re.compile("Analyse des questions")).first.click()
    analysis = page.locator("main").inner_text()
    assert "1 élève sur 26 a commencé le quiz" in analysis
    assert "ONU" in analysis and "Non, l’ONU n’a pas publié ce rapport" in analysis
    check_accessibility(page)
    screenshot(page, "teaching-item-analysis")
    export = page.request.get(page.get_by_role("link", name="Exporter en CSV").get_attribute("href"))
    assert export.ok and export.body().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.text().lstrip("\ufeff")), delimiter=";"))
    assert any(row[7:10] == ["ONU", "1", "100"] and row[10].startswith("Non, l’ONU n’a pas publié") for row in rows if len(row) > 10)
    page.get_by_role("link", name="Retour au suivi").click()
    overview = page.request.get(page.get_by_role("link", name="Exporter en CSV").get_attribute("href")).text()
    assert re.search(r"Roux;Nina;nina\.roux;[^;]+;\d{4}-\d{2}-\d{2} \d{2}:\d{2};[^;]*;Quiz non réussi;75", overview), overview[:600]
    page.get_by_role("link", name="Nina Roux").click()
    detail = page.locator("main").inner_text()
    assert "Tentative 1" in detail and "ONU" in detail
    check_accessibility(page)
    page.goto(page.url.split("/eleves/")[0] + "/imprimer")
    check_accessibility(page)
    screenshot(page, "teaching-print")
