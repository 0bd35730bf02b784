"""Issue 13 tooling seen through HTTP: dated sources and the teacher kit page."""

from pathlib import Path

import pytest

from tests.helpers import page_text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def test_the_module_page_shows_when_each_source_was_checked(client, login_as):
    login_as("eleve")
    html = page_text(client.get("/modules/lecture-exemple"))
    assert "(vérifié le 4 décembre 2026)" in html
