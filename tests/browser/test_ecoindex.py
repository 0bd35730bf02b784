"""Sobriety as the platform teaches it: EcoIndex grade A on the pages students read.

Measured in chromium on a first visit (empty cache), with the ecoindex.fr
method (tests/browser/ecoindex.py): every page of a student module and of a
staff module, the catalogue, the home and account pages, the quiz pages. The
print view of a whole module, a document meant for paper, must reach C.
"""

import re
from pathlib import Path

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.browser.ecoindex import measure

pytestmark = pytest.mark.browser


def _signed_in_cookies(browser, base_url, username):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil")
    return context, page


@pytest.mark.parametrize("username, module_id", [("eleve01", "e2-comment-une-machine-apprend"), ("personnel.demo", "p1-socle-commun")])
def test_reading_pages_are_grade_a(browser, live_server, username, module_id):
    context, page = _signed_in_cookies(browser, live_server, username)
    page.goto(f"/modules/{module_id}")
    sections = list(dict.fromkeys(re.findall(rf'href="(/modules/{module_id}/partie/[^"]+)"', page.content())))
    page.goto(f"/modules/{module_id}/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    question = page.url.replace(live_server, "")
    cookies = context.cookies()
    paths = ["/accueil", "/modules", "/compte", f"/modules/{module_id}", *sections, f"/modules/{module_id}/quiz", question]
    measures = [measure(browser, live_server, path, cookies) for path in paths]
    printable = measure(browser, live_server, f"/modules/{module_id}/imprimer", cookies)
    context.close()
    report = "\n".join(f"{m.grade} {m.score:5.1f} dom={m.dom} requests={m.requests} {m.size_kb:.1f} KB {m.url}" for m in [*measures, printable])
    assert len(sections) >= 3, report
    assert all(m.grade == "A" for m in measures), report
    assert printable.grade in ("A", "B", "C"), report
    # No page asks for more than the stylesheet, the icon, its script and its figures.
    assert all(m.requests <= 8 for m in measures), report


def test_the_login_page_is_grade_a(browser, live_server):
    result = measure(browser, live_server, "/connexion", [])
    assert result.grade == "A", result
    assert result.requests <= 3 and result.size_kb < 20
