"""A quiz in chromium against a real server process, killed and restarted midway.

eleve01 answers the first question wrong and the others right; after the
third answer the server gets SIGKILL (a laptop whose battery dies), starts
again, and the student resumes at the fourth question. At the end the result
page and the event log must agree: one attempt, one answer per question, one
end.
"""

import sqlite3
from pathlib import Path

import pytest

from lycee_ia.content.module import build_module
from lycee_ia.content.problems import Problems
from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.driver import fill_answer
from tests.helpers import screenshot
from tests.live import ROOT, LaptopProcess

pytestmark = pytest.mark.browser
MODULE = "e9-empreinte-sobriete"


@pytest.fixture
def laptop(tmp_path):
    laptop = LaptopProcess(tmp_path / "donnees")
    laptop.command("db", "upgrade")
    laptop.command("demo")
    laptop.start()
    yield laptop
    laptop.stop()


def test_a_quiz_survives_a_server_killed_midway(browser, laptop, check_accessibility):
    module = build_module(ROOT / "courses" / MODULE, Problems())
    questions = module.quiz.questions
    assert len({q.type for q in questions}) >= 4
    context = browser.new_context(base_url=laptop.url, bypass_csp=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("eleve01")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/modules/{MODULE}/quiz")
    check_accessibility(page)
    page.get_by_role("button", name="Commencer le quiz").click()

    for index, question in enumerate(questions):
        assert page.get_by_role("heading", level=1).inner_text() == f"Question {index + 1} sur {len(questions)}"
        if index == 0:
            check_accessibility(page)
        fill_answer(page.locator("form[data-answer]"), question, right=index != 0)
        page.get_by_role("button", name="Valider ma réponse").click()
        verdict = page.locator(".feedback .verdict")
        verdict.wait_for()
        if index == 0:
            assert "Bonne réponse" not in verdict.inner_text()
            check_accessibility(page)
            screenshot(page, "quiz-feedback-wrong")
        else:
            assert "Bonne réponse" in verdict.inner_text(), f"{question.id}: {verdict.inner_text()}"
        if index == 2:
            laptop.kill()
            laptop.start()
            page.goto(f"/modules/{MODULE}/quiz")
            page.get_by_role("button", name="Reprendre le quiz").click()
            continue
        page.locator(".feedback a.button").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Résultat du quiz"
    percent = round(100 * (len(questions) - 1) / len(questions))
    summary = page.locator(".result-summary").inner_text()
    assert f"{percent} %" in summary and "Bravo" in summary
    assert page.locator(".result-item").first.locator(".verdict").inner_text() != "✓ Juste"
    check_accessibility(page)
    screenshot(page, "quiz-result")
    context.close()

    with sqlite3.connect(laptop.database) as connection:
        user_id = connection.execute("SELECT id FROM users WHERE username = 'eleve01'").fetchone()[0]
        rows = connection.execute(
            "SELECT verb, object_id, registration FROM learning_events WHERE user_id = ? AND module_id = ?",
            (user_id, MODULE),
        ).fetchall()
        attempt = connection.execute("SELECT status, score FROM quiz_attempts WHERE user_id = ?", (user_id,)).fetchall()
    verbs = [verb for verb, _, _ in rows]
    assert verbs.count("attempted") == 1 and verbs.count("passed") == 1 and "failed" not in verbs
    answered = sorted(object_id for verb, object_id, _ in rows if verb == "answered")
    assert answered == sorted(f"{MODULE}/{q.id}" for q in questions)
    assert len({registration for _, _, registration in rows}) == 1
    assert attempt == [("passed", pytest.approx((len(questions) - 1) / len(questions), abs=1e-3))]
