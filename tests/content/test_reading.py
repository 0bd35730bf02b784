"""Reading modules through HTTP: catalogue, sections, events, progress, media."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from tests.helpers import page_text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def _events(app, user_id):
    with app.app_context():
        return [
            (e.verb, e.object_id, e.module_version)
            for e in db.session.scalars(
                select(LearningEvent).where(LearningEvent.user_id == user_id).order_by(LearningEvent.occurred_at, LearningEvent.verb.desc())
            )
        ]


def test_a_student_sees_student_modules_only(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules"))
    assert "Un module d'exemple pour les tests" in html
    assert "Un module pour les personnels" not in html
    assert "casse-exemple" not in html and "non servi" not in html
    response = client.get("/modules/personnel-exemple")
    assert response.status_code == 403
    assert "réservé aux personnels" in page_text(response)


def test_staff_see_staff_modules(client, login_as):
    login_as("personnel")
    html = page_text(client.get("/modules"))
    assert "Un module pour les personnels" in html
    assert client.get("/modules/personnel-exemple").status_code == 200


def test_a_broken_module_is_not_served_but_shown_to_administrators(client, login_as):
    login_as("admin")
    assert "1 module non servi" in page_text(client.get("/modules"))
    assert client.get("/modules/casse-exemple").status_code == 404
    status = page_text(client.get("/admin/modules"))
    assert "casse-exemple" in status and "module.md:6" in status and "niveau « facile » inconnu" in status


def test_reading_every_section_records_events_and_completes_the_module(client, login_as, app):
    student = login_as("eleve")
    overview = page_text(client.get("/modules/lecture-exemple"))
    assert "Commencer" in overview and "Pas commencé" in overview
    first = client.get("/modules/lecture-exemple/partie/savoir")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    html = page_text(first)
    assert "<h1>Ce qu'il faut savoir</h1>" in html and "Partie 1 sur 3" in html
    assert "En cours (33 %)" in html
    client.get("/modules/lecture-exemple/partie/une-deuxieme-partie")
    assert "Reprendre" in page_text(client.get("/modules/lecture-exemple"))
    client.get("/modules/lecture-exemple/partie/fin")
    events = _events(app, student.id)
    with app.app_context():
        from lycee_ia.content.catalogue import get_catalogue

        version = get_catalogue().modules["lecture-exemple"].version
    assert events == [
        ("experienced", "lecture-exemple/savoir", version),
        ("experienced", "lecture-exemple/une-deuxieme-partie", version),
        ("experienced", "lecture-exemple/fin", version),
        ("completed", "lecture-exemple", version),
    ]
    assert "Terminé" in page_text(client.get("/modules"))
    assert "Relire" in page_text(client.get("/modules/lecture-exemple"))


def test_reloading_a_section_records_it_once(client, login_as, app):
    student = login_as("eleve")
    for _ in range(3):
        client.get("/modules/lecture-exemple/partie/savoir")
    assert _events(app, student.id) == [("experienced", "lecture-exemple/savoir", _events(app, student.id)[0][2])]


def test_jumping_to_the_last_section_does_not_complete_the_module(client, login_as, app):
    student = login_as("eleve")
    client.get("/modules/lecture-exemple/partie/fin")
    with app.app_context():
        row = db.session.get(ModuleProgress, (student.id, "lecture-exemple"))
        assert row.completed_at is None and row.seen() == ["fin"]
    # "Reprendre" leads to the first section not yet read.
    html = page_text(client.get("/modules/lecture-exemple"))
    assert 'href="/modules/lecture-exemple/partie/savoir">\n    Reprendre' in html or "/partie/savoir\">Reprendre" in html.replace("\n    ", "")


def test_students_progress_is_their_own(client, login_as, make_user, app):
    other = make_user("eleve")
    login_as("eleve")
    client.get("/modules/lecture-exemple/partie/savoir")
    assert _events(app, other.id) == []


def test_the_glossary_callouts_footnotes_and_sources_are_shown(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules/lecture-exemple/partie/savoir"))
    assert 'class="term"' in html and "Bâtiment rempli d’ordinateurs" in html  # typographic apostrophe
    assert "À retenir" in html
    assert 'href="https://www.iea.org/reports/energy-and-ai"' in html
    assert 'rel="external noopener noreferrer"' in html
    overview = page_text(client.get("/modules/lecture-exemple"))
    assert "Glossaire" in overview and "Energy and AI" in overview


def test_media_are_served_with_their_type_and_a_script_free_policy(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules/lecture-exemple/partie/savoir"))
    src = html.split('src="')[1].split('"')[0]
    assert src.startswith("/modules/lecture-exemple/media/schema.svg?v=")
    response = client.get(src)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert "no-store" not in response.headers["Cache-Control"] and "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/modules/lecture-exemple/media/../module.md",
        "/modules/lecture-exemple/media/%2e%2e/module.md",
        "/modules/lecture-exemple/media/%2E%2E%2Fmodule.md",
        "/modules/lecture-exemple/media/..%2f..%2f..%2fconfig.py",
        "/modules/lecture-exemple/media/%252e%252e%252fmodule.md",
        "/modules/lecture-exemple/media/....//module.md",
        "/modules/lecture-exemple/media//etc/passwd",
        "/modules/lecture-exemple/media/schema.svg%00.png",
        "/modules/lecture-exemple/media/absente.svg",
        "/modules/lecture-exemple/media/",
        "/modules/inconnu/media/schema.svg",
        "/modules/inconnu",
        "/modules/lecture-exemple/partie/inconnue",
        "/modules/..%2fcasse-exemple",
    ],
)
def test_unknown_modules_and_path_traversal_give_404(client, login_as, path):
    login_as("eleve")
    # Werkzeug first merges "//" with a redirect to the same site.
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
    assert response.request.path.startswith("/modules/")
    assert b"---" not in response.data and b"root:" not in response.data


def test_the_print_view_holds_the_whole_module(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules/lecture-exemple/imprimer"))
    for title in ("1. Ce qu'il faut savoir", "2. Une deuxième partie", "3. La fin"):
        assert title in html


def test_anonymous_readers_are_sent_to_login(client):
    for path in ("/modules", "/modules/lecture-exemple", "/modules/lecture-exemple/partie/savoir",
                 "/modules/lecture-exemple/media/schema.svg"):
        assert client.get(path).status_code == 302


def test_the_catalogue_is_built_once(app, login_as, client, monkeypatch):
    login_as("eleve")
    client.get("/modules")
    from lycee_ia.content import module as module_module

    def fail(*args, **kwargs):
        raise AssertionError("Markdown rendered on a request path after the first")

    monkeypatch.setattr(module_module, "render_markdown", fail)
    monkeypatch.setattr("lycee_ia.content.render.render_markdown", fail)
    for path in ("/modules", "/modules/lecture-exemple", "/modules/lecture-exemple/partie/savoir", "/modules/lecture-exemple/imprimer"):
        assert client.get(path).status_code == 200
