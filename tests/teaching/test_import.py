"""Importing a roster: preview, all-or-nothing confirmation, usernames, slips, the command line."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from lycee_ia.accounts.models import Role, User
from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db
from lycee_ia.teaching import services
from lycee_ia.teaching.models import ClassGroup, Enrolment, GroupMember, RosterImport, SchoolClass
from tests.helpers import csrf_token_from, login, page_text

HEADER = "Nom;Prénom;Classe;Groupe;Date de naissance;Identifiant;Régime\n"


def _upload(client, class_id: int, text: str | bytes, name: str = "liste.csv"):
    url = f"/classes/{class_id}/importer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(url, data={"csrf_token": token, "roster": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _confirm(client, preview_url: str):
    token = csrf_token_from(client.get(preview_url).get_data(as_text=True))
    return client.post(preview_url, data={"csrf_token": token})


def _students(app, class_id: int) -> dict[str, User]:
    with app.app_context():
        return {
            u.username: u
            for u in db.session.scalars(
                select(User).join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.class_id == class_id)
            )
        }


def _give_class_b_to_teacher(app, world) -> None:
    """An administrator gives class B to the teacher of class A too: its students are theirs."""
    with app.app_context():
        services.add_teacher(
            db.session,
            actor=None,
            school_class=db.session.get(SchoolClass, world.class_b),
            teacher=db.session.get(User, world.teacher.id),
        )
        db.session.commit()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_teacher_previews_confirms_and_prints_the_passwords_once(app, client, world):
    login(client, world.teacher.username)
    users_before = _count(app, User)
    response = _upload(
        client,
        world.class_a,
        HEADER
        + "Martin;Léa;2nde A;Demi-groupe A;01/02/2009;;DP\n"
        + "Durand;Hugo;2NDE A;;;;Externe\n"
        + "Petit;Zoé;2nde B;;;;DP\n"
        + "N'Diaye;Anaïs;2nde A;Demi-groupe A;;;DP\n",
        "2nde A.csv",
    )
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = page_text(client.get(preview_url))
    assert "<strong>3</strong> comptes à créer" in preview
    for expected in ("lea.martin", "hugo.durand", "anais.ndiaye", "Compte créé", "Ligne 4 : classe « 2nde B »"):
        assert expected in preview, expected
    # Nothing is created before the confirmation.
    assert _count(app, User) == users_before

    result = _confirm(client, preview_url)
    assert result.status_code == 200
    assert result.headers["Cache-Control"] == "no-store"
    slips = page_text(result)
    passwords = dict(re.findall(r"Identifiant : <code>([^<]+)</code></p>\s*<p>Mot de passe provisoire : <code>([^<]+)</code>", slips))
    assert set(passwords) == {"lea.martin", "hugo.durand", "anais.ndiaye"}
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-[a-z]+-[a-z]+-\d{2}", p) for p in passwords.values())

    # The passwords are in that response only: not in the database, not in the session cookie.
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    session_data = app.session_interface.get_signing_serializer(app).loads(cookie)
    with app.app_context():
        for username, password in passwords.items():
            user = db.session.scalar(select(User).where(User.username == username))
            assert user.role == Role.STUDENT and user.must_change_password
            assert password not in user.password_hash and check_password_hash(user.password_hash, password)
            assert password not in str(session_data)
        assert db.session.get(RosterImport, preview_url.rsplit("/", 1)[1]) is None
        group = db.session.scalar(select(ClassGroup).where(ClassGroup.name == "Demi-groupe A"))
        members = set(db.session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id)))
        assert {db.session.get(User, m).username for m in members} == {"lea.martin", "anais.ndiaye"}
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "class.import_roster"))
        assert audit.details["created"] == 3 and audit.actor_id == world.teacher.id
    assert {"lea.martin", "hugo.durand", "anais.ndiaye"} <= set(_students(app, world.class_a))
    # Confirming again (reload, back button) creates nothing and says why.
    again = client.post(preview_url, data={"csrf_token": csrf_token_from(client.get("/compte").get_data(as_text=True))})
    assert again.status_code == 404 and "déjà été faite" in page_text(again)
    other = app.test_client()
    login(other, "hugo.durand", passwords["hugo.durand"])


def test_a_bad_line_imports_nothing_and_names_the_line(app, client, world):
    login(client, world.teacher.username)
    users_before = _count(app, User)
    response = _upload(
        client,
        world.class_a,
        HEADER + "Martin;Léa;2nde A;;;;\nDurand;<img src=x onerror=alert(1)>;2nde A;;;;\n=HYPERLINK(\"http://x\");Zoé;2nde A;;;;\n",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "aucun élève n'a été importé" in text
    assert "Ligne 3 : la colonne « Prénom » contient « < »" in text
    assert "Ligne 4 : la colonne « Nom » commence par « = »" in text
    assert "<img" not in html.split("<main", 1)[1]
    assert _count(app, User) == users_before and _count(app, RosterImport) == 1  # the world's own pending import


def test_a_binary_file_and_an_empty_file_get_a_french_message(app, client, world):
    login(client, world.teacher.username)
    for data, words in ((b"\x00\x01\x02binary\xff", "pas un fichier texte"), (b"", "le fichier est vide")):
        response = _upload(client, world.class_a, data)
        assert response.status_code == 400 and words in page_text(response)


def test_a_missing_file_is_asked_for(app, client, world):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}/importer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choisissez un fichier." in page_text(response)


def test_usernames_get_a_number_on_collision_and_homonyms_are_never_merged(app, client, world, make_user):
    make_user(Role.STUDENT, username="lea.martin", first_name="Léa", last_name="Martin")
    make_user(Role.TEACHER, username="hugo.durand2", first_name="Hugo", last_name="Durand")
    make_user(Role.STUDENT, username="hugo.durand", first_name="Autre", last_name="Personne")
    login(client, world.teacher.username)
    response = _upload(
        client,
        world.class_a,
        HEADER
        + "Martin;Léa;2nde A;;01/02/2009;;\n"
        + "Martin;Léa;2nde A;;03/04/2009;;\n"
        + "Durand;Hugo;2nde A;;;;\n",
    )
    preview = page_text(client.get(response.headers["Location"]))
    assert "lea.martin2" in preview and "lea.martin3" in preview and "hugo.durand3" in preview
    # The existing Léa Martin is in none of this teacher's classes: not taken for these two,
    # and not named either (a teacher learns nothing of the accounts outside their classes).
    assert "au même nom existe déjà" not in preview
    _confirm(client, response.headers["Location"])
    assert {"lea.martin2", "lea.martin3", "hugo.durand3"} <= set(_students(app, world.class_a))
    assert "lea.martin" not in _students(app, world.class_a)


def test_an_existing_account_named_in_the_file_is_enrolled_and_a_second_import_changes_nothing(app, client, world):
    # The student is in another class of the same teacher (before the fix: in anyone's class).
    _give_class_b_to_teacher(app, world)
    login(client, world.teacher.username)
    other = world.other_student
    text = HEADER + f"{other.last_name};{other.first_name};2nde A;;;{other.username.upper()};\nRoux;Nina;2nde A;;;;\n"
    response = _upload(client, world.class_a, text)
    preview = page_text(client.get(response.headers["Location"]))
    assert "Compte existant, ajouté à la classe" in preview
    result = _confirm(client, response.headers["Location"])
    slips = page_text(result)
    assert "nina.roux" in slips and other.username not in slips.split("<ul class=\"slips\">")[1]
    assert "1 élève qui avait déjà un compte ajouté à la classe" in slips
    assert {other.username, "nina.roux"} <= set(_students(app, world.class_a))
    # The same file again: everyone is already there, no account is made.
    users = _count(app, User)
    response = _upload(client, world.class_a, text)
    preview = page_text(client.get(response.headers["Location"]))
    assert preview.count("Déjà dans la classe") == 2
    result = _confirm(client, response.headers["Location"])
    assert "Aucun compte n'a été créé" in page_text(result)
    assert _count(app, User) == users


def test_identifiers_of_the_wrong_person_or_of_a_teacher_are_refused(app, client, world):
    # Old behaviour (the vulnerability): "est celui de Noé Bernard" and "n'est pas celui d'un
    # compte d'élève" told a teacher whose account an identifier was, and that staff accounts exist.
    _give_class_b_to_teacher(app, world)
    login(client, world.teacher.username)
    response = _upload(
        client,
        world.class_a,
        HEADER + f"Martin;Léa;2nde A;;;{world.other_student.username};\nDubois;Claire;2nde A;;;{world.other_teacher.username};\n",
    )
    assert response.status_code == 400
    text = page_text(response)
    # A student of the teacher's other class, under another name: refused, without the stored name.
    assert f"Ligne 2 : l'identifiant « {world.other_student.username} » est celui d'un élève dont le nom n'est pas Léa Martin" in text
    assert world.other_student.first_name not in text and world.other_student.last_name not in text
    # A member of staff: the same refusal as an identifier that exists nowhere.
    assert f"Ligne 3 : l'identifiant « {world.other_teacher.username} » n'est pas disponible pour cette classe" in text
    assert world.other_teacher.last_name not in text


def test_the_command_line_operator_may_enrol_any_student_but_never_a_member_of_staff(app, runner, world, tmp_path):
    other = world.other_student
    roster = tmp_path / "2nde A.csv"
    roster.write_text(f"Nom;Prénom;Classe;Identifiant\n{other.last_name};{other.first_name};2nde A;{other.username}\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A", "--yes"])
    assert result.exit_code == 0, result.output
    assert "compte existant, à inscrire" in result.output and other.username in _students(app, world.class_a)
    roster.write_text(f"Nom;Prénom;Classe;Identifiant\nVidal;Marc;2nde A;{world.other_teacher.username}\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A", "--yes"])
    assert result.exit_code == 1 and "n'est pas celui d'un compte d'élève" in result.output
    assert world.other_teacher.username not in _students(app, world.class_a)
    result = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A", "--school", str(2**63), "--yes"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_accounts_changed_between_preview_and_confirmation_import_nothing(app, client, world, make_user):
    # Class B is the teacher's at the preview, no longer at the confirmation: its student is
    # out of reach then, and the confirmation (planned again) imports nothing.
    _give_class_b_to_teacher(app, world)
    login(client, world.teacher.username)
    other = world.other_student
    response = _upload(client, world.class_a, HEADER + f"{other.last_name};{other.first_name};2nde A;;;{other.username};\nBlanc;Paul;2nde A;;;;\n")
    preview_url = response.headers["Location"]
    assert "Compte existant, ajouté à la classe" in page_text(client.get(preview_url))
    users = _count(app, User)
    with app.app_context():
        services.remove_teacher(
            db.session,
            actor=None,
            school_class=db.session.get(SchoolClass, world.class_b),
            teacher=db.session.get(User, world.teacher.id),
        )
        db.session.commit()
    result = _confirm(client, preview_url)
    assert result.status_code == 409
    assert f"Ligne 2 : l'identifiant « {other.username} » n'est pas disponible pour cette classe" in page_text(result)
    assert _count(app, User) == users  # not Paul Blanc
    assert other.username not in _students(app, world.class_a)


def test_a_pending_import_belongs_to_its_teacher_and_class_and_expires(app, client, world):
    url = f"/classes/{world.class_a}/importer/{world.import_token}"
    login(client, world.other_teacher.username)
    assert client.get(url).status_code == 404
    assert client.get(f"/classes/{world.class_b}/importer/{world.import_token}").status_code == 404
    mine = app.test_client()
    login(mine, world.teacher.username)
    assert mine.get(url).status_code == 200
    assert mine.get(f"/classes/{world.class_a}/importer/pas-un-jeton").status_code == 404
    with app.app_context():
        pending = db.session.get(RosterImport, world.import_token)
        pending.created_at -= timedelta(hours=3)
        db.session.commit()
    assert mine.get(url).status_code == 404


def test_the_command_line_imports_after_a_preview(app, runner, world, tmp_path):
    roster = tmp_path / "2nde A.csv"
    roster.write_bytes(("Nom;Prénom;Classe\r\nMartin;Léa;2nde A\r\nDurand;Hugo;2nde A\r\n").encode("cp1252"))
    cancelled = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A"], input="n\n")
    assert cancelled.exit_code == 1 and "Import annulé" in cancelled.output and "lea.martin (à créer)" in cancelled.output
    assert "lea.martin" not in _students(app, world.class_a)
    result = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A"], input="oui\n")
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output and "2 compte(s) créé(s)" in result.output
    password = re.search(r"lea\.martin\s+(\S+)", result.output.split("Mots de passe provisoires")[1]).group(1)
    login(app.test_client(), "lea.martin", password)
    assert {"lea.martin", "hugo.durand"} <= set(_students(app, world.class_a))


def test_the_command_line_refuses_a_bad_file_or_an_unknown_class(app, runner, world, tmp_path):
    roster = tmp_path / "liste.csv"
    roster.write_text("Nom;Prénom;Classe\nMartin;Léa;2nde A\n@Durand;Hugo;2nde A\n", encoding="utf-8")
    users = _count(app, User)
    result = runner.invoke(args=["users", "import", str(roster), "--class", "2nde A", "--yes"])
    assert result.exit_code == 1
    assert "Ligne 3 : la colonne « Nom » commence par « @ »" in result.output
    assert "aucun élève n'a été importé" in result.output
    assert _count(app, User) == users
    result = runner.invoke(args=["users", "import", str(roster), "--class", "Terminale Z", "--yes"])
    assert result.exit_code == 1 and "Aucune classe « Terminale Z »" in result.output
