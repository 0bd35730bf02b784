"""Student pages at a phone's width (390 px): nothing may be wider than the screen."""

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.helpers import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Elements reaching past the right edge of the screen, except inside a box
# that scrolls on its own (a wide table may scroll inside its region).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const inScrollBox = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !inScrollBox(e))
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


def _phone_as(browser, live_server, username):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")
    return context, page


def test_teacher_pages_fit_a_phone(browser, live_server):
    context, page = _phone_as(browser, live_server, "prof.demo")
    page.goto("/classes")
    page.locator("main a[href^='/classes/']").first.click()
    class_url = page.url
    for path in ("", "/eleves"):
        page.goto(class_url.rstrip("/") + path)
        _assert_fits(page)
    context.close()


def test_the_printable_module_fits_a_phone(phone):
    phone.goto("/modules/e9-empreinte-sobriete/imprimer")
    _assert_fits(phone)
    ids = phone.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_glossary_definitions_are_readable_on_a_phone(phone):
    module_id = "e2-comment-une-machine-apprend"
    phone.goto(f"/modules/{module_id}")
    phone.locator(f"a[href^='/modules/{module_id}/partie/']").first.click()
    terms = phone.locator("main .term")
    assert terms.count() >= 1
    for index in range(min(terms.count(), 8)):
        terms.nth(index).focus()
        box = phone.evaluate("document.activeElement.nextElementSibling.getBoundingClientRect().toJSON()")
        assert box["left"] >= 0 and box["right"] <= PHONE["width"], box
        assert box["width"] >= 300, f"definition squeezed into {box['width']:.0f} px"
        assert 0 <= box["top"] and box["bottom"] <= PHONE["height"], box
