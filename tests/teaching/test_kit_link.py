"""The teacher finds the modules' teacher kits on the « Donner un module » page."""

from tests.helpers import login, page_text
from tests.teaching.conftest import READING_MODULE


def test_the_assignment_page_links_the_teacher_kits(client, world):
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}/devoirs/nouveau"))
    assert "Fiches pour l'enseignant" in html
    assert f'href="/modules/{READING_MODULE}/kit"' in html
    # Only modules that have a kit: the quiz module has none.
    assert 'href="/modules/quiz-exemple/kit"' not in html
    assert client.get(f"/modules/{READING_MODULE}/kit").status_code == 200
