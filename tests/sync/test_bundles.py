"""USB bundles: laptop to server and back. Idempotent, tamper-evident, bound to the device."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.catalogue import get_catalogue, reload_catalogue
from lycee_ia.db import db
from lycee_ia.events.services import get_device_id
from lycee_ia.sync import laptop as laptop_services
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.runner import device_key, enrol_laptop
from lycee_ia.sync.server import SyncError, import_events_bundle, revoke_device, state_bundle
from lycee_ia.sync.signing import read_header, signing_key
from lycee_ia.teaching.models import ClassTeacher, Enrolment, SchoolClass
from tests.helpers import TEST_PASSWORD, csrf_token_from, login, page_text
from tests.sync.support import server_event_ids


@pytest.fixture
def offline_laptop(server_url, make_user, make_laptop):
    """A laptop enrolled for « lea », then 12 events made offline."""
    make_user(Role.STUDENT, username="lea")
    handle = make_laptop()
    enrol_laptop(handle.app, server_url, "lea", TEST_PASSWORD)
    handle.ids = handle.make_events("lea", 12)
    return handle


def _export(handle, tmp_path, name="traces.lia"):
    out = tmp_path / name
    handle.cli("sync", "export", "--out", str(out))
    return out


def _import(app, path):
    return app.test_cli_runner().invoke(args=["sync", "import", str(path)])


def test_export_then_import_twice_adds_the_events_once(app, tmp_path, offline_laptop, server_session):
    bundle = _export(offline_laptop, tmp_path)
    first = _import(app, bundle)
    assert first.exit_code == 0, first.output
    assert "12 trace(s) nouvelle(s)" in first.output
    second = _import(app, bundle)
    assert "0 trace(s) nouvelle(s), 12 déjà présente(s)" in second.output
    assert server_event_ids(server_session, "lea") == set(offline_laptop.ids)
    # Exporting acknowledges nothing: the laptop still waits for the server's word.
    assert offline_laptop.acked() == set()


def test_a_truncated_or_altered_bundle_is_refused_with_a_clear_message(app, tmp_path, offline_laptop, server_session):
    data = _export(offline_laptop, tmp_path).read_bytes()
    truncated = tmp_path / "tronque.lia"
    truncated.write_bytes(data[: len(data) - 40])
    result = _import(app, truncated)
    assert result.exit_code != 0 and "incomplet" in result.output
    for position in (len(data) - 10, 60, 200):
        altered = bytearray(data)
        altered[position] ^= 0x01
        path = tmp_path / f"modifie-{position}.lia"
        path.write_bytes(bytes(altered))
        result = _import(app, path)
        assert result.exit_code != 0, position
        assert "Paquet refusé" in result.output and ("modifié" in result.output or "abîmé" in result.output)
    not_a_bundle = tmp_path / "photo.lia"
    not_a_bundle.write_bytes(b"\x89PNG not a bundle")
    assert "n'est pas un paquet" in _import(app, not_a_bundle).output
    assert server_event_ids(server_session) == set()


def test_a_bundle_from_a_revoked_laptop_is_refused(app, tmp_path, offline_laptop, server_session):
    bundle = _export(offline_laptop, tmp_path)
    revoke_device(server_session, actor=None, device=server_session.scalar(select(SyncDevice)))
    server_session.commit()
    with pytest.raises(SyncError, match="révoqué"):
        import_events_bundle(server_session, bundle.read_bytes(), actor=None)
    server_session.rollback()
    assert server_event_ids(server_session) == set()


def test_a_bundle_signed_by_another_laptop_is_refused(app, tmp_path, offline_laptop, make_laptop, server_session):
    """Same device id, another key: someone forged a bundle in this laptop's name."""
    impostor = make_laptop("imposteur")
    with offline_laptop.app.app_context():
        device_id = get_device_id(db.session)
        data, _ = laptop_services.export_bundle(db.session, device_key(impostor.app), device_id)
    with pytest.raises(SyncError, match="signature"):
        import_events_bundle(server_session, data, actor=None)


def _upload(client, token, data):
    return client.post(
        "/ordinateurs/importer",
        data={"csrf_token": token, "bundle": (io.BytesIO(data), "traces.lia")},
        content_type="multipart/form-data",
    )


def test_teachers_import_bundles_of_their_own_students_from_the_dashboard(app, tmp_path, offline_laptop, make_user):
    # No app context stays open here: the test clients' requests must each get their own.
    teacher = make_user(Role.TEACHER, username="prof")
    make_user(Role.TEACHER, username="autre.prof")
    with app.app_context():
        device = db.session.scalar(select(SyncDevice))
        device_id = device.id
        school_class = SchoolClass(name="2nde 3")
        db.session.add(school_class)
        db.session.flush()
        db.session.add_all([
            Enrolment(class_id=school_class.id, user_id=device.user_id),
            ClassTeacher(class_id=school_class.id, user_id=teacher.id),
        ])
        db.session.commit()
    bundle = _export(offline_laptop, tmp_path).read_bytes()

    def server_ids():
        with app.app_context():
            return server_event_ids(db.session, "lea")

    other = app.test_client()
    login(other, "autre.prof")
    page = other.get("/ordinateurs")
    assert "Aucun ordinateur inscrit" in page_text(page)
    other_token = csrf_token_from(page.get_data(as_text=True))
    response = _upload(other, other_token, bundle)
    assert response.status_code == 200 and "n'est dans aucune de vos classes" in page_text(response)
    # The student's name is not given to a teacher who does not teach them.
    with app.app_context():
        student = db.session.scalar(select(User).where(User.role == Role.STUDENT, User.username == "lea"))
        assert student is not None and student.first_name not in page_text(response)
    assert server_ids() == set()

    client = app.test_client()
    login(client, "prof")
    page = client.get("/ordinateurs")
    assert "Retirer cet ordinateur" in page_text(page)
    token = csrf_token_from(page.get_data(as_text=True))
    first = _upload(client, token, bundle)
    assert first.status_code == 200 and "12 traces nouvelles" in page_text(first)
    second = _upload(client, token, bundle)
    assert "0 trace nouvelle, 12 déjà présentes" in page_text(second)
    assert server_ids() == set(offline_laptop.ids)
    altered = bytearray(bundle)
    altered[-5] ^= 0xFF
    response = _upload(client, token, bytes(altered))
    assert response.status_code == 400 and "modifié" in page_text(response)
    # Only a teacher of the student's class (or an administrator) may revoke, with the form's token.
    assert other.post(f"/ordinateurs/{device_id}/retirer", data={"csrf_token": other_token}).status_code == 403
    assert client.post(f"/ordinateurs/{device_id}/retirer").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(SyncDevice, device_id).revoked_at is None
    assert client.post(f"/ordinateurs/{device_id}/retirer", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(SyncDevice, device_id).revoked_at is not None


def test_the_reverse_bundle_brings_classes_content_and_acknowledgements(
    app, tmp_path, offline_laptop, server_courses, server_session
):
    # The server received the events through a first bundle.
    assert _import(app, _export(offline_laptop, tmp_path)).exit_code == 0
    device = server_session.scalar(select(SyncDevice))
    school_class = SchoolClass(name="Tle 1")
    server_session.add(school_class)
    server_session.flush()
    server_session.add(Enrolment(class_id=school_class.id, user_id=device.user_id))
    server_session.commit()
    module_md = server_courses / "quiz-exemple" / "module.md"
    module_md.write_text(module_md.read_text().replace("Un module avec un quiz", "Un module avec un quiz (2e édition)"))
    modules = list(reload_catalogue(app).modules.values())
    data = state_bundle(server_session, device, modules, signing_key(app.config["SECRET_KEY"]))
    # A file on a USB key can be lost: it carries no password hash.
    import gzip

    password_hash = server_session.get(User, device.user_id).password_hash
    payload = gzip.decompress(read_header(data)[3]).decode()
    assert '"classes"' in payload and "password_hash" not in payload and password_hash not in payload
    server_session.rollback()
    path = tmp_path / "serveur.lia"
    path.write_bytes(data)

    result = offline_laptop.cli("sync", "import", str(path))
    assert "12 trace(s) confirmée(s), 1 module(s) mis à jour" in result.stdout
    assert offline_laptop.acked() == set(offline_laptop.ids)
    with offline_laptop.app.app_context():
        assert get_catalogue(offline_laptop.app).modules["quiz-exemple"].title == "Un module avec un quiz (2e édition)"
        names = db.session.scalars(select(SchoolClass.name)).all()
    assert names == ["Tle 1"]
    # The same file again changes nothing; an altered copy is refused.
    again = offline_laptop.cli("sync", "import", str(path))
    assert "0 module(s) mis à jour" in again.stdout
    altered = bytearray(data)
    altered[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(altered))
    refused = offline_laptop.cli("sync", "import", str(path), check=False)
    assert refused.returncode != 0 and "Paquet refusé" in refused.stderr


def test_a_reverse_bundle_for_another_laptop_is_refused(app, tmp_path, offline_laptop, make_laptop, server_url, server_session):
    other = make_laptop("autre")
    enrol_laptop(other.app, server_url, "lea", TEST_PASSWORD)
    devices = server_session.scalars(select(SyncDevice).order_by(SyncDevice.id)).all()
    data = state_bundle(server_session, devices[1], [], signing_key(app.config["SECRET_KEY"]))
    server_session.rollback()
    path = tmp_path / "autre.lia"
    path.write_bytes(data)
    refused = offline_laptop.cli("sync", "import", str(path), check=False)
    assert refused.returncode != 0 and "un autre ordinateur" in refused.stderr
