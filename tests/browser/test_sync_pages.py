"""The sync pages in Debian's chromium, with axe-core: enrolment, a student's sync page, the teacher's laptops."""

import pytest

from tests.browser.test_login import _sign_in
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_enrolment_page_explains_an_unreachable_server(page, check_accessibility):
    page.goto("/connexion")
    page.get_by_role("link", name="Inscrire cet ordinateur").click()
    check_accessibility(page)
    page.get_by_label("Adresse du serveur du lycée").fill("http://127.0.0.1:9")
    page.get_by_label("Identifiant").fill("eleve01")
    page.get_by_label("Mot de passe").fill("lycee-ia-demo")
    page.get_by_role("button", name="Inscrire cet ordinateur").click()
    assert "Serveur injoignable" in page.locator("main").inner_text()
    check_accessibility(page)
    screenshot(page, "sync-enrol-unreachable")


def test_a_student_and_a_teacher_see_their_sync_pages(page, check_accessibility):
    _sign_in(page, "eleve01")
    page.get_by_role("link", name="Synchronisation").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Synchronisation"
    check_accessibility(page)
    screenshot(page, "sync-student")
    page.get_by_role("button", name="Se déconnecter").click()
    _sign_in(page, "prof.demo")
    page.get_by_role("link", name="Ordinateurs").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ordinateurs des élèves"
    check_accessibility(page)
    screenshot(page, "sync-teacher")
