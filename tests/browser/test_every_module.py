"""Every shipped module, read and passed in chromium by the right audience.

Each module is read section by section through its "next" links; every
activity is answered in place (JavaScript on); then its quiz is taken with
the right answers and must end on "Bravo". A student in no class takes the
student modules (the demo class has a module assigned for later, whose quiz
is not open yet), personnel.demo the staff modules.
"""

from pathlib import Path

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.accounts.models import Role
from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.driver import fill_answer
from tests.helpers import TEST_PASSWORD

pytestmark = pytest.mark.browser
COURSES = Path(__file__).resolve().parents[2] / "courses"
CATALOGUE, _ = build_catalogue(COURSES)


def _sign_in(page, username, password=DEMO_PASSWORD):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")


@pytest.mark.parametrize("module_id", sorted(CATALOGUE.modules))
def test_the_module_can_be_read_and_its_quiz_passed(page, module_id, check_accessibility, make_user):
    module = CATALOGUE.modules[module_id]
    if module.audience == "eleve":
        make_user(Role.STUDENT, username="eleve.libre")
        _sign_in(page, "eleve.libre", TEST_PASSWORD)
    else:
        _sign_in(page, "personnel.demo")
    page.goto(f"/modules/{module.id}")
    page.get_by_role("link", name="Commencer").click()
    for number, section in enumerate(module.sections, start=1):
        assert page.get_by_role("heading", level=1).inner_text() == section.title
        if number == 1:
            check_accessibility(page)
        for question_id in section.activities:
            activity = page.locator(f"#activite-{question_id}")
            fill_answer(activity, module.activities[question_id], right=True)
            activity.get_by_role("button", name="Valider").click()
            activity.locator(".feedback").wait_for()
        if number < len(module.sections):
            page.locator("a[rel=next]").click()
    page.get_by_role("link", name="Passer au quiz").click()
    page.get_by_role("button", name="Commencer le quiz").click()
    for question in module.quiz.questions:
        fill_answer(page.locator("form[data-answer]"), question, right=True)
        page.get_by_role("button", name="Valider ma réponse").click()
        verdict = page.locator(".feedback .verdict")
        verdict.wait_for()
        assert "Bonne réponse" in verdict.inner_text(), f"{question.id}: {verdict.inner_text()}"
        page.locator(".feedback a.button").click()
    summary = page.locator(".result-summary").inner_text()
    assert "100 %" in summary and "Bravo" in summary
    check_accessibility(page)
    page.goto(f"/modules/{module.id}")
    assert "Terminé" in page.locator("main").inner_text()
