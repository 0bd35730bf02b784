"""Student pages at a phone's width (390 px): nothing may be wider than the screen."""

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Elements wider than the viewport, or reaching past its right edge.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().width)}px`);
}"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("eleve01")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")
    yield page
    context.close()


def _assert_fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    overflowing = page.evaluate(OVERFLOWING)
    assert width <= PHONE["width"] and not overflowing, f"{page.url}: {width}px wide; {overflowing[:5]}"


def test_the_catalogue_with_overdue_work_fits_a_phone(phone, check_accessibility):
    phone.goto("/modules")
    # The demo's first assignment was due a week ago: eleve01 has not done it.
    assert phone.locator(".late").count() >= 1
    _assert_fits(phone)
    check_accessibility(phone)
    screenshot(phone, "catalogue-phone")


def test_a_matching_question_fits_a_phone(phone, check_accessibility):
    module_id = "e1-ia-autour-de-moi"
    phone.goto(f"/modules/{module_id}/quiz")
    phone.get_by_role("button", name="Commencer le quiz").click()
    first_question = phone.url
    phone.goto(first_question.rsplit("/", 1)[0] + "/e1-quiz-associer-notions")
    assert phone.locator(".match-row select").count() >= 3
    _assert_fits(phone)
    check_accessibility(phone)
    screenshot(phone, "matching-phone")
