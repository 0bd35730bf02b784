"""Helpers the tests import: forms posted like a browser, sign-in, screenshots."""

from __future__ import annotations

import html
import re
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TEST_PASSWORD = "mot-de-passe-de-test"

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def submit(client, url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
    """POST a form the way a browser does: open its page, take its CSRF token, send."""
    page = client.get(form_url or url)
    assert page.status_code == 200, f"{form_url or url} answered {page.status_code}"
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data=payload, **kwargs)


def login(client, username: str, password: str = TEST_PASSWORD):
    response = submit(client, "/connexion", {"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    return response


def page_text(response) -> str:
    """The response body with HTML entities decoded, to compare with French text."""
    return html.unescape(response.get_data(as_text=True))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
