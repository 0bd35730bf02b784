"""A hostile "school server" answers a laptop's enrolment (issue 11, item 4).

The laptop's enrolment page needs no sign-in, so whoever reaches it (another
user of the laptop, a web page through DNS rebinding, a man in the middle)
chooses what the "server" answers. A real HTTP server on 127.0.0.1, run in a
thread, plays that server: it answers with the id of a local teacher, of an
administrator, of another student, with another server key, with malformed
fields. The laptop (its own SQLite file, driven through its real form) must
adopt nothing, change no password, sign nobody in, keep its sync pointed
where it was, and tell the server that it refused the enrolment.
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import hash_password
from lycee_ia.db import db
from lycee_ia.sync.models import SyncAccount
from tests.helpers import page_text, submit
from tests.sync.conftest import laptop_template, make_laptop  # noqa: F401  (fixtures)

LOCAL_PASSWORD = "mot-de-passe-local-du-portable"
TYPED_PASSWORD = "mot-de-passe-tape-par-le-visiteur"


class FakeServer:
    """An HTTP server on 127.0.0.1 that answers the sync API as the test scripts it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, body)
        self.key = secrets.token_hex(32)
        self.answer_enrol = lambda body: (500, {})
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                return None

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                body = json.loads(raw or b"{}")
                body["_authorization"] = self.headers.get("Authorization")
                fake.requests.append(("POST", self.path, body))
                if self.path == "/api/sync/v1/enrol":
                    self._reply(*fake.answer_enrol(body))
                elif self.path == "/api/sync/v1/withdraw":
                    self._reply(200, {"withdrawn": True})
                else:
                    self._reply(404, {"code": "not_found", "message": "Introuvable."})

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, {}))
                self._reply(404, {"code": "not_found", "message": "Introuvable."})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, *, uuid_: str, username: str, role: str = "eleve", key: str | None = None, token: str | None = None):
        """Answer every enrolment with this profile (as a real server would shape it)."""

        def respond(body: dict):
            return 200, {
                "token": token if token is not None else secrets.token_urlsafe(32),
                "server_key": key or self.key,
                "server_time": "2026-12-04T10:00:00Z",
                "state": {
                    "user": {
                        "uuid": uuid_, "username": username, "first_name": "Pirate", "last_name": "",
                        "role": role, "password_hash": hash_password("mot-de-passe-du-pirate"),
                    },
                    "classes": [], "assignments": [], "modules": [], "cursor": "c",
                },
            }

        self.answer_enrol = respond

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]


@pytest.fixture
def fake_server():
    server = FakeServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def laptop(make_laptop):  # noqa: F811
    """A laptop holding a teacher, an administrator and a student, none of them enrolled."""
    handle = make_laptop("portable")
    with handle.app.app_context():
        for username, role in (("prof", Role.TEACHER), ("admin", Role.ADMIN), ("eleve07", Role.STUDENT)):
            db.session.add(
                User(username=username, first_name=username, last_name="", role=role.value, password_hash=hash_password(LOCAL_PASSWORD))
            )
        db.session.commit()
    return handle


def _snapshot(handle) -> dict:
    """Every local account's password hash, role and sync settings."""
    with handle.app.app_context():
        users = {u.username: (u.password_hash, u.role, u.active) for u in db.session.scalars(select(User))}
        accounts = {
            a.user_id: (a.server_url, a.server_key, a.token, a.revoked) for a in db.session.scalars(select(SyncAccount))
        }
        db.session.rollback()
    return {"users": users, "accounts": accounts}


def _enrol_by_form(handle, url: str | None, username: str, password: str = TYPED_PASSWORD):
    client = handle.app.test_client()
    fields = {"username": username, "password": password}
    if url is not None:
        fields["server_url"] = url
    answer = submit(client, "/synchronisation/inscription", fields)
    return client, answer


def _signed_in(client) -> bool:
    # The student's page answers only a signed-in student; anyone else goes to the login page.
    return client.get("/synchronisation").status_code == 200


@pytest.mark.parametrize("target", ["prof", "admin", "eleve07"])
@pytest.mark.parametrize("claimed_role", ["eleve", "enseignant", "admin"])
def test_an_answer_naming_a_local_account_takes_nothing_over(laptop, fake_server, target, claimed_role):
    before = _snapshot(laptop)
    local = laptop.user(target)
    fake_server.answer(uuid_=str(local.uuid), username=target, role=claimed_role)
    client, answer = _enrol_by_form(laptop, fake_server.url, target)
    assert answer.status_code == 400, answer.status_code
    assert "Inscription refusée" in page_text(answer)
    assert not _signed_in(client)
    assert _snapshot(laptop) == before  # no password replaced, no sync account made
    # The local password still opens the account; the visitor's does not.
    assert check_password_hash(laptop.user(target).password_hash, LOCAL_PASSWORD)
    # The laptop told the server it refused the enrolment, with the token it was given.
    assert fake_server.paths() == ["/api/sync/v1/enrol", "/api/sync/v1/withdraw"]
    assert fake_server.requests[1][2]["_authorization"].startswith("Bearer ")


def test_a_local_student_is_taken_over_only_with_their_local_password(laptop, fake_server):
    """"Or ask for its local password": typing the account's own password here lets it enrol."""
    local = laptop.user("eleve07")
    fake_server.answer(uuid_=str(local.uuid), username="eleve07")
    client, answer = _enrol_by_form(laptop, fake_server.url, "eleve07", LOCAL_PASSWORD)
    assert answer.status_code == 302, page_text(answer)
    assert _signed_in(client)
    with laptop.app.app_context():
        assert db.session.get(SyncAccount, local.id).server_url == fake_server.url


def test_a_new_student_from_the_server_does_not_clash_with_a_local_name(laptop, fake_server):
    fake_server.answer(uuid_=str(uuid.uuid4()), username="prof")
    before = _snapshot(laptop)
    client, answer = _enrol_by_form(laptop, fake_server.url, "prof")
    assert answer.status_code == 400 and "existe déjà sur cet ordinateur" in page_text(answer)
    assert not _signed_in(client) and _snapshot(laptop) == before
    assert fake_server.paths()[-1] == "/api/sync/v1/withdraw"


@pytest.mark.parametrize(
    "change",
    [
        {"uuid_": "pas-un-uuid"},
        {"username": "Pas Un Identifiant!"},
        {"username": "quelqu-un-d-autre"},  # not the account typed
        {"token": "court"},
        {"key": "zz" * 32},
        {"role": "enseignant"},
    ],
)
def test_a_malformed_or_foreign_answer_is_refused_without_a_500(laptop, fake_server, change):
    profile = {"uuid_": str(uuid.uuid4()), "username": "nouvel-eleve", **change}
    fake_server.answer(**profile)
    before = _snapshot(laptop)
    client, answer = _enrol_by_form(laptop, fake_server.url, "nouvel-eleve")
    assert answer.status_code == 400
    assert "Inscription refusée" in page_text(answer)
    assert not _signed_in(client) and _snapshot(laptop) == before


def test_once_enrolled_the_laptop_keeps_its_server_and_its_key(laptop, fake_server):
    """After a first enrolment, another address is refused before any contact, and another key too."""
    lea_uuid = str(uuid.uuid4())
    fake_server.answer(uuid_=lea_uuid, username="lea")
    _, answer = _enrol_by_form(laptop, fake_server.url, "lea")
    assert answer.status_code == 302
    before = _snapshot(laptop)

    other = FakeServer()
    other.thread.start()
    try:
        other.answer(uuid_=lea_uuid, username="lea")
        client, answer = _enrol_by_form(laptop, other.url, "lea")
        assert answer.status_code == 400 and "relié au serveur" in page_text(answer)
        assert other.requests == []  # the password never left for the other address
        assert not _signed_in(client) and _snapshot(laptop) == before
    finally:
        other.httpd.shutdown()
        other.httpd.server_close()

    # The same address answering with another key (a man in the middle, a replaced server).
    fake_server.answer(uuid_=lea_uuid, username="lea", key=secrets.token_hex(32))
    client, answer = _enrol_by_form(laptop, None, "lea")
    assert answer.status_code == 400 and "clé" in page_text(answer)
    assert not _signed_in(client) and _snapshot(laptop) == before
    # A second student answered with the pinned key is welcome: the server is the same.
    fake_server.answer(uuid_=str(uuid.uuid4()), username="hugo")
    client, answer = _enrol_by_form(laptop, None, "hugo")
    assert answer.status_code == 302 and _signed_in(client)


def test_plain_http_is_refused_outside_this_machine(laptop):
    client, answer = _enrol_by_form(laptop, "http://lycee-ia.example.fr", "eleve07")
    assert answer.status_code == 400 and "https://" in page_text(answer)
    assert not _signed_in(client)
