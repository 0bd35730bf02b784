"""The teacher's Monday morning (issue 14) in a real browser, as prof.demo: the home with each
class's news, a student added and corrected by hand, a slip reprinted, a report per student, a
module previewed with its answer key, the class's print view on an A4 sheet in landscape. Every
page passes axe-core and fits a 390 px phone."""

from __future__ import annotations

import re

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.test_phone_layout import OVERFLOWING
from tests.helpers import screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# An A4 sheet in landscape is 297 mm wide; 10 mm margins leave 277 mm, 1047 CSS pixels.
A4_LANDSCAPE_CONTENT_PX = 1047


def _sign_in(page, username: str = "prof.demo") -> None:
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")  # the keyboard, as everywhere below
    page.wait_for_url("**/accueil")


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    overflowing = page.evaluate(OVERFLOWING)
    assert scroll <= width and not overflowing, f"{page.url}: {scroll}px wide; {overflowing[:5]}"


def _class_url(page) -> str:
    page.goto("/classes")
    href = page.locator("main a[href^='/classes/']").first.get_attribute("href")
    return re.match(r"/classes/\d+", href).group(0)


def test_the_teachers_monday_morning(page, check_accessibility):
    _sign_in(page)
    home = page.locator("main").inner_text()
    assert "Ont terminé un module" in home and "Élèves à aider" in home and "À faire pour cette semaine" in home
    check_accessibility(page)
    screenshot(page, "teacher-home")
    base = _class_url(page)

    # One student by hand, with the keyboard.
    page.goto(f"{base}/eleves")
    page.get_by_label("Prénom").fill("Maëlle")
    page.get_by_label("Nom", exact=True).fill("Le Bihan")
    page.get_by_label("Nom", exact=True).press("Enter")
    slip = page.locator("main").inner_text()
    assert "maelle.le-bihan" in slip and "Mot de passe provisoire" in slip
    check_accessibility(page)

    # Corrected by hand.
    page.goto(f"{base}/eleves")
    check_accessibility(page)
    page.get_by_role("link", name="Modifier : Maëlle Le Bihan").click()
    check_accessibility(page)
    page.get_by_label("Prénom").fill("Maëlle-Anne")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Maëlle-Anne" in page.locator("main").inner_text()

    # Her page: the report for the parents' meeting, the slip reprinted after a confirmation.
    page.get_by_role("link", name="Le Bihan Maëlle-Anne").click()
    page.get_by_role("link", name=re.compile("Rapport à imprimer")).click()
    assert "Travail module par module" in page.locator("main").inner_text() or "Aucun module" in page.locator("main").inner_text()
    check_accessibility(page)
    page.go_back()
    page.get_by_role("link", name="Réimprimer sa fiche de connexion").click()
    check_accessibility(page)
    page.get_by_role("button", name=re.compile("Oui, créer un nouveau mot de passe")).click()
    assert "Fiche de connexion réimprimée" in page.locator("main").inner_text()

    # « Donner un module »: a preview with its answer key.
    page.goto(f"{base}/devoirs/nouveau")
    page.get_by_text("Liste des modules à prévisualiser").click()
    page.locator("details.module-previews a").first.click()
    preview = page.locator("main").inner_text()
    assert "Aperçu" in preview and ("Réponse attendue" in preview or "pas de quiz" in preview)
    check_accessibility(page)
    screenshot(page, "teacher-module-preview")


def test_the_class_print_view_fits_an_a4_sheet_in_landscape(page, check_accessibility):
    _sign_in(page)
    base = _class_url(page)
    page.goto(f"{base}/imprimer")
    check_accessibility(page)
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)}
    assert boxes and all(abs(w - 841.89) < 1 and abs(h - 595.28) < 1 for w, h in boxes), boxes
    # Printed, the grid fits inside the sheet's margins.
    page.set_viewport_size({"width": A4_LANDSCAPE_CONTENT_PX, "height": 740})
    page.emulate_media(media="print")
    right = page.evaluate("Math.max(...[...document.querySelectorAll('main, main *')].map(e => e.getBoundingClientRect().right))")
    assert right <= A4_LANDSCAPE_CONTENT_PX + 1, right
    # The report of a student prints in portrait on A4.
    page.emulate_media(media="screen")
    page.goto(f"{base}/eleves")
    page.locator("table a[href*='/eleves/']").first.click()
    page.goto(page.url + "/rapport")
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)}
    assert boxes and all(abs(w - 595.28) < 1 and abs(h - 841.89) < 1 for w, h in boxes), boxes


def test_the_new_teacher_pages_fit_a_phone(browser, live_server, check_accessibility):
    context = browser.new_context(base_url=live_server, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page)
        _fits(page, PHONE["width"])
        base = _class_url(page)
        page.goto(f"{base}/eleves")
        student = page.locator("table a[href*='/eleves/']").first.get_attribute("href")
        module = page.goto(f"{base}/devoirs/nouveau") and page.locator("details.module-previews a").first.get_attribute("href")
        for url in (f"{base}/eleves", f"{student}/modifier", f"{student}/fiche", f"{student}/rapport", module,
                    f"{base}/devoirs/nouveau"):
            page.goto(url)
            _fits(page, PHONE["width"])
            check_accessibility(page)
    finally:
        context.close()
