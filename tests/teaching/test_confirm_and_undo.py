"""« Nouveau mot de passe », « Retirer de la classe » and « Fermer le compte » ask first;
a removal can be undone, and re-importing the roster re-enrols the same account."""

from __future__ import annotations

import io

from sqlalchemy import select

from lycee_ia.accounts.models import User
from lycee_ia.db import db
from lycee_ia.teaching.models import Enrolment, GroupMember
from tests.helpers import csrf_token_from, login, page_text, submit


def _students_url(world) -> str:
    return f"/classes/{world.class_a}/eleves"


def _password_hash(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_new_password_asks_first_and_a_bare_post_changes_nothing(app, client, world):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}/eleves/{world.student.id}/mot-de-passe"
    listing = page_text(client.get(_students_url(world)))
    # The list links to the confirmation page: no form on the list acts at once.
    assert f'href="{url}"' in listing
    before = _password_hash(app, world.student.id)
    page = client.get(url)
    text = page_text(page)
    assert page.status_code == 200
    assert "Son mot de passe actuel ne marchera plus" in text and 'name="confirm" value="1"' in text
    # A POST without the confirmation field (the old button, a misclick) shows the page again.
    bare = submit(client, url, form_url=_students_url(world))
    assert bare.status_code == 200 and "Nouveau mot de passe pour" in page_text(bare)
    assert _password_hash(app, world.student.id) == before
    done = client.post(url, data={"csrf_token": csrf_token_from(text), "confirm": "1"})
    assert done.status_code == 200 and "Mot de passe provisoire" in page_text(done)
    assert _password_hash(app, world.student.id) != before


def test_removal_asks_first_then_can_be_undone_with_the_groups(app, client, world):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}/eleves/{world.student.id}/retirer"
    with app.app_context():
        enrolled_at = db.session.get(Enrolment, (world.class_a, world.student.id)).enrolled_at
    page = client.get(url)
    assert page.status_code == 200
    assert "Son compte reste ouvert et son travail reste enregistré" in page_text(page)
    bare = submit(client, url, form_url=_students_url(world))
    assert bare.status_code == 200
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is not None
    removed = client.post(url, data={"csrf_token": csrf_token_from(page_text(page)), "confirm": "1"})
    assert removed.status_code == 302
    listing = page_text(client.get(removed.headers["Location"]))
    assert "Annuler le retrait" in listing and "ne fait plus partie de la classe" in listing
    # The « Annuler » button beside the message posts to the undo address.
    top = listing.split("<h2>", 1)[0]
    assert f'action="/classes/{world.class_a}/eleves/{world.student.id}/reintegrer"' in top and ">Annuler<" in top
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is None
        assert db.session.get(GroupMember, (world.group_id, world.student.id)) is None
    back = client.post(
        f"/classes/{world.class_a}/eleves/{world.student.id}/reintegrer", data={"csrf_token": csrf_token_from(listing)}
    )
    assert back.status_code == 302
    assert "est de retour dans la classe" in page_text(client.get(back.headers["Location"]))
    with app.app_context():
        enrolment = db.session.get(Enrolment, (world.class_a, world.student.id))
        assert enrolment is not None and enrolment.enrolled_at == enrolled_at
        assert db.session.get(GroupMember, (world.group_id, world.student.id)) is not None
    # Nothing left to undo.
    again = client.post(
        f"/classes/{world.class_a}/eleves/{world.student.id}/reintegrer", data={"csrf_token": csrf_token_from(listing)}
    )
    assert again.status_code == 404


def test_another_teacher_cannot_undo_a_removal_from_a_class_not_theirs(app, client, world):
    login(client, world.teacher.username)
    submit(client, f"/classes/{world.class_a}/eleves/{world.student.id}/retirer", {"confirm": "1"}, form_url=_students_url(world))
    other = app.test_client()
    login(other, world.other_teacher.username)
    token = csrf_token_from(other.get("/compte").get_data(as_text=True))
    answer = other.post(f"/classes/{world.class_a}/eleves/{world.student.id}/reintegrer", data={"csrf_token": token})
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is None


def _import(client, class_id: int, text: str):
    url = f"/classes/{class_id}/importer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    upload = client.post(
        url,
        data={"csrf_token": token, "roster": (io.BytesIO(text.encode("utf-8")), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, page_text(upload)
    preview = client.get(upload.headers["Location"])
    return upload.headers["Location"], preview


def test_reimporting_the_roster_after_a_removal_re_enrols_the_same_account(app, client, world):
    login(client, world.teacher.username)
    submit(client, f"/classes/{world.class_a}/eleves/{world.student.id}/retirer", {"confirm": "1"}, form_url=_students_url(world))
    with app.app_context():
        count = len(db.session.scalars(select(User.id)).all())
    url, preview = _import(client, world.class_a, "Nom;Prénom;Classe\nAmrani;Inès;2nde A\n")
    text = page_text(preview)
    assert world.student.username in text
    assert "ines.amrani2" not in text
    done = client.post(url, data={"csrf_token": csrf_token_from(text)})
    assert done.status_code in (200, 302)
    with app.app_context():
        assert len(db.session.scalars(select(User.id)).all()) == count
        assert db.session.get(Enrolment, (world.class_a, world.student.id)) is not None
        # Back in their group too.
        assert db.session.get(GroupMember, (world.group_id, world.student.id)) is not None


def test_closing_an_account_asks_first(app, client, world):
    login(client, world.admin.username)
    url = f"/admin/comptes/{world.target.id}/activation"
    detail = page_text(client.get(f"/admin/comptes/{world.target.id}"))
    assert f'href="{url}?active=0"' in detail
    page = client.get(f"{url}?active=0")
    assert page.status_code == 200 and "ne pourra plus se connecter" in page_text(page)
    bare = submit(client, url, {"active": "0"}, form_url=f"/admin/comptes/{world.target.id}")
    assert bare.status_code == 200
    with app.app_context():
        assert db.session.get(User, world.target.id).active
    closed = client.post(url, data={"csrf_token": csrf_token_from(page_text(page)), "active": "0", "confirm": "1"})
    assert closed.status_code == 302
    with app.app_context():
        assert not db.session.get(User, world.target.id).active


def test_the_administrators_new_password_asks_first(app, client, world):
    login(client, world.admin.username)
    url = f"/admin/comptes/{world.target.id}/mot-de-passe"
    assert f'href="{url}"' in page_text(client.get(f"/admin/comptes/{world.target.id}"))
    before = _password_hash(app, world.target.id)
    bare = submit(client, url, form_url=f"/admin/comptes/{world.target.id}")
    assert bare.status_code == 200 and "Son mot de passe actuel ne marchera plus" in page_text(bare)
    assert _password_hash(app, world.target.id) == before
    done = client.post(url, data={"csrf_token": csrf_token_from(page_text(bare)), "confirm": "1"})
    assert done.status_code == 200 and _password_hash(app, world.target.id) != before
