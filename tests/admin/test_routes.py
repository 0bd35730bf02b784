"""Administration of accounts through HTTP."""

from sqlalchemy import select

from lycee_ia.accounts.models import User
from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db
from tests.helpers import page_text, login, submit


def test_only_an_administrator_opens_the_administration(client, login_as):
    login_as("enseignant")
    for url in ("/admin/", "/admin/comptes", "/admin/comptes/nouveau", "/admin/journal"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Accès refusé" in page_text(response)


def test_an_administrator_creates_an_account_and_sees_its_password_once(client, login_as, app):
    login_as("admin")
    response = submit(
        client,
        "/admin/comptes/nouveau",
        {"username": "nina.r", "first_name": "Nina", "last_name": "Roux", "role": "eleve", "email": ""},
    )
    html = page_text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = html.split("Mot de passe provisoire : <code>")[1].split("</code>")[0]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "nina.r"))
        assert user.email is None and user.must_change_password
        assert password not in user.password_hash
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.target == "nina.r"))
    other = app.test_client()
    login(other, "nina.r", password)


def test_a_duplicate_username_is_refused_and_nothing_changes(client, login_as, make_user, app):
    login_as("admin")
    existing = make_user("eleve", username="sam.t", first_name="Sam")
    response = submit(
        client, "/admin/comptes/nouveau", {"username": "sam.t", "first_name": "Autre", "role": "eleve"}
    )
    assert response.status_code == 400
    assert "déjà pris" in page_text(response)
    with app.app_context():
        assert db.session.get(User, existing.id).first_name == "Sam"


def test_an_administrator_resets_a_password_and_closes_an_account(client, login_as, make_user, app):
    login_as("admin")
    student = make_user("eleve")
    student_client = app.test_client()
    login(student_client, student.username)
    response = submit(client, f"/admin/comptes/{student.id}/mot-de-passe", {"confirm": "1"}, form_url=f"/admin/comptes/{student.id}")
    assert response.status_code == 200
    assert "Nouveau mot de passe" in page_text(response)
    # The student's open session ended with the reset.
    assert student_client.get("/accueil").status_code == 302
    submit(client, f"/admin/comptes/{student.id}/activation", {"active": "0", "confirm": "1"}, form_url=f"/admin/comptes/{student.id}")
    with app.app_context():
        assert not db.session.get(User, student.id).active
    log = client.get("/admin/journal").get_data(as_text=True)
    assert "Nouveau mot de passe provisoire" in log and "Compte fermé" in log


def test_the_account_list_searches_and_filters(client, login_as, make_user):
    login_as("admin", username="admin.x")
    make_user("eleve", username="jade.p", first_name="Jade")
    make_user("enseignant", username="paul.m", first_name="Paul")
    html = client.get("/admin/comptes?q=jade").get_data(as_text=True)
    assert "jade.p" in html and "paul.m" not in html
    html = client.get("/admin/comptes?role=enseignant").get_data(as_text=True)
    assert "paul.m" in html and "jade.p" not in html


def test_an_unknown_account_is_a_french_404(client, login_as):
    login_as("admin")
    response = client.get("/admin/comptes/99999")
    assert response.status_code == 404
    assert "Ce compte n'existe pas." in page_text(response)
