"""The real login form in Debian's chromium, with axe-core on every page."""

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def _sign_in(page, username):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")


def test_a_student_signs_in_through_the_form(page, check_accessibility):
    page.goto("/connexion")
    check_accessibility(page)
    screenshot(page, "login")
    _sign_in(page, "eleve01")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Léa"
    check_accessibility(page)
    screenshot(page, "eleve01-home")
    page.get_by_role("link", name="Mon compte").click()
    check_accessibility(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion")
    assert "Vous êtes déconnecté" in page.content()


def test_a_teacher_signs_in_and_sees_their_class(page, check_accessibility):
    _sign_in(page, "prof.demo")
    assert "2nde 3" in page.locator("main").inner_text()
    check_accessibility(page)
    screenshot(page, "prof-demo-home")


def test_a_wrong_password_is_announced(page, check_accessibility):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("eleve01")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text() == "Identifiant ou mot de passe incorrect."
    check_accessibility(page)


def test_pages_are_readable_on_a_phone(browser, live_server, check_accessibility):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/connexion")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the login page scrolls sideways on a phone ({width}px)"
    check_accessibility(page)
    screenshot(page, "login-phone")
    context.close()


def test_the_app_pages_load_no_resource_from_another_host(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    _sign_in(page, "admin.demo")
    page.goto("/admin/comptes")
    assert requested and all(url.startswith(live_server) for url in requested), requested
    context.close()
