"""The access matrix: every route of the app, for every role, against an explicit table.

A route added to the app without an entry here fails
``test_every_route_has_an_entry``: whoever adds a route decides, in this
table, who may open it.

Each role signs in with a fresh client on its own copy of the world and
requests every entry in table order: reading pages first, then actions,
the ones that remove something last, signing out at the very end.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import csrf_token_from, login
from tests.teaching.conftest import QUIZ_MODULE, READING_MODULE, World

ROLES = ("anonymous", "staff", "other_student", "other_teacher", "admin", "student", "teacher")
DENIED = {"student": 403, "other_student": 403, "teacher": 403, "other_teacher": 403, "staff": 403, "admin": 403}


def expect(default: int | None = None, **codes: int) -> dict[str, int]:
    """Anonymous visitors are sent to the login page (302) unless said otherwise."""
    table = {"anonymous": 302, **({role: default for role in DENIED} if default is not None else DENIED)}
    table.update(codes)
    return table


def everyone(code: int, anonymous: int = 302) -> dict[str, int]:
    return expect(code, anonymous=anonymous)


def class_teacher(code: int) -> dict[str, int]:
    """A teacher of class A only; another teacher gets 404 (the class is not theirs)."""
    return expect(teacher=code, other_teacher=404)


def admin_only(code: int) -> dict[str, int]:
    return expect(admin=code)


@dataclass(frozen=True)
class Entry:
    endpoint: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    data: Callable[[World], dict[str, Any]] | None = None


def _class(w: World) -> str:
    return f"/classes/{w.class_a}"


ROSTER = "Nom;Prénom;Classe\nNeuve;Inès;{}\n"

TABLE = [
    # --- pages anyone may open --------------------------------------------------------
    Entry("static", "GET", lambda w: "/static/css/app.css", everyone(200, anonymous=200)),
    Entry("main.health", "GET", lambda w: "/sante", everyone(200, anonymous=200)),
    Entry("main.index", "GET", lambda w: "/", everyone(302)),
    Entry("accounts.login", "GET", lambda w: "/connexion", everyone(302, anonymous=200)),
    # --- signed-in people -----------------------------------------------------------------
    Entry("main.home", "GET", lambda w: "/accueil", everyone(200)),
    Entry("accounts.account", "GET", lambda w: "/compte", everyone(200)),
    Entry("content.catalogue", "GET", lambda w: "/modules", everyone(200)),
    Entry("content.results", "GET", lambda w: "/mes-resultats", everyone(200)),
    Entry("content.module", "GET", lambda w: f"/modules/{QUIZ_MODULE}", everyone(200)),
    Entry("content.printable", "GET", lambda w: f"/modules/{QUIZ_MODULE}/imprimer", everyone(200)),
    Entry("content.media", "GET", lambda w: f"/modules/{QUIZ_MODULE}/media/schema.svg", everyone(200)),
    # The teacher kit: every adult; a student gets 404, as for a module that does not exist.
    Entry("content.kit", "GET", lambda w: f"/modules/{READING_MODULE}/kit", everyone(200) | {"student": 404, "other_student": 404}),
    Entry("content.section", "GET", lambda w: f"/modules/{QUIZ_MODULE}/partie/debut", everyone(200)),
    Entry("quiz.home", "GET", lambda w: f"/modules/{QUIZ_MODULE}/quiz", everyone(200)),
    # The student's own attempt: nobody else's business.
    Entry("quiz.attempt", "GET", lambda w: f"/modules/{QUIZ_MODULE}/quiz/{w.attempt_id}", expect(student=302)),
    Entry(
        "quiz.question", "GET", lambda w: f"/modules/{QUIZ_MODULE}/quiz/{w.attempt_id}/{w.question_id}", expect(student=200)
    ),
    # --- administration ----------------------------------------------------------------------
    Entry("admin.index", "GET", lambda w: "/admin/", admin_only(200)),
    Entry("admin.users", "GET", lambda w: "/admin/comptes", admin_only(200)),
    Entry("admin.export_users", "GET", lambda w: "/admin/comptes.csv", admin_only(200)),
    Entry("admin.user_detail", "GET", lambda w: f"/admin/comptes/{w.target.id}", admin_only(200)),
    Entry("admin.create_account", "GET", lambda w: "/admin/comptes/nouveau", admin_only(200)),
    Entry("admin.audit_log", "GET", lambda w: "/admin/journal", admin_only(200)),
    Entry("content.status", "GET", lambda w: "/admin/modules", admin_only(200)),
    Entry("teaching.admin_classes", "GET", lambda w: "/admin/classes", admin_only(200)),
    Entry("teaching.admin_class", "GET", lambda w: f"/admin/classes/{w.class_a}", admin_only(200)),
    # --- teaching: a teacher's own classes only; no student data for anyone else -----------------
    Entry("teaching.classes", "GET", lambda w: "/classes", expect(teacher=200, other_teacher=200)),
    Entry("teaching.overview", "GET", _class, class_teacher(200)),
    Entry("teaching.print_overview", "GET", lambda w: f"{_class(w)}/imprimer", class_teacher(200)),
    Entry("teaching.export_overview", "GET", lambda w: f"{_class(w)}/suivi.csv", class_teacher(200)),
    Entry("teaching.students", "GET", lambda w: f"{_class(w)}/eleves", class_teacher(200)),
    # Confirmation pages (they act only on their own POST form).
    Entry("teaching.reset_student_password", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}/mot-de-passe", class_teacher(200)),
    Entry("teaching.remove_student", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}/retirer", class_teacher(200)),
    Entry("teaching.student", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}", class_teacher(200)),
    Entry("teaching.edit_student", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}/modifier", class_teacher(200)),
    Entry("teaching.reprint_slip", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}/fiche", class_teacher(200)),
    Entry("teaching.student_report", "GET", lambda w: f"{_class(w)}/eleves/{w.student.id}/rapport", class_teacher(200)),
    # The module with its answer key: a student gets 404, as for a page that does not exist.
    Entry(
        "teaching.module_preview",
        "GET",
        lambda w: f"{_class(w)}/modules/{QUIZ_MODULE}/apercu",
        class_teacher(200) | {"student": 404, "other_student": 404},
    ),
    Entry("teaching.group", "GET", lambda w: f"{_class(w)}/groupes/{w.group_id}", class_teacher(200)),
    Entry("teaching.import_roster", "GET", lambda w: f"{_class(w)}/importer", class_teacher(200)),
    Entry("teaching.import_preview", "GET", lambda w: f"{_class(w)}/importer/{w.import_token}", class_teacher(200)),
    Entry("teaching.new_assignment", "GET", lambda w: f"{_class(w)}/devoirs/nouveau", class_teacher(200)),
    Entry("teaching.edit_assignment", "GET", lambda w: f"{_class(w)}/devoirs/{w.assignment_id}", class_teacher(200)),
    Entry("teaching.item_analysis", "GET", lambda w: f"{_class(w)}/devoirs/{w.assignment_id}/analyse", class_teacher(200)),
    Entry("teaching.export_items", "GET", lambda w: f"{_class(w)}/devoirs/{w.assignment_id}/analyse.csv", class_teacher(200)),
    Entry("teaching.join", "GET", lambda w: "/rejoindre", expect(student=200, other_student=200)),
    # --- sync: a student's laptop pages; the laptops of a teacher's students ------------------------------
    Entry("sync_laptop.status", "GET", lambda w: "/synchronisation", expect(student=200, other_student=200)),
    Entry("sync_laptop.enrol", "GET", lambda w: "/synchronisation/inscription", everyone(200, anonymous=200)),
    Entry("sync_server.devices", "GET", lambda w: "/ordinateurs", expect(teacher=200, other_teacher=200, admin=200)),
    Entry(
        "sync_server.state_bundle", "GET", lambda w: f"/ordinateurs/{w.device_id}/paquet", expect(teacher=200, admin=200)
    ),
    # The JSON API answers every role alike: no device token, no access (and never a redirect).
    Entry("sync_api.push", "POST", lambda w: "/api/sync/v1/events", everyone(401, anonymous=401), lambda w: {}),
    Entry("sync_api.state", "GET", lambda w: "/api/sync/v1/state", everyone(401, anonymous=401)),
    Entry("sync_api.module_archive", "GET", lambda w: f"/api/sync/v1/modules/{QUIZ_MODULE}/1", everyone(401, anonymous=401)),
    Entry("sync_api.enrol", "POST", lambda w: "/api/sync/v1/enrol", everyone(400, anonymous=400), lambda w: {}),
    Entry("sync_api.withdraw", "POST", lambda w: "/api/sync/v1/withdraw", everyone(401, anonymous=401), lambda w: {}),
    # --- actions ------------------------------------------------------------------------------------
    Entry("accounts.login", "POST", lambda w: "/connexion", everyone(302, anonymous=400), lambda w: {}),
    Entry("accounts.account", "POST", lambda w: "/compte", everyone(400), lambda w: {}),
    Entry(
        "quiz.activity",
        "POST",
        lambda w: f"/modules/{QUIZ_MODULE}/partie/debut/activite/qe-activite-vf",
        everyone(302),
        lambda w: {"answer": "false", "nonce": "essai"},
    ),
    Entry("quiz.start", "POST", lambda w: f"/modules/{QUIZ_MODULE}/quiz/commencer", everyone(302), lambda w: {}),
    Entry(
        "quiz.question",
        "POST",
        lambda w: f"/modules/{QUIZ_MODULE}/quiz/{w.attempt_id}/{w.question_id}",
        expect(student=302),
        lambda w: {"answer": w.answer},
    ),
    Entry(
        "admin.create_account",
        "POST",
        lambda w: "/admin/comptes/nouveau",
        admin_only(200),
        lambda w: {"username": "cree.par.admin", "first_name": "Créé", "last_name": "", "role": "eleve", "email": ""},
    ),
    Entry("admin.toggle_active", "POST", lambda w: f"/admin/comptes/{w.target.id}/activation", admin_only(302), lambda w: {"active": "1"}),
    # The confirmation page before closing an account.
    Entry("admin.toggle_active", "GET", lambda w: f"/admin/comptes/{w.target.id}/activation?active=0", admin_only(200)),
    Entry("admin.reset_user_password", "POST", lambda w: f"/admin/comptes/{w.target.id}/mot-de-passe", admin_only(200), lambda w: {"confirm": "1"}),
    Entry("admin.reset_user_password", "GET", lambda w: f"/admin/comptes/{w.target.id}/mot-de-passe", admin_only(200)),
    Entry(
        "teaching.admin_classes", "POST", lambda w: "/admin/classes", admin_only(302), lambda w: {"name": "1re C", "school": str(w.school_id)}
    ),
    Entry(
        "teaching.admin_class", "POST", lambda w: f"/admin/classes/{w.class_a}", admin_only(302), lambda w: {"teacher": str(w.spare_teacher.id)}
    ),
    Entry(
        "teaching.admin_rename_class", "POST", lambda w: f"/admin/classes/{w.class_a}/renommer", admin_only(302), lambda w: {"name": "2nde A bis"}
    ),
    Entry(
        "teaching.admin_archive_class", "POST", lambda w: f"/admin/classes/{w.class_b}/archiver", admin_only(302), lambda w: {"archived": "1"}
    ),
    Entry(
        "teaching.admin_remove_teacher",
        "POST",
        lambda w: f"/admin/classes/{w.class_a}/enseignants/{w.spare_teacher.id}/retirer",
        admin_only(302),
        lambda w: {},
    ),
    Entry("teaching.classes", "POST", lambda w: "/classes", expect(teacher=302, other_teacher=302), lambda w: {"name": "Nouvelle classe"}),
    Entry("teaching.join_code", "POST", lambda w: f"{_class(w)}/code", class_teacher(302), lambda w: {"days": "7"}),
    Entry("teaching.new_group", "POST", lambda w: f"{_class(w)}/groupes", class_teacher(302), lambda w: {"name": "Groupe neuf"}),
    Entry(
        "teaching.group", "POST", lambda w: f"{_class(w)}/groupes/{w.group_id}", class_teacher(302), lambda w: {"students": [str(w.student.id)]}
    ),
    Entry(
        "teaching.import_roster",
        "POST",
        lambda w: f"{_class(w)}/importer",
        class_teacher(302),
        lambda w: {"roster": (io.BytesIO(ROSTER.format(w.class_a_name).encode()), "liste.csv")},
    ),
    Entry("teaching.import_preview", "POST", lambda w: f"{_class(w)}/importer/{w.import_token}", class_teacher(200), lambda w: {}),
    Entry(
        "teaching.new_assignment",
        "POST",
        lambda w: f"{_class(w)}/devoirs/nouveau",
        class_teacher(302),
        lambda w: {"module": "lecture-exemple", "target": "classe", "opens_on": "2026-01-05", "due_on": "", "note": ""},
    ),
    Entry(
        "teaching.edit_assignment",
        "POST",
        lambda w: f"{_class(w)}/devoirs/{w.assignment_id}",
        class_teacher(302),
        lambda w: {"target": "classe", "opens_on": "2026-01-05", "due_on": "2026-02-01", "note": "Bon courage"},
    ),
    Entry(
        "teaching.add_student", "POST", lambda w: f"{_class(w)}/eleves/ajouter", class_teacher(200),
        lambda w: {"first_name": "Nouvel", "last_name": "Arrivant"},
    ),
    Entry(
        "teaching.edit_student", "POST", lambda w: f"{_class(w)}/eleves/{w.student.id}/modifier", class_teacher(302),
        lambda w: {"first_name": "Inès", "last_name": "Amrani", "groups": [str(w.group_id)]},
    ),
    Entry("teaching.reprint_slip", "POST", lambda w: f"{_class(w)}/eleves/{w.student.id}/fiche", class_teacher(200), lambda w: {}),
    Entry(
        "teaching.reset_student_password", "POST", lambda w: f"{_class(w)}/eleves/{w.student.id}/mot-de-passe", class_teacher(200), lambda w: {"confirm": "1"}
    ),
    # A student of class B joins class A with its code; the student of A is already in it.
    Entry("teaching.join", "POST", lambda w: "/rejoindre", expect(student=400, other_student=302), lambda w: {"code": w.join_code}),
    Entry("sync_laptop.enrol", "POST", lambda w: "/synchronisation/inscription", everyone(400, anonymous=400), lambda w: {}),
    # This laptop is not enrolled for the student: each action explains it and goes back to the page.
    Entry("sync_laptop.sync_now", "POST", lambda w: "/synchronisation/maintenant", expect(student=302, other_student=302), lambda w: {}),
    Entry("sync_laptop.export", "POST", lambda w: "/synchronisation/paquet", expect(student=302, other_student=302), lambda w: {}),
    Entry("sync_laptop.import_state", "POST", lambda w: "/synchronisation/importer", expect(student=302, other_student=302), lambda w: {}),
    Entry("sync_server.import_bundle", "POST", lambda w: "/ordinateurs/importer", expect(teacher=400, other_teacher=400, admin=400), lambda w: {}),
    # --- removals, then signing out -------------------------------------------------------------------
    Entry("sync_server.revoke", "POST", lambda w: f"/ordinateurs/{w.device_id}/retirer", expect(teacher=302, admin=302), lambda w: {}),
    Entry(
        "sync_server.allow_re_enrolment", "POST", lambda w: f"/ordinateurs/{w.device_id}/autoriser", expect(teacher=302, admin=302), lambda w: {}
    ),
    Entry("teaching.revoke_code", "POST", lambda w: f"{_class(w)}/code/revoquer", class_teacher(302), lambda w: {}),
    Entry(
        "teaching.withdraw_assignment", "POST", lambda w: f"{_class(w)}/devoirs/{w.assignment_id}/retirer", class_teacher(302), lambda w: {}
    ),
    Entry("teaching.delete_group", "POST", lambda w: f"{_class(w)}/groupes/{w.group_id}/supprimer", class_teacher(302), lambda w: {}),
    Entry(
        "teaching.remove_student", "POST", lambda w: f"{_class(w)}/eleves/{w.student.id}/retirer", class_teacher(302), lambda w: {"confirm": "1"}
    ),
    # Undoing the removal just made (404 for a student never removed, as for another class).
    Entry("teaching.restore_student", "POST", lambda w: f"{_class(w)}/eleves/{w.student.id}/reintegrer", class_teacher(302), lambda w: {}),
    Entry("accounts.logout", "POST", lambda w: "/deconnexion", everyone(302), lambda w: {}),
]


def test_every_route_has_an_entry(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = [(entry.endpoint, entry.method) for entry in TABLE]
    assert len(listed) == len(set(listed)), "an entry appears twice"
    missing = routes - set(listed)
    assert not missing, f"routes without an entry in the access table: {sorted(missing)}"
    assert not set(listed) - routes, f"entries for routes that do not exist: {sorted(set(listed) - routes)}"
    for entry in TABLE:
        assert set(entry.expected) == set(ROLES), entry.endpoint


def _username(world: World, role: str) -> str | None:
    return None if role == "anonymous" else getattr(world, role).username


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_expected_answers(app, world, role):
    client = app.test_client()
    username = _username(world, role)
    if username:
        login(client, username)
    token = csrf_token_from(client.get("/compte" if username else "/connexion").get_data(as_text=True))
    wrong = []
    for entry in TABLE:
        url = entry.url(world)
        if entry.method == "GET":
            response = client.get(url)
        else:
            data = {**entry.data(world), "csrf_token": token}
            response = client.post(url, data=data, content_type="multipart/form-data")
        expected = entry.expected[role]
        if response.status_code != expected:
            wrong.append(f"{entry.method} {url} ({entry.endpoint}): {response.status_code}, expected {expected}")
        elif role == "anonymous" and response.status_code == 302 and entry.endpoint not in ("accounts.logout",):
            assert response.headers["Location"].startswith("/connexion"), url
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
