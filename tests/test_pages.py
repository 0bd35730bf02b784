"""Every page of the demo, for every role: French, one h1, labelled fields, and
no reference to another host (no CDN, no font, no tracker).

The one exception is a link the reader chooses to follow out of the platform
(a source's address): an ``<a>`` marked ``rel="external"``. It is never
loaded by the page itself; every ``src``, stylesheet, form action and any
other ``href`` must stay on this site."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from lycee_ia.demo import DEMO_PASSWORD
from tests.helpers import login

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "srcset"}
MAX_PAGES = 400


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.outbound: list[str] = []
        self.links: list[str] = []
        self.h1 = 0
        self.lang = None
        self.label_for: set[str] = set()
        self.fields: list[dict] = []
        self.label_depth = 0
        self.inline_scripts = 0
        self.style_attributes = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        outbound = tag == "a" and "external" in (attributes.get("rel") or "").split()
        for name, value in attrs:
            if outbound and name == "href":
                self.outbound.append(value or "")
                continue
            if name in URL_ATTRIBUTES and value:
                self.urls.extend(part.strip().split(" ")[0] for part in value.split(",")) if name == "srcset" else self.urls.append(value)
            if name.startswith("on"):
                self.inline_scripts += 1
            if name == "style":
                self.style_attributes += 1
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "label":
            self.label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        elif tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type") not in ("hidden", "submit", "button", "reset", "image"):
                self.fields.append({**attributes, "_wrapped": self.label_depth > 0, "_tag": tag})

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1


def _is_other_host(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("", "mailto", "tel") and not url.startswith("//"):
        return False
    if parts.scheme == "data":
        return False
    return parts.hostname not in ("localhost", "127.0.0.1", None) or url.startswith("//")


def crawl(client, start: str = "/") -> dict[str, PageParser]:
    pages: dict[str, PageParser] = {}
    queue = deque([start])
    seen = {start}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            target = urlsplit(urljoin(url, response.headers["Location"])).path
            if target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if not response.content_type.startswith("text/html"):
            continue
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        pages[url] = parser
        for link in parser.links:
            absolute = urljoin(url, link)
            parts = urlsplit(absolute)
            if parts.netloc and parts.netloc != "localhost":
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not parts.path.startswith("/static/"):
                seen.add(target)
                queue.append(target)
    return pages


@pytest.mark.parametrize("username", [None, "eleve01", "prof.demo", "personnel.demo", "formateur.demo", "admin.demo"])
def test_every_page_is_french_self_contained_and_labelled(demo_app, username):
    client = demo_app.test_client()
    if username:
        login(client, username, DEMO_PASSWORD)
    pages = crawl(client)
    assert pages, "no page was reached"
    problems = []
    for url, page in pages.items():
        if page.lang != "fr":
            problems.append(f"{url}: lang={page.lang!r}")
        if page.h1 != 1:
            problems.append(f"{url}: {page.h1} h1 elements")
        problems.extend(f"{url}: reference to another host {ref}" for ref in page.urls if _is_other_host(ref))
        problems.extend(f"{url}: outbound link not over https: {ref}" for ref in page.outbound if not ref.startswith(("https://", "http://")))
        if page.inline_scripts:
            problems.append(f"{url}: {page.inline_scripts} inline script(s) or on* handler(s)")
        if page.style_attributes:
            problems.append(f"{url}: {page.style_attributes} style attribute(s): the CSP forbids inline style")
        for field in page.fields:
            labelled = field["_wrapped"] or field.get("id") in page.label_for or field.get("aria-label") or field.get("aria-labelledby")
            if not labelled:
                problems.append(f"{url}: {field['_tag']} {field.get('name')!r} has no label")
    assert not problems, "\n".join(problems)
