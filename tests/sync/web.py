"""A browser-like HTTP client for the end-to-end test: cookies, CSRF tokens, forms, uploads."""

from __future__ import annotations

import http.cookiejar
import html
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Answer:
    def __init__(self, status: int, url: str, body: bytes, headers) -> None:
        self.status = status
        self.url = url
        self.body = body
        self.headers = headers

    @property
    def text(self) -> str:
        return html.unescape(self.body.decode("utf-8", errors="replace"))

    def csrf(self) -> str:
        match = CSRF_RE.search(self.body.decode())
        assert match, f"no CSRF token on {self.url}"
        return match.group(1) or match.group(2)


class WebClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.geturl(), response.read(), response.headers)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.geturl(), error.read(), error.headers)

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict | list, token: str | None = None) -> Answer:
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        expanded = []
        for name, value in pairs:
            for item in value if isinstance(value, list) else [value]:
                expanded.append((name, item))
        if token:
            expanded.append(("csrf_token", token))
        data = urllib.parse.urlencode(expanded).encode()
        return self._open(urllib.request.Request(self.base + path, data=data))

    def upload(self, path: str, field: str, filename: str, content: bytes, token: str) -> Answer:
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return self._open(request)

    def submit(self, form_path: str, action: str, fields: dict) -> Answer:
        return self.post(action, fields, token=self.get(form_path).csrf())

    def login(self, username: str, password: str) -> Answer:
        answer = self.submit("/connexion", "/connexion", {"username": username, "password": password})
        assert answer.status == 200 and "/accueil" in answer.url, f"login failed: {answer.status} {answer.url}"
        return answer
