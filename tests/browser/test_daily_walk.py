"""One walk through a school day, as issue 14 asks: eleve01, a newly imported student, prof.demo.

Each page on the way is checked with axe-core and must fit a phone's width; the
student pages must stay EcoIndex A.
"""

import re

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.ecoindex import measure
from tests.browser.test_phone_layout import PHONE, _assert_fits

pytestmark = pytest.mark.browser
NEW_PASSWORD = "un-mot-de-passe-a-moi-42"
ROSTER = "Nom;Prénom;Classe\nOrtega;Maël;2nde 3\n"


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _sign_in(page, username, password=DEMO_PASSWORD, landing="**/accueil"):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(landing)


def _check(page, check_accessibility):
    _assert_fits(page)
    check_accessibility(page)


def test_a_school_day_as_a_student_a_new_student_and_their_teacher(browser, live_server, check_accessibility):
    # eleve01: the home says what to do, the late work first; the module page and the results agree.
    context, page = _context(browser, live_server)
    _sign_in(page, "eleve01")
    todo = page.locator("ul.assigned > li")
    assert todo.count() >= 2 and "En retard" in todo.first.inner_text()
    _check(page, check_accessibility)
    cookies = context.cookies()
    todo.first.get_by_role("link", name=re.compile("Commencer|Reprendre")).click()
    assert "/partie/" in page.url
    _check(page, check_accessibility)
    page.locator("summary", has_text="Menu").click()  # the phone's folded menu
    page.get_by_role("link", name="Mes résultats").first.click()
    page.wait_for_url("**/mes-resultats")
    _check(page, check_accessibility)
    for path in ("/accueil", "/mes-resultats", "/modules"):
        result = measure(browser, live_server, path, cookies)
        assert result.grade == "A", result
    context.close()

    # prof.demo: the home has news per class; a student is imported; a reset asks first.
    context, page = _context(browser, live_server)
    _sign_in(page, "prof.demo")
    assert page.locator("section.class-news").count() >= 1
    _check(page, check_accessibility)
    page.locator("section.class-news h2 a").first.click()
    class_url = page.url.split("?")[0].rstrip("/")
    page.goto(class_url + "/importer")
    page.get_by_label("Fichier CSV de la classe").set_input_files(
        files=[{"name": "liste.csv", "mimeType": "text/csv", "buffer": ROSTER.encode()}]
    )
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_role("button", name="Confirmer l'import").click()
    slip = page.locator(".slip", has_text="Ortega").inner_text()
    username = re.search(r"Identifiant : (\S+)", slip).group(1)
    password = re.search(r"Mot de passe provisoire : (\S+)", slip).group(1)
    page.goto(class_url + "/eleves")
    row = page.locator("tbody tr", has_text="Ortega")
    row.get_by_role("link", name="Nouveau mot de passe").click()
    assert "ne fonctionnera plus" in page.locator("main").inner_text() or "Nouveau mot de passe" in page.get_by_role("heading", level=1).inner_text()
    _check(page, check_accessibility)
    page.go_back()  # nothing happened: the slip's password still opens the account
    context.close()

    # The new student: a first password of their own, then a home with the class's work.
    context, page = _context(browser, live_server)
    _sign_in(page, username, password, landing="**/compte")
    page.get_by_label("Mot de passe actuel").fill(password)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.goto("/accueil")
    todo = page.locator("ul.assigned > li")
    assert todo.count() >= 2
    # Work due before they arrived is not late for them (they get the time the class had).
    assert "En retard" not in page.locator("main").inner_text()
    _check(page, check_accessibility)
    context.close()
