"""An administrator renames and archives a class; archived classes leave the teachers' lists."""

from __future__ import annotations

from sqlalchemy import select

from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db
from lycee_ia.teaching.models import Enrolment, SchoolClass
from tests.helpers import login, page_text, submit


def test_an_administrator_renames_a_class_and_a_name_taken_is_refused(app, client, world):
    login(client, world.admin.username)
    url = f"/admin/classes/{world.class_a}"
    done = submit(client, f"{url}/renommer", {"name": " 1re  A "}, form_url=url)
    assert done.status_code == 302
    assert "s'appelle désormais « 1re A »" in page_text(client.get(done.headers["Location"]))
    taken = submit(client, f"{url}/renommer", {"name": "2nde B"}, form_url=url)
    assert taken.status_code == 400 and "existe déjà" in page_text(taken)
    empty = submit(client, f"{url}/renommer", {"name": ""}, form_url=url)
    assert empty.status_code == 400 and "Indiquez le nom de la classe" in page_text(empty)
    with app.app_context():
        assert db.session.get(SchoolClass, world.class_a).name == "1re A"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "class.rename")) is not None
    teacher = app.test_client()
    login(teacher, world.teacher.username)
    assert "1re A" in page_text(teacher.get("/classes"))


def test_an_archived_class_leaves_the_teachers_list_and_keeps_everything(app, client, world):
    teacher = app.test_client()
    login(teacher, world.teacher.username)
    assert "2nde A" in page_text(teacher.get("/classes"))
    login(client, world.admin.username)
    url = f"/admin/classes/{world.class_a}"
    archived = submit(client, f"{url}/archiver", {"archived": "1"}, form_url=url)
    assert archived.status_code == 302
    assert "(archivée)" in page_text(client.get(url))
    assert "(archivée)" in page_text(client.get("/admin/classes"))
    listing = page_text(teacher.get("/classes")).split("<main", 1)[1]
    assert "2nde A" not in listing
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is not None
    back = submit(client, f"{url}/archiver", {"archived": "0"}, form_url=url)
    assert back.status_code == 302
    assert "2nde A" in page_text(teacher.get("/classes")).split("<main", 1)[1]
