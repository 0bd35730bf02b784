"""A student reads a whole module in chromium; the events are recorded."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import User
from lycee_ia.db import db
from lycee_ia.demo import DEMO_PASSWORD
from lycee_ia.events.models import LearningEvent
from tests.helpers import screenshot

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent.parent / "content" / "fixtures"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def test_a_student_reads_a_module_from_start_to_end(page, demo_app, check_accessibility):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("eleve01")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Modules").first.click()
    check_accessibility(page)
    screenshot(page, "catalogue")
    page.get_by_role("link", name="Un module d'exemple pour les tests").click()
    check_accessibility(page)
    page.get_by_role("link", name="Commencer").click()
    titles = []
    while True:
        titles.append(page.get_by_role("heading", level=1).inner_text())
        check_accessibility(page)
        screenshot(page, f"section-{len(titles)}")
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        following.click()
    assert titles == ["Ce qu'il faut savoir", "Une deuxième partie", "La fin"]
    # The glossary definition appears with the keyboard.
    page.goto("/modules/lecture-exemple/partie/savoir")
    page.locator("dfn.term").focus()
    assert page.locator(".term-def").is_visible()
    page.goto("/modules/lecture-exemple")
    assert "Terminé" in page.locator("main").inner_text()
    with demo_app.app_context():
        student = db.session.scalar(select(User).where(User.username == "eleve01"))
        verbs = [
            (e.verb, e.object_id)
            for e in db.session.scalars(select(LearningEvent).where(LearningEvent.user_id == student.id).order_by(LearningEvent.occurred_at, LearningEvent.verb.desc()))
        ]
    # Three sections read in order, then the first one opened again.
    assert verbs == [
        ("experienced", "lecture-exemple/savoir"),
        ("experienced", "lecture-exemple/une-deuxieme-partie"),
        ("experienced", "lecture-exemple/fin"),
        ("completed", "lecture-exemple"),
        ("experienced", "lecture-exemple/savoir"),
    ]
