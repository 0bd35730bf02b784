"""The audit log names who did each thing; an administrator's reset of a staff account is visible and gated.

Refused sync events used to be written with no actor and so showed as
« ligne de commande »: a push is now the device's student's, a USB bundle
the person's who uploaded it.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from lycee_ia.admin.labels import ACTION_LABELS
from lycee_ia.accounts.models import Role, User
from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db, utcnow
from lycee_ia.sync.server import enrol_device, receive_events
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.wire import format_time
from lycee_ia.teaching import services
from tests.helpers import TEST_PASSWORD, login, page_text, submit

DEVICE = "laptop-audit-0001"


def _event(user_uuid, device=DEVICE) -> dict:
    return {
        "id": str(uuid.uuid4()), "user": str(user_uuid), "device": device, "verb": "experienced",
        "object_type": "section", "object_id": "quiz-exemple/debut", "module_id": "quiz-exemple",
        "module_version": "1", "result": None, "context": None, "registration": None,
        "occurred_at": format_time(utcnow()),
    }


def _journal_rows(client) -> list[list[str]]:
    html = page_text(client.get("/admin/journal"))
    rows = re.findall(r"<tr>\s*(.*?)</tr>", html.split("<tbody>", 1)[1], re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_events_refused_from_a_push_are_logged_under_the_laptops_student(app, client, make_user):
    student = make_user(Role.STUDENT, username="lea")
    other = make_user(Role.STUDENT, username="hugo")
    with app.app_context():
        _, token = enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1",
            device_id=DEVICE, public_key="ab" * 32, label="PC", laptop_now=utcnow(),
        )
        db.session.commit()
    response = client.post(
        "/api/sync/v1/events",
        json={"sent_at": format_time(utcnow()), "events": [_event(other.uuid)]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["refused"][0]["reason"] == "other_user"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sync.refused"))
        assert entry.actor_id == student.id
    admin = make_user(Role.ADMIN, username="admin.journal")
    login(client, admin.username)
    refused = [row for row in _journal_rows(client) if row[2] == ACTION_LABELS["sync.refused"]]
    assert refused and refused[0][1] == "lea" and refused[0][3] == f"lea (ordinateur {DEVICE})"


def test_events_refused_from_a_bundle_are_logged_under_whoever_uploaded_it(app, make_user):
    student = make_user(Role.STUDENT, username="lea")
    other = make_user(Role.STUDENT, username="hugo")
    teacher = make_user(Role.TEACHER, username="prof.journal")
    with app.app_context():
        enrol_device(
            db.session, username="lea", password=TEST_PASSWORD, address="127.0.0.1",
            device_id=DEVICE, public_key="ab" * 32, label="PC", laptop_now=utcnow(),
        )
        device = db.session.scalar(select(SyncDevice).where(SyncDevice.device_id == DEVICE))
        receive_events(
            db.session, device, [_event(other.uuid)], offset=0, source="bundle",
            uploaded_by=db.session.get(User, teacher.id),
        )
        receive_events(db.session, device, [_event(student.uuid, device="laptop-autre-0002")], offset=0, source="bundle")
        db.session.commit()
        actors = [e.actor_id for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sync.refused").order_by(AuditEntry.id)
        )]
    # The teacher's upload is theirs; `lycee-ia sync import` (no one signed in) is the command line's.
    assert actors == [teacher.id, None]


def test_an_administrators_reset_of_a_teachers_password_is_logged_and_opens_no_class(app, client, make_user):
    admin = make_user(Role.ADMIN, username="admin.reset")
    teacher = make_user(Role.TEACHER, username="prof.reset")
    with app.app_context():
        school_class = services.create_class(db.session, actor=db.session.get(User, teacher.id), name="Tle 1", school=None)
        db.session.commit()
        class_id = school_class.id
    teacher_client = app.test_client()
    login(teacher_client, teacher.username)
    login(client, admin.username)
    slip = submit(client, f"/admin/comptes/{teacher.id}/mot-de-passe", {"confirm": "1"}, form_url=f"/admin/comptes/{teacher.id}")
    assert slip.status_code == 200
    text = page_text(slip)
    assert "inscrite au journal d'administration, à votre nom" in text
    password = re.search(r"Mot de passe provisoire : <code>([^<]+)</code>", text).group(1)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
        assert entry.actor_id == admin.id and entry.target == teacher.username
        assert entry.details == {"role": "enseignant"}
        assert db.session.get(User, teacher.id).must_change_password
    # The teacher's own session ended; the journal shows who reset the password.
    assert teacher_client.get(f"/classes/{class_id}").status_code == 302
    assert ["admin.reset", ACTION_LABELS["user.reset_password"], "prof.reset"] in [row[1:4] for row in _journal_rows(client)]
    # Signed in with the temporary password, no class page, no dashboard: only "Mon compte".
    impostor = app.test_client()
    login(impostor, teacher.username, password)
    for url in (f"/classes/{class_id}", "/classes", f"/classes/{class_id}/eleves", f"/classes/{class_id}/suivi.csv"):
        response = impostor.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/compte"), url
    assert impostor.get("/compte").status_code == 200
