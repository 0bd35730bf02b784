"""One student writing into a classmate's record through a USB bundle (issue 11, item 3).

The attack: a device id is in clear in every bundle. A student enrols their
own account under a classmate's device id with their own key, signs a bundle
of events in the classmate's name, and a teacher uploads it. The server must
bind a device id to its first key, check each student's section against the
key registered for that device and that student, and keep importing the
classmate's genuine bundles.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import Role, User
from lycee_ia.db import db, utcnow
from lycee_ia.events.services import get_device_id
from lycee_ia.sync import laptop as laptop_services
from lycee_ia.sync import signing
from lycee_ia.sync.client import ServerRefused, SyncClient
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.runner import device_key, enrol_laptop
from lycee_ia.sync.server import hash_token
from lycee_ia.sync.wire import format_time
from lycee_ia.teaching.models import ClassTeacher, Enrolment, SchoolClass
from tests.helpers import TEST_PASSWORD, csrf_token_from, login, page_text
from tests.sync.conftest import app_config, laptop_template, make_laptop, server_courses, server_url  # noqa: F401
from tests.sync.support import server_event_ids


@pytest.fixture
def classroom(app, make_user, make_laptop, server_url):  # noqa: F811
    """Léa's laptop (enrolled, 5 events waiting), Tom's laptop, their teacher, Léa's genuine bundle."""
    lea = make_user(Role.STUDENT, username="lea")
    tom = make_user(Role.STUDENT, username="tom")
    teacher = make_user(Role.TEACHER, username="prof")
    with app.app_context():
        school_class = SchoolClass(name="2nde 3")
        db.session.add(school_class)
        db.session.flush()
        db.session.add_all([
            Enrolment(class_id=school_class.id, user_id=lea.id),
            Enrolment(class_id=school_class.id, user_id=tom.id),
            ClassTeacher(class_id=school_class.id, user_id=teacher.id),
        ])
        db.session.commit()
    lea_laptop = make_laptop("lea")
    enrol_laptop(lea_laptop.app, server_url, "lea", TEST_PASSWORD)
    lea_ids = lea_laptop.make_events("lea", 5)
    with lea_laptop.app.app_context():
        device_id = get_device_id(db.session)
        genuine, count = laptop_services.export_bundle(db.session, device_key(lea_laptop.app), device_id)
        db.session.rollback()
    assert count == 5
    tom_laptop = make_laptop("tom")
    return {
        "lea_uuid": str(lea.uuid), "tom_id": tom.id, "device_id": device_id, "genuine": genuine,
        "lea_ids": set(lea_ids), "tom_key": device_key(tom_laptop.app),
        "lea_key": device_key(lea_laptop.app),
    }


def _forged_bundle(key, device_id: str, victim_uuid: str, count: int = 4, *, header_users: bool = True) -> bytes:
    """What the attacker's laptop signs: reading events in the victim's name, on the victim's device id."""
    events = [
        {
            "id": str(uuid.uuid4()), "user": victim_uuid, "device": device_id, "verb": "experienced",
            "object_type": "section", "object_id": f"quiz-exemple/s{i}", "module_id": "quiz-exemple",
            "module_version": "1", "result": None, "context": None, "registration": None,
            "occurred_at": format_time(utcnow() - timedelta(minutes=i)),
        }
        for i in range(count)
    ]
    document = {"created_at": format_time(utcnow()), "device": device_id, "accounts": [{"user": victim_uuid, "events": events}]}
    header = {"device": device_id, "created_at": document["created_at"]}
    if header_users:
        header.update(format=2, users=[victim_uuid])
    return signing.sign_document(key, "events", document, **header)


def _teacher_upload(app, data: bytes):
    client = app.test_client()
    login(client, "prof")
    token = csrf_token_from(client.get("/ordinateurs").get_data(as_text=True))
    return client.post(
        "/ordinateurs/importer",
        data={"csrf_token": token, "bundle": (io.BytesIO(data), "traces.lia")},
        content_type="multipart/form-data",
    )


def _lea_events(app):
    with app.app_context():
        return server_event_ids(db.session, "lea")


def test_a_classmate_cannot_enrol_a_device_id_with_another_key_nor_write_into_its_record(app, server_url, classroom):  # noqa: F811
    # 1. Tom enrols his own account under Léa's device id, with his own key, through the real API.
    with pytest.raises(ServerRefused) as refused:
        SyncClient(server_url).enrol(
            username="tom", password=TEST_PASSWORD, device_id=classroom["device_id"],
            public_key=signing.public_key_hex(classroom["tom_key"]), label="PC de Tom",
            laptop_time=format_time(utcnow()),
        )
    assert refused.value.status == 409 and refused.value.code == "device_key_mismatch"
    assert "autre clé" in refused.value.message
    with app.app_context():
        enrolled = db.session.scalars(select(SyncDevice.user_id).where(SyncDevice.device_id == classroom["device_id"])).all()
    assert classroom["tom_id"] not in enrolled

    # 2. He signs a bundle of events in Léa's name anyway; the teacher uploads it.
    forged = _forged_bundle(classroom["tom_key"], classroom["device_id"], classroom["lea_uuid"])
    response = _teacher_upload(app, forged)
    assert response.status_code == 400 and "signature" in page_text(response)
    assert _lea_events(app) == set()

    # 3. Léa's genuine bundle still imports.
    response = _teacher_upload(app, classroom["genuine"])
    assert response.status_code == 200 and "5 traces nouvelles" in page_text(response)
    assert _lea_events(app) == classroom["lea_ids"]


@pytest.mark.parametrize("header_users", [True, False], ids=["format-2", "format-1"])
def test_an_enrolment_made_before_the_fix_under_a_classmates_device_id_writes_nothing_for_the_classmate(
    app, classroom, header_users
):
    """Tom's enrolment under Léa's device id already exists (made before the key binding)."""
    with app.app_context():
        db.session.add(
            SyncDevice(
                device_id=classroom["device_id"], user_id=classroom["tom_id"], token_hash=hash_token("tom-token"),
                public_key=signing.public_key_hex(classroom["tom_key"]), label="PC de Tom",
                enrolled_at=utcnow() + timedelta(minutes=5),  # the newest enrolment of that device id
            )
        )
        db.session.commit()
    forged = _forged_bundle(classroom["tom_key"], classroom["device_id"], classroom["lea_uuid"], header_users=header_users)
    response = _teacher_upload(app, forged)
    assert response.status_code == 200
    assert "n'est pas signé par l'ordinateur inscrit pour cet élève" in page_text(response)
    assert _lea_events(app) == set()
    # The classmate's genuine bundles are not refused from then on.
    response = _teacher_upload(app, classroom["genuine"])
    assert response.status_code == 200 and "5 traces nouvelles" in page_text(response)
    assert _lea_events(app) == classroom["lea_ids"]


def test_a_section_the_signed_header_does_not_name_is_refused(app, classroom):
    """Format 2: the file's students are listed in its signed header; a section for anyone else is refused."""
    header, _, _, _ = signing.read_header(classroom["genuine"])
    assert header["format"] == 2 and header["users"] == [classroom["lea_uuid"]]
    with app.app_context():
        tom_uuid = str(db.session.get(User, classroom["tom_id"]).uuid)
    # A header naming only Tom, with a section for Léa, signed by the right key for Léa.
    lea_key = classroom["lea_key"]
    events = signing.verify_document(classroom["genuine"], signing.public_key_hex(lea_key), "events").document["accounts"][0]["events"]
    document = {"created_at": format_time(utcnow()), "device": classroom["device_id"], "accounts": [
        {"user": classroom["lea_uuid"], "events": events},
    ]}
    data = signing.sign_document(lea_key, "events", document, device=classroom["device_id"], format=2, users=[tom_uuid])
    response = _teacher_upload(app, data)
    assert response.status_code == 200 and "non inscrit sur cet ordinateur" in page_text(response)
    assert _lea_events(app) == set()
