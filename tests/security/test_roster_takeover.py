"""Attack: a teacher takes over another class's students (or learns their names) through the roster import.

Two teachers, two classes of one school. The attacker teaches class B and
uploads a roster for it naming class A's students and a member of staff by
their identifiers. Nothing may be enrolled, no stored name may appear in any
answer (preview, confirmation), and an identifier that exists elsewhere must
get the same answer as one that exists nowhere, at the same cost in queries.
"""

from __future__ import annotations

import io
import re
import secrets

import pytest
from sqlalchemy import func, select

from lycee_ia.accounts.models import Role, School, User
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import services
from lycee_ia.teaching.models import Enrolment, RosterImport, SchoolClass
from tests.helpers import csrf_token_from, login, page_text

HEADER = "Nom;Prénom;Classe;Identifiant\n"
# Names stored on the victims' accounts: none may ever reach the attacker.
STORED_NAMES = ("Léa", "Martin", "Hugo", "Durand", "Karim", "Benali")


@pytest.fixture
def schools(app, make_user):
    with app.app_context():
        session = db.session
        school = School(name="Lycée Victor-Hugo")
        session.add(school)
        session.flush()
        people = {
            "teacher_a": make_user(Role.TEACHER, username="prof.a", first_name="Claire", last_name="Dubois", school=school),
            "attacker": make_user(Role.TEACHER, username="prof.b", first_name="Marc", last_name="Vidal", school=school),
            "lea": make_user(Role.STUDENT, username="eleve01", first_name="Léa", last_name="Martin", school=school),
            "hugo": make_user(Role.STUDENT, username="eleve02", first_name="Hugo", last_name="Durand", school=school),
            "staff": make_user(Role.STAFF, username="personnel.x", first_name="Karim", last_name="Benali", school=school),
        }
        people = {key: session.get(User, user.id) for key, user in people.items()}
        class_a = services.create_class(session, actor=people["teacher_a"], name="2nde A", school=session.get(School, school.id))
        class_b = services.create_class(session, actor=people["attacker"], name="2nde B", school=session.get(School, school.id))
        services.enrol(session, class_a, people["lea"])
        services.enrol(session, class_a, people["hugo"])
        session.commit()
        return {"class_a": class_a.id, "class_b": class_b.id, **{k: (u.id, u.username) for k, u in people.items()}}


def _upload(client, class_id: int, text: str):
    url = f"/classes/{class_id}/importer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "roster": (io.BytesIO(text.encode("utf-8")), "liste.csv")},
        content_type="multipart/form-data",
    )


def _enrolled(app, class_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.username).join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.class_id == class_id)
            )
        )


def _problems(text: str) -> dict[int, str]:
    """Line number -> message, with the identifier the attacker typed replaced by X."""
    found = {}
    for line, message in re.findall(r"Ligne (\d+) : ([^<]+)<", text):
        found[int(line)] = re.sub(r"« [a-z0-9._-]+ »", "« X »", message.strip())
    return found


def test_an_upload_naming_other_classes_students_and_staff_enrols_nobody_and_discloses_nothing(app, client, schools):
    login(client, schools["attacker"][1])
    response = _upload(
        client,
        schools["class_b"],
        HEADER
        # The exact name of a student of class A, with her identifier: the takeover.
        + "Martin;Léa;2nde B;eleve01\n"
        # A guessed identifier under a wrong name: old code answered "est celui de Hugo Durand".
        + "Dupont;Jean;2nde B;eleve02\n"
        # A member of staff: old code confirmed "n'est pas celui d'un compte d'élève".
        + "Roux;Nina;2nde B;personnel.x\n"
        # An identifier that exists nowhere.
        + "Blanc;Paul;2nde B;personne.inconnue\n",
    )
    assert response.status_code == 400
    text = page_text(response)
    main = text.split("<main", 1)[1]
    for name in ("Hugo", "Durand", "Karim", "Benali"):
        assert name not in main, name
    problems = _problems(main)
    assert set(problems) == {2, 3, 4, 5}
    # Existing student elsewhere, staff account, unknown: one and the same answer.
    assert len(set(problems.values())) == 1, problems
    assert "n'est pas disponible pour cette classe" in problems[2]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0
    assert _enrolled(app, schools["class_b"]) == set()
    # Still not the attacker's: no history, no password reset.
    lea_id = schools["lea"][0]
    assert client.get(f"/classes/{schools['class_b']}/eleves/{lea_id}").status_code == 404
    reset = client.post(
        f"/classes/{schools['class_b']}/eleves/{lea_id}/mot-de-passe",
        data={"csrf_token": csrf_token_from(client.get(f"/classes/{schools['class_b']}/importer").get_data(as_text=True))},
    )
    assert reset.status_code == 404


def test_an_existing_and_a_missing_identifier_cost_the_same_queries_and_get_the_same_page(app, client, schools, count_queries):
    login(client, schools["attacker"][1])
    pages, costs = [], []
    for identifier in ("eleve01", "eleve99"):  # eleve99 exists nowhere
        url = f"/classes/{schools['class_b']}/importer"
        token = csrf_token_from(client.get(url).get_data(as_text=True))
        with count_queries() as counter:
            response = client.post(
                url,
                data={"csrf_token": token, "roster": (io.BytesIO(f"{HEADER}Martin;Léa;2nde B;{identifier}\n".encode()), "l.csv")},
                content_type="multipart/form-data",
            )
        assert response.status_code == 400
        body = page_text(response).split("<main", 1)[1]
        pages.append(re.sub(r'name="csrf_token"[^>]*>', "", body.replace(identifier, "X")))
        costs.append(counter.count)
    assert pages[0] == pages[1]
    assert costs[0] == costs[1]


def test_the_confirmation_plans_again_and_never_trusts_the_stored_preview(app, client, schools):
    """A pending import naming another class's student (however it got there) is refused at confirmation."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(
            RosterImport(
                id=token,
                class_id=schools["class_b"],
                created_by_id=schools["attacker"][0],
                filename="liste.csv",
                content={
                    "rows": [
                        {"line": 2, "first_name": "Léa", "last_name": "Martin", "username": "eleve01", "group": None},
                        {"line": 3, "first_name": "Jean", "last_name": "Dupont", "username": "eleve02", "group": None},
                    ],
                    "ignored": [],
                },
                created_at=utcnow(),
            )
        )
        db.session.commit()
    login(client, schools["attacker"][1])
    url = f"/classes/{schools['class_b']}/importer/{token}"
    preview = client.get(url)
    assert preview.status_code == 200
    result = client.post(url, data={"csrf_token": csrf_token_from(preview.get_data(as_text=True))})
    assert result.status_code == 409
    for response in (preview, result):
        main = page_text(response).split("<main", 1)[1]
        assert "Hugo" not in main and "Durand" not in main
        assert "Compte existant" not in main
    assert _enrolled(app, schools["class_b"]) == set()
    assert "n'est pas disponible pour cette classe" in page_text(result)


def test_a_teacher_of_both_classes_may_enrol_and_an_administrator_gives_the_class(app, client, schools):
    """The rule's other side: a student already in one of the teacher's classes may be named."""
    with app.app_context():
        services.add_teacher(
            db.session, actor=None, school_class=db.session.get(SchoolClass, schools["class_a"]),
            teacher=db.session.get(User, schools["attacker"][0]),
        )
        db.session.commit()
    login(client, schools["attacker"][1])
    response = _upload(client, schools["class_b"], HEADER + "Martin;Léa;2nde B;eleve01\n")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert "Compte existant, ajouté à la classe" in page_text(client.get(preview_url))
    confirmed = client.post(preview_url, data={"csrf_token": csrf_token_from(client.get(preview_url).get_data(as_text=True))})
    assert confirmed.status_code == 200
    assert _enrolled(app, schools["class_b"]) == {"eleve01"}
