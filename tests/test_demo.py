"""Demo data and the command line."""

from sqlalchemy import func, select

from lycee_ia.accounts.models import Role, User
from lycee_ia.db import db
from lycee_ia.demo import DEMO_PASSWORD, load_demo
from lycee_ia.teaching.models import ClassTeacher, Enrolment, SchoolClass
from tests.helpers import login


def _counts(session):
    return (
        session.scalar(select(func.count()).select_from(User)),
        session.scalar(select(func.count()).select_from(Enrolment)),
        session.scalar(select(func.count()).select_from(SchoolClass)),
    )


def test_the_demo_has_the_documented_people_and_loads_once(db_session):
    summary = load_demo(db_session)
    db_session.commit()
    assert summary.created == 28
    assert _counts(db_session) == (28, 24, 1)
    again = load_demo(db_session)
    db_session.commit()
    assert again.created == 0 and _counts(db_session) == (28, 24, 1)
    roles = dict(db_session.execute(select(User.username, User.role)).all())
    assert roles["prof.demo"] == Role.TEACHER and roles["admin.demo"] == Role.ADMIN
    assert roles["personnel.demo"] == Role.STAFF and roles["formateur.demo"] == Role.TRAINER
    students = sorted(u for u, r in roles.items() if r == Role.STUDENT)
    assert students == [f"eleve{n:02d}" for n in range(1, 25)]
    assert db_session.scalar(select(func.count()).select_from(User).where(User.email.is_not(None))) == 0
    teacher_class = db_session.scalar(select(ClassTeacher).join(User).where(User.username == "prof.demo"))
    assert teacher_class is not None


def test_demo_accounts_sign_in_with_the_documented_password(demo_app):
    client = demo_app.test_client()
    login(client, "eleve01", DEMO_PASSWORD)
    assert "Bonjour Léa" in client.get("/accueil").get_data(as_text=True)


def test_the_cli_upgrades_loads_the_demo_and_creates_users(runner, app):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "déjà à jour" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "28 compte(s) créé(s)" in result.output and "prof.demo" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert "déjà présentes" in result.output
    result = runner.invoke(args=["users", "create", "ines.k", "--role", "enseignant", "--first-name", "Inès"])
    assert result.exit_code == 0, result.output
    password = result.output.split("première connexion : ")[1].strip()
    login(app.test_client(), "ines.k", password)
    result = runner.invoke(args=["users", "create", "ines.k", "--role", "enseignant", "--first-name", "Inès"])
    assert result.exit_code == 1 and "déjà pris" in result.output
    result = runner.invoke(args=["users", "reset-password", "personne"])
    assert result.exit_code == 1 and "Aucun compte" in result.output


def test_demo_if_empty_leaves_a_real_database_alone(runner, make_user, app):
    make_user("admin", username="vrai.admin")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert "pas de données de démonstration" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
