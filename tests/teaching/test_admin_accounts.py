"""An administrator sees a student's classes on their account page and exports the accounts list."""

from __future__ import annotations

import csv
import io

from lycee_ia.accounts.models import Role
from lycee_ia.db import db
from lycee_ia.teaching import services
from tests.helpers import login, page_text


def test_the_account_page_lists_the_students_classes(app, client, world):
    login(client, world.admin.username)
    text = page_text(client.get(f"/admin/comptes/{world.student.id}"))
    assert "<h2>Classes</h2>" in text
    assert f'href="/admin/classes/{world.class_a}">2nde A</a>' in text
    assert "2nde B" not in text.split("<main", 1)[1]
    teacher = page_text(client.get(f"/admin/comptes/{world.teacher.id}"))
    assert "Classes où ce compte enseigne" in teacher and "2nde A" in teacher


def test_the_accounts_export_follows_the_csv_conventions_and_holds_no_password(app, client, world, make_user):
    hostile = make_user(Role.STUDENT, username="eleve.formule", first_name="=HYPERLINK(\"http://x\")", last_name="+Moi")
    with app.app_context():
        from lycee_ia.teaching.models import SchoolClass

        services.enrol(db.session, db.session.get(SchoolClass, world.class_a), hostile)
        db.session.commit()
    login(client, world.admin.username)
    answer = client.get("/admin/comptes.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    raw = answer.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Identifiant", "Prénom", "Nom", "Rôle"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["eleve.formule"][1] == "'=HYPERLINK(\"http://x\")" and by_name["eleve.formule"][2] == "'+Moi"
    assert by_name[world.student.username][7] == "2nde A"
    assert by_name[world.teacher.username][3] == "Enseignant ou enseignante" and by_name[world.teacher.username][7] == "2nde A"
    with app.app_context():
        from lycee_ia.accounts.models import User

        hashes = [u.password_hash for u in db.session.query(User).all() if u.password_hash]
    body = raw.decode("utf-8")
    assert hashes and not any(h in body for h in hashes)
    assert "argon2" not in body and "$" not in body
    # The list's filters apply.
    students = client.get("/admin/comptes.csv?role=eleve").get_data(as_text=True)
    assert world.student.username in students and world.teacher.username not in students
