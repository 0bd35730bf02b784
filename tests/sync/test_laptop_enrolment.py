"""The laptop's enrolment and sync pages while signed in, and the server's side of an enrolment.

Issue 14 item 1: enrolling while signed in used to wait for SQLite's write lock
held by the request's own session, then answer 500. The laptop here waits 1 s
for a lock at most, so any such wait fails the test at once instead of hanging.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import hash_password, reset_password, set_password
from lycee_ia.db import db
from lycee_ia.sync.client import ServerRefused
from lycee_ia.sync.models import SyncAccount, SyncDevice
from lycee_ia.sync.runner import enrol_laptop
from lycee_ia.sync.server import allow_re_enrolment, revoke_device
from tests.helpers import TEST_PASSWORD, login, page_text, submit


def _short_busy_timeout(handle) -> None:
    """Make the laptop wait 1 s (not 15) for SQLite's write lock."""
    engine = handle.app.extensions["lycee_ia.db"]["engine"]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=1000")
        cursor.close()

    engine.dispose()


def _server_devices(app, username: str) -> list[SyncDevice]:
    with app.app_context():
        devices = list(
            db.session.scalars(select(SyncDevice).join(User, User.id == SyncDevice.user_id).where(User.username == username))
        )
        for device in devices:
            db.session.expunge(device)
        db.session.rollback()
        return devices


def test_the_laptop_pages_answer_while_signed_in_without_waiting_for_their_own_lock(app, server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    make_user(Role.STUDENT, username="hugo")
    laptop = make_laptop()
    _short_busy_timeout(laptop)
    client = laptop.app.test_client()
    # First enrolment, anonymous: the form signs lea in.
    answer = submit(client, "/synchronisation/inscription", {"server_url": server_url, "username": "lea", "password": TEST_PASSWORD})
    assert answer.status_code == 302, page_text(answer)
    assert client.get("/synchronisation").status_code == 200
    # Signed in as lea, hugo enrols on the same laptop (same pinned server).
    answer = submit(client, "/synchronisation/inscription", {"username": "hugo", "password": TEST_PASSWORD})
    assert answer.status_code == 302, page_text(answer)
    assert laptop.user("hugo") is not None
    # Signed in (as hugo now), a wrong password: the server's refusal, shown, never a 500.
    answer = submit(client, "/synchronisation/inscription", {"username": "lea", "password": "pas-le-bon-mot-de-passe"})
    assert answer.status_code == 400 and "incorrect" in page_text(answer)
    # The other POST routes of the page, signed in.
    for path in ("/synchronisation/maintenant", "/synchronisation/paquet"):
        answer = submit(client, path, {}, form_url="/synchronisation")
        assert answer.status_code in (200, 302), (path, answer.status_code)
    page = client.get("/synchronisation")
    from tests.helpers import csrf_token_from
    import io

    answer = client.post(
        "/synchronisation/importer",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "bundle": (io.BytesIO(b"pas un paquet"), "x.lia")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert "Paquet refusé" in page_text(client.get("/synchronisation"))


def test_enrolling_while_signed_in_with_no_server_answers_at_once(make_laptop):
    """The steps of the issue: signed in, « inscrire cet ordinateur », an address where nobody answers."""
    laptop = make_laptop()
    _short_busy_timeout(laptop)
    with laptop.app.app_context():
        db.session.add(User(username="eleve07", first_name="Élève", role=Role.STUDENT.value, password_hash=hash_password(TEST_PASSWORD)))
        db.session.commit()
    client = laptop.app.test_client()
    login(client, "eleve07")
    answer = submit(client, "/synchronisation/inscription", {"server_url": "http://127.0.0.1:9", "username": "eleve07", "password": TEST_PASSWORD})
    assert answer.status_code == 503 and "Serveur injoignable" in page_text(answer)
    assert client.get("/synchronisation").status_code == 200  # still signed in


def test_a_laptop_that_refuses_the_answer_leaves_no_active_enrolment_on_the_server(app, server_url, make_user, make_laptop):
    """A local name clash: the laptop refuses, tells the server, and the student can enrol once it is solved."""
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    with laptop.app.app_context():
        db.session.add(User(username="lea", first_name="Autre", role=Role.STUDENT.value, password_hash=hash_password("autre-mot-de-passe")))
        db.session.commit()
    with pytest.raises(Exception, match="existe déjà sur cet ordinateur"):
        enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    assert _server_devices(app, "lea") == []
    # An administrator renames the local account; the enrolment then works.
    with laptop.app.app_context():
        db.session.scalar(select(User).where(User.username == "lea")).username = "lea-local"
        db.session.commit()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    assert [d.active for d in _server_devices(app, "lea")] == [True]


def test_a_temporary_password_does_not_enrol_a_laptop(app, server_url, make_user, make_laptop):
    student = make_user(Role.STUDENT, username="lea")
    with app.app_context():
        slip = reset_password(db.session, actor=None, user=db.session.get(User, student.id))
        db.session.commit()
    laptop = make_laptop()
    client = laptop.app.test_client()
    answer = submit(client, "/synchronisation/inscription", {"server_url": server_url, "username": "lea", "password": slip})
    assert answer.status_code == 400
    assert "change d'abord ton mot de passe provisoire en te connectant au site du lycée" in page_text(answer)
    assert laptop.user("lea") is None and _server_devices(app, "lea") == []
    # Once the student chose their own password on the site, the laptop enrols.
    with app.app_context():
        set_password(db.session, db.session.get(User, student.id), "mon-propre-mot-de-passe-7")
        db.session.commit()
    user = enrol_laptop(laptop.app, server_url, "lea", "mon-propre-mot-de-passe-7")
    assert not user.must_change_password


def test_a_revoked_laptop_cannot_enrol_again_until_a_teacher_allows_it(app, server_url, make_user, make_laptop):
    """Decision: the password alone does not undo a revocation; another laptop enrols as usual."""
    make_user(Role.STUDENT, username="lea")
    admin = make_user(Role.ADMIN, username="direction")
    laptop, other = make_laptop("perdu"), make_laptop("nouveau")
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    with app.app_context():
        device = db.session.scalar(select(SyncDevice))
        revoke_device(db.session, actor=db.session.get(User, admin.id), device=device)
        db.session.commit()
    # The laptop held a verifier of lea's password: she must choose a new one.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lea"))
        assert user.must_change_password
        set_password(db.session, user, "nouveau-mot-de-passe-de-lea")
        db.session.commit()
    with pytest.raises(ServerRefused) as refused:
        enrol_laptop(laptop.app, server_url, "lea", "nouveau-mot-de-passe-de-lea")
    assert refused.value.code == "revoked" and "autoriser une nouvelle inscription" in refused.value.message
    assert [d.active for d in _server_devices(app, "lea")] == [False]
    with laptop.app.app_context():
        assert db.session.scalar(select(SyncAccount)).token  # untouched: the old (revoked) token
    # Another laptop of the same student enrols with the password.
    enrol_laptop(other.app, server_url, "lea", "nouveau-mot-de-passe-de-lea")
    # A teacher's or administrator's action lets the withdrawn laptop enrol again.
    with app.app_context():
        device = db.session.scalar(select(SyncDevice).where(SyncDevice.revoked_at.is_not(None)))
        allow_re_enrolment(db.session, actor=db.session.get(User, admin.id), device=device)
        db.session.commit()
    enrol_laptop(laptop.app, server_url, "lea", "nouveau-mot-de-passe-de-lea")
    assert sorted(d.active for d in _server_devices(app, "lea")) == [True, True]


def test_the_password_verifier_goes_only_privately_to_the_laptop_that_proves_its_key_never_for_a_slip(app, make_user):
    """The state carries the password verifier only over https or on this very machine, to a
    request signed with the key registered at enrolment, and never a slip password's."""
    from lycee_ia.sync import signing
    from lycee_ia.sync.server import enrol_device

    student = make_user(Role.STUDENT, username="lea")
    key, other_key = signing.signing_key("cle-du-portable"), signing.signing_key("cle-d-un-autre")
    with app.app_context():
        _, token = enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1", device_id="portable-0001",
            public_key=signing.public_key_hex(key), label="", laptop_now=None,
        )
        db.session.commit()
    client = app.test_client()
    sent_at = "2026-12-04T10:00:00Z"

    def profile(signer=key, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        if signer is not None:
            headers[signing.PROOF_HEADER] = signer.sign(signing.proof_message(token, sent_at)).hex()
        answer = client.get(f"/api/sync/v1/state?sent_at={sent_at}", headers=headers, **kwargs)
        assert answer.status_code == 200
        return answer.get_json()["user"]

    local = {"base_url": "http://127.0.0.1", "environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    assert "password_hash" in profile(**local)
    assert "password_hash" in profile(base_url="https://lycee.example.fr", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    # The token alone, or signed with another key: no verifier.
    assert "password_hash" not in profile(signer=None, **local)
    assert "password_hash" not in profile(signer=other_key, **local)
    # Plain HTTP over a network (even naming 127.0.0.1 as its Host): no verifier.
    assert "password_hash" not in profile(base_url="http://lycee.example.fr", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert "password_hash" not in profile(base_url="http://127.0.0.1", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with app.app_context():
        reset_password(db.session, actor=None, user=db.session.get(User, student.id))
        db.session.commit()
    assert "password_hash" not in profile(**local)


def test_a_teacher_allows_a_withdrawn_laptop_again_from_the_devices_page(app, server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    make_user(Role.ADMIN, username="direction")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    device_id = _server_devices(app, "lea")[0].id
    client = app.test_client()
    login(client, "direction")
    assert submit(client, f"/ordinateurs/{device_id}/retirer", {}, form_url="/ordinateurs").status_code == 302
    page = page_text(client.get("/ordinateurs"))
    assert "Autoriser une nouvelle inscription" in page
    answer = submit(client, f"/ordinateurs/{device_id}/autoriser", {}, form_url="/ordinateurs")
    assert answer.status_code == 302
    assert "peut de nouveau inscrire cet ordinateur" in page_text(client.get("/ordinateurs"))
    assert _server_devices(app, "lea") == []


def test_the_command_line_keeps_the_pinned_server_too(server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    laptop.app.extensions["lycee_ia.db"]["engine"].dispose()
    result = laptop.cli(
        "sync", "enrol", "lea", "--server", "http://127.0.0.1:9", check=False, LYCEE_IA_ENROL_PASSWORD=TEST_PASSWORD
    )
    assert result.returncode == 1 and "relié au serveur" in result.stderr and "Traceback" not in result.stderr
    with laptop.app.app_context():
        assert db.session.scalar(select(SyncAccount.server_url)) == server_url


def test_the_command_line_enrols_a_second_student_with_the_pinned_server_without_asking(server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    make_user(Role.STUDENT, username="hugo")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    laptop.app.extensions["lycee_ia.db"]["engine"].dispose()
    result = laptop.cli("sync", "enrol", "hugo", check=False, LYCEE_IA_ENROL_PASSWORD=TEST_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "inscrit pour" in result.stdout and "hugo" in result.stdout
    with laptop.app.app_context():
        assert set(db.session.scalars(select(SyncAccount.server_url)).all()) == {server_url}
