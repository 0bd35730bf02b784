"""A student's own pages in chromium: the home page, « Mes résultats », an activity tried again, the phone menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.driver import fill_answer
from tests.browser.ecoindex import measure
from tests.helpers import screenshot

pytestmark = pytest.mark.browser
COURSES = Path(__file__).resolve().parents[2] / "courses"
E2 = "e2-comment-une-machine-apprend"
PHONE = {"width": 390, "height": 844}


def _sign_in(page, username="eleve01"):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")


def test_the_home_page_says_what_to_do_and_is_grade_a(page, live_server, browser, check_accessibility):
    _sign_in(page, "eleve02")  # untouched in the demo: E1 (late), E3 and E4 to do
    todo = page.locator("ul.assigned > li")
    assert todo.count() >= 2
    # Assigned work first, soonest due first, with its date; the late one says so.
    first = todo.first
    assert "Pour le" in first.inner_text() or "Sans date limite" in first.inner_text()
    note = page.locator("ul.assigned .teacher-note").first.inner_text()
    assert "«\u00a0Lis tout le module avant de passer le quiz.\u00a0»" in note and "« «" not in note
    first.get_by_role("link", name="Reprendre").or_(first.get_by_role("link", name="Commencer")).first.click()
    assert "/partie/" in page.url
    page.go_back()
    check_accessibility(page)
    screenshot(page, "student-home")
    result = measure(browser, live_server, "/accueil", page.context.cookies())
    assert result.grade == "A" and result.requests <= 3, result


def test_my_results_page_is_linked_accessible_and_grade_a(page, live_server, browser, check_accessibility):
    _sign_in(page, "eleve05")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes résultats").click()
    page.wait_for_url("**/mes-resultats")
    rows = page.locator("table.results tbody tr")
    catalogue, _ = build_catalogue(COURSES)
    assert rows.count() == sum(1 for m in catalogue.modules.values() if m.audience == "eleve")
    assert rows.first.locator("th").inner_text() == catalogue.modules["e1-ia-autour-de-moi"].title
    assert rows.nth(1).locator("th").inner_text() == catalogue.modules[E2].title
    assert "%" in rows.first.inner_text()  # eleve05 took the E1 quiz
    check_accessibility(page)
    screenshot(page, "student-results")
    result = measure(browser, live_server, "/mes-resultats", page.context.cookies())
    assert result.grade == "A" and result.requests <= 3, result


def _activity_section():
    catalogue, _ = build_catalogue(COURSES)
    module = catalogue.modules[E2]
    for section in module.sections:
        for question_id in section.activities:
            question = module.activities[question_id]
            if question.type in ("single", "truefalse"):
                return module, section, question
    raise AssertionError("no single-choice activity in E2")


@pytest.mark.parametrize("javascript", [True, False])
def test_an_activity_keeps_the_choice_and_can_be_tried_again(browser, live_server, javascript, check_accessibility):
    context = browser.new_context(base_url=live_server, bypass_csp=True, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, "eleve02")
    module, section, question = _activity_section()
    page.goto(f"/modules/{module.id}/partie/{section.id}")
    activity = page.locator(f"#activite-{question.id}")
    fill_answer(activity, question, right=False)
    chosen = activity.locator('input[name="answer"]:checked').get_attribute("value")
    activity.get_by_role("button", name="Valider").click()
    activity.locator(".feedback").wait_for()
    # The choice stays visible and checked, next to its feedback; the button offers to try again.
    assert activity.locator('input[name="answer"]:checked').get_attribute("value") == chosen
    assert activity.locator(".feedback-incorrect").count() == 1
    retry = activity.get_by_role("button", name="Réessayer")
    assert retry.is_visible()
    fill_answer(activity, question, right=True)
    retry.click()
    activity.locator(".feedback-correct").wait_for()
    assert activity.locator(".feedback").count() == 1
    assert activity.locator('input[name="answer"]:checked').get_attribute("value") != chosen
    if javascript:
        check_accessibility(page)
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_menu_is_compact_and_opens_from_the_keyboard(browser, live_server, javascript, check_accessibility):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page)
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] < 60
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert not nav.is_visible()
    # Keyboard: the skip link, the brand, then « Menu »; Enter opens it.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert nav.is_visible()
    results = nav.get_by_role("link", name="Mes résultats")
    assert results.is_visible()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    if javascript:
        check_accessibility(page)
    screenshot(page, f"phone-menu-open{'' if javascript else '-nojs'}")
    results.click()
    page.wait_for_url("**/mes-resultats")
    assert page.locator(".site-header").bounding_box()["height"] < 60
    context.close()


def test_the_menu_stays_unfolded_on_a_laptop_screen(page):
    _sign_in(page)
    header = page.locator(".site-header")
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.is_visible() and nav.get_by_role("link", name="Mes résultats").is_visible()
    assert not page.locator(".menu > summary").is_visible()
    assert header.bounding_box()["height"] < 70
