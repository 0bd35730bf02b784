"""The class dashboard: states, grid, sorting, students needing help, item analysis, student
detail, exports, and a number of queries that does not grow with the class."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lycee_ia.accounts.models import Role, School, User
from lycee_ia.accounts.services import create_user
from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import services
from lycee_ia.teaching.analysis import AnswerRecord, AttemptRecord, analyse
from lycee_ia.teaching.models import Assignment, ClassGroup, GroupMember, SchoolClass
from lycee_ia.teaching.states import state_of
from tests.conftest import _test_hash
from tests.helpers import login, page_text
from tests.teaching.activity import choice, module, read, take_quiz
from tests.teaching.conftest import QUIZ_MODULE, READING_MODULE, TERM_STARTED_DAYS_AGO, TESTS

NOW = utcnow()


def _row(**fields):
    values = {"completed_at": None, "quiz_attempts": 0, "quiz_passed_at": None}
    values.update(fields)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "row, has_quiz, state",
    [
        (None, True, "not_started"),
        (_row(), True, "reading"),
        (_row(completed_at=NOW), True, "reading"),
        (_row(quiz_attempts=2), True, "quiz_failed"),
        (_row(quiz_attempts=1, completed_at=NOW), True, "quiz_failed"),
        (_row(quiz_attempts=3, quiz_passed_at=NOW), True, "quiz_passed"),
        (_row(quiz_attempts=1, quiz_passed_at=NOW, completed_at=NOW), True, "mastered"),
        (_row(completed_at=NOW), False, "mastered"),
        (_row(), False, "reading"),
    ],
)
def test_the_five_states_come_from_the_summary(row, has_quiz, state):
    assert state_of(row, has_quiz) == state


# --- a class with real work --------------------------------------------------------------------------

def _student(session, school_class, username, first, last):
    user, _ = create_user(
        session, actor=None, username=username, role=Role.STUDENT, first_name=first, last_name=last, password_hash=_test_hash()
    )
    services.enrol(session, school_class, user, at=NOW - timedelta(days=TERM_STARTED_DAYS_AGO))
    return user


@pytest.fixture
def busy_class(app, world):
    """Class A with five students at every stage of the quiz module, due two days ago."""
    with app.app_context():
        session = db.session
        school_class = session.get(SchoolClass, world.class_a)
        alice = session.get(User, world.student.id)  # Inès Amrani
        bruno = _student(session, school_class, "bruno.b", "Bruno", "Blanc")
        chloe = _student(session, school_class, "chloe.c", "Chloé", "Carré")
        david = _student(session, school_class, "david.d", "David", "Dumas")
        emma = _student(session, school_class, "emma.e", "Emma", "Etienne")
        # Opened before the work below was done (a quiz does not start before its module opens).
        assignment = session.get(Assignment, world.assignment_id)
        assignment.opens_at = NOW - timedelta(days=12)
        assignment.due_at = NOW - timedelta(days=2)
        session.flush()
        wrong = {
            "qe-unique": choice(QUIZ_MODULE, "qe-unique", "4 150"),
            "qe-court": "ONU",
            "qe-nombre": "15",
        }
        read(session, alice, QUIZ_MODULE, when=NOW - timedelta(days=1))
        take_quiz(session, alice, QUIZ_MODULE, when=NOW - timedelta(hours=20), duration=12)
        read(session, bruno, QUIZ_MODULE, when=NOW - timedelta(days=3))
        take_quiz(session, bruno, QUIZ_MODULE, wrong, when=NOW - timedelta(days=3), duration=40)
        take_quiz(session, bruno, QUIZ_MODULE, {**wrong, "qe-nombre": "1,5"}, when=NOW - timedelta(days=2), duration=30)
        read(session, chloe, QUIZ_MODULE, sections=1, when=NOW - timedelta(days=10))
        take_quiz(session, emma, QUIZ_MODULE, {"qe-court": " <b>onu</b> "}, when=NOW - timedelta(hours=5))
        take_quiz(session, emma, QUIZ_MODULE, when=NOW - timedelta(hours=4))
        session.commit()
        return SimpleNamespace(
            alice=alice.id, bruno=bruno.id, chloe=chloe.id, david=david.id, emma=emma.id, assignment=assignment.id
        )


def _cells(html: str) -> dict[str, str]:
    """Student name -> the text of their row in the grid."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        name = re.search(r'<th scope="row"><a [^>]+>([^<]+)</a>', row).group(1)
        rows[name] = text
    return rows


def test_the_grid_shows_each_state_with_a_symbol_text_and_best_score(app, client, world, busy_class):
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}"))
    rows = _cells(html)
    assert "★ Maîtrisé 100 %" in rows["Inès Amrani"]
    assert "✗ Non réussi 50 %" in rows["Bruno Blanc"] and "En retard" in rows["Bruno Blanc"]
    assert "◔ En lecture" in rows["Chloé Carré"] and "En retard" in rows["Chloé Carré"]
    assert "○ Pas commencé" in rows["David Dumas"] and "Jamais" in rows["David Dumas"]
    assert "✓ Réussi 100 %" in rows["Emma Etienne"] and "En retard" not in rows["Emma Etienne"]
    # Per assignment: 2 of 5 passed the quiz; median of the best scores 100, 50, 100.
    footer = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<tfoot>")[1]))
    assert "40 % 2 sur 5" in footer and "Score médian 100 %" in footer


def test_the_grid_says_when_each_students_laptop_last_synced(app, client, world, busy_class):
    from datetime import datetime

    from lycee_ia.sync.models import SyncDevice

    with app.app_context():
        db.session.get(SyncDevice, world.device_id).last_seen_at = datetime(2026, 11, 3, 9, 30)
        db.session.commit()
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}"))
    assert "<th scope=\"col\">Dernière synchronisation de l'ordinateur</th>" in html
    rows = _cells(html)
    assert "3 novembre 2026" in rows["Inès Amrani"]
    assert "Aucun ordinateur inscrit" in rows["Bruno Blanc"]
    # Every row and the footer keep the same number of cells as the header.
    table = html.split('<table class="table grid">')[1].split("</table>")[0]
    header = table.split("</thead>")[0].count("<th ")
    for line in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S):
        assert line.count("<td") + line.count("<th") == header, line[:200]
    with app.app_context():
        db.session.get(SyncDevice, world.device_id).last_seen_at = None
        db.session.commit()
    assert "Jamais synchronisé" in _cells(page_text(client.get(f"/classes/{world.class_a}")))["Inès Amrani"]


def test_a_class_without_laptops_has_no_sync_column(app, client, world, busy_class):
    from lycee_ia.sync.models import SyncDevice

    with app.app_context():
        db.session.delete(db.session.get(SyncDevice, world.device_id))
        db.session.commit()
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}"))
    assert "Dernière synchronisation" not in html and "Aucun ordinateur" not in html
    rows = list(csv.reader(io.StringIO(client.get(f"/classes/{world.class_a}/suivi.csv").data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["Nom", "Prénom", "Identifiant", "Dernière activité", "Dernière activité (AAAA-MM-JJ)", "À aider"]


def test_students_needing_help_come_with_their_reasons(app, client, world, busy_class):
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}"))
    help_list = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.split('<ul class="help-list">')[1].split("</ul>")[0]))
    assert (
        "Bruno Blanc : Échecs répétés au quiz : « Un module avec un quiz » (2 échecs, meilleur score : 50 %) ; "
        "En retard : « Un module avec un quiz » (à faire pour le " in help_list
    )
    assert "Chloé Carré : En retard : « Un module avec un quiz » (à faire pour le" in help_list
    assert "Aucune activité depuis 10 jours" in help_list
    assert "David Dumas : En retard" in help_list and "Aucune activité enregistrée" in help_list
    assert "Inès Amrani" not in help_list and "Emma Etienne" not in help_list
    relaxed = page_text(client.get(f"/classes/{world.class_a}?jours=30"))
    assert "Aucune activité depuis 10 jours" not in relaxed


def test_the_grid_sorts_by_query_string_without_javascript(app, client, world, busy_class):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}"

    def order(query):
        return list(_cells(page_text(client.get(f"{url}?{query}"))))

    assert order("") == ["Inès Amrani", "Bruno Blanc", "Chloé Carré", "David Dumas", "Emma Etienne"]
    assert order("tri=nom&ordre=desc") == ["Emma Etienne", "David Dumas", "Chloé Carré", "Bruno Blanc", "Inès Amrani"]
    assert order(f"tri=d{busy_class.assignment}&ordre=desc")[:2] == ["Inès Amrani", "Emma Etienne"]
    assert order(f"tri=d{busy_class.assignment}")[0] == "David Dumas"
    assert order("tri=activite&ordre=desc")[0] == "Emma Etienne"
    html = client.get(f"{url}?tri=d{busy_class.assignment}&ordre=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    for nonsense in ("tri=d999", "tri=%3Cscript%3E", "jours=-4", "jours=abc", "ordre=sideways", "tri=d1x"):
        assert client.get(f"{url}?{nonsense}").status_code == 200


def test_names_are_escaped_everywhere(app, client, world):
    with app.app_context():
        school_class = db.session.get(SchoolClass, world.class_a)
        _student(db.session, school_class, "piege", "<script>alert(1)</script>", "<img src=x>")
        db.session.commit()
    login(client, world.teacher.username)
    for url in (f"/classes/{world.class_a}", f"/classes/{world.class_a}/eleves", f"/classes/{world.class_a}/imprimer"):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html and "<img src=x>" not in html


def test_the_overview_export_opens_in_a_french_spreadsheet_and_neutralises_formulas(app, client, world, busy_class):
    with app.app_context():
        school_class = db.session.get(SchoolClass, world.class_a)
        _student(db.session, school_class, "formule", "+33612345678", '=HYPERLINK("http://x";"clic")')
        db.session.commit()
    login(client, world.teacher.username)
    response = client.get(f"/classes/{world.class_a}/suivi.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="suivi-2nde-a.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    # Inès has a laptop enrolled for sync: the export says when each student's laptop last synced.
    assert rows[0][:8] == [
        "Nom", "Prénom", "Identifiant", "Dernière activité", "Dernière activité (AAAA-MM-JJ)",
        "Dernière synchronisation de l'ordinateur", "Dernière synchronisation (AAAA-MM-JJ)", "À aider",
    ]
    assert rows[0][8:10] == ["Un module avec un quiz : état", "Un module avec un quiz : meilleur score (%)"]
    by_user = {row[2]: row for row in rows[1:] if len(row) > 2}
    assert by_user["eleve.a"][8:10] == ["Maîtrisé", "100"]
    assert by_user["bruno.b"][8] == "Quiz non réussi (en retard)" and "2 échecs" in by_user["bruno.b"][7]
    assert by_user["bruno.b"][5] == "" and by_user["bruno.b"][6] == ""
    assert by_user["formule"][0] == "'=HYPERLINK(\"http://x\";\"clic\")" and by_user["formule"][1] == "'+33612345678"
    assert ["Taux de réalisation (%)", "", "", "", "", "", "", "", "", "33"] == rows[-4][:10]


def test_the_print_view_has_the_grid_and_the_help_list_without_links(app, client, world, busy_class):
    login(client, world.teacher.username)
    html = client.get(f"/classes/{world.class_a}/imprimer").get_data(as_text=True)
    text = page_text(client.get(f"/classes/{world.class_a}/imprimer"))
    assert "Élèves à aider" in text and "★" in text and "Bruno Blanc" in text
    grid = html.split('<table class="table grid">')[1]
    assert "<a " not in grid


def test_the_item_analysis_shows_success_rates_common_wrong_answers_and_the_authors_feedback(app, client, world, busy_class):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}/devoirs/{busy_class.assignment}/analyse"
    response = client.get(url)
    html = page_text(response)
    assert "3 élèves sur 5 ont commencé le quiz" in html
    single = html.split("Combien de térawattheures")[0].rsplit("<section", 1)[1]
    # First attempts: Bruno chose 4 150; Inès and Emma were right.
    assert "67 % de réussite" in single
    after = html.split("Combien de térawattheures")[1].split("</section>")[0]
    assert "4\u202f150" in after and "33 %" in after and "Dix fois trop\u202f; c’est environ 415 TWh." in after
    assert "Bruno Blanc" in after
    short = html.split("Quel organisme publie")[1].split("</section>")[0]
    # "ONU" and " <b>onu</b> " are not the same answer once normalised; the student's text is escaped.
    assert "Non, l’ONU n’a pas publié ce rapport" in short
    assert "&lt;b&gt;onu&lt;/b&gt;" in response.get_data(as_text=True)
    assert "<b>onu</b>" not in response.get_data(as_text=True)
    # The score distribution is an inline SVG with a text alternative.
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert 'role="img"' in svg and "<desc" in svg and "Seuil de maîtrise : 80 %." in svg
    # First attempts: Bruno 25 %, Emma 75 %, Inès 100 %.
    assert "1 entre 20 et 29 %" in svg and "1 entre 70 et 79 %" in svg and "1 entre 90 et 100 %" in svg
    every = page_text(client.get(url + "?tentatives=toutes&ordre=quiz"))
    first_block = every.split("<section")[1]
    assert "Combien de térawattheures" in first_block and "60 % de réussite" in first_block


def test_the_item_analysis_export_lists_wrong_answers_with_their_feedback(app, client, world, busy_class):
    login(client, world.teacher.username)
    response = client.get(f"/classes/{world.class_a}/devoirs/{busy_class.assignment}/analyse.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    wrong = next(row for row in rows if len(row) > 7 and row[7] == "4 150")
    assert wrong[1].startswith("Combien de térawattheures") and wrong[3] == "67"
    assert wrong[8:11] == ["1", "33", "Dix fois trop ; c’est environ 415 TWh."]
    assert "Répartition des scores" in [row[0] for row in rows if row]


def test_the_student_detail_shows_every_attempt_answer_score_and_time(app, client, world, busy_class):
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}/eleves/{busy_class.bruno}"))
    assert "Bruno Blanc" in html and "Quiz non réussi" in html
    assert html.count("Tentative ") == 2
    assert "Tentative 1 du" in html and "non réussie, 25 %" in html and "2 min 40 s de réponse" in html
    assert "4\u202f150" in html and "ONU" in html and "Faux" in html and "40 s" in html
    assert "Ce qu'il faut savoir" not in html  # reading module not assigned nor opened
    sections = re.findall(r"<li>([^<]+) : <span class=\"(seen|muted)\"", html)
    assert sections and all(kind == "seen" for _, kind in sections)
    chloe = page_text(client.get(f"/classes/{world.class_a}/eleves/{busy_class.chloe}"))
    assert "pas lu" in chloe and "Aucune tentative." in chloe


def test_discrimination_flags_a_question_the_best_students_miss():
    questions = list(module_questions())
    target = questions[0]
    attempts, answers = [], []
    for number in range(6):
        attempt_id = uuid.uuid4()
        # Students 3-5 are the strongest overall, yet only they miss the first question.
        strong = number >= 3
        attempts.append(AttemptRecord(attempt_id, number, NOW, "passed" if strong else "failed", 0.9 if strong else 0.3, "v"))
        answers.append(AnswerRecord(number, attempt_id, target.id, "v", target.choices[1].id, 0.0 if strong else 1.0, not strong))
    analysis = analyse(current=questions, older={}, attempts=attempts, answers=answers, names={}, targeted=6, mastery=80)
    stats = next(s for s in analysis.questions if s.question.id == target.id)
    assert stats.discrimination == -100 and stats.ambiguous


def module_questions():
    catalogue, _ = build_catalogue(TESTS / "quiz" / "fixtures")
    return catalogue.modules[QUIZ_MODULE].quiz.questions


# --- a fixed number of queries -------------------------------------------------------------------------

def _fill_class(session, school_class: SchoolClass, students: int, teacher_id: int) -> tuple[list[int], int]:
    """``students`` students, twelve assignments (one for a group), a summary row per student and module."""
    group = ClassGroup(class_id=school_class.id, name="Moitié")
    session.add(group)
    session.flush()
    ids = []
    for number in range(students):
        user = _student(session, school_class, f"n{school_class.id}.{number}", f"Élève{'x' * (number % 3)}", "Nombre")
        ids.append(user.id)
        if number % 2:
            session.add(GroupMember(group_id=group.id, user_id=user.id))
    module_ids = [QUIZ_MODULE, READING_MODULE] + [f"ancien-module-{n}" for n in range(10)]
    for index, module_id in enumerate(module_ids):
        session.add(
            Assignment(
                class_id=school_class.id,
                group_id=group.id if index == 1 else None,
                module_id=module_id,
                opens_at=NOW - timedelta(days=20),
                due_at=NOW - timedelta(days=index),
                note="",
                created_by_id=teacher_id,
            )
        )
        for position, user_id in enumerate(ids):
            if (position + index) % 4:
                session.add(
                    ModuleProgress(
                        user_id=user_id,
                        module_id=module_id,
                        sections_seen={"ids": ["a"]},
                        first_activity_at=NOW - timedelta(days=3),
                        last_activity_at=NOW - timedelta(days=position % 9),
                        completed_at=NOW if position % 3 else None,
                        quiz_attempts=position % 4,
                        quiz_failures=position % 3,
                        quiz_best_score=(position % 10) / 10,
                        quiz_passed_at=NOW if position % 2 else None,
                    )
                )
    session.flush()
    return ids, session.scalar(
        select(Assignment.id).where(Assignment.class_id == school_class.id, Assignment.module_id == QUIZ_MODULE)
    )


@pytest.fixture
def small_and_large(app, world):
    with app.app_context():
        session = db.session
        school = world.school_id
        teacher = session.get(User, world.teacher.id)
        small = services.create_class(session, actor=teacher, name="Petite", school=session.get(School, school))
        large = services.create_class(session, actor=teacher, name="Grande", school=session.get(School, school))
        small_ids, small_assignment = _fill_class(session, small, 5, teacher.id)
        large_ids, large_assignment = _fill_class(session, large, 30, teacher.id)
        # Some quiz answers too, for the item analysis.
        for user_id in small_ids[:3] + large_ids[:20]:
            take_quiz(session, session.get(User, user_id), QUIZ_MODULE, {"qe-court": "ONU"})
        session.commit()
        return SimpleNamespace(
            small=small.id, large=large.id, small_assignment=small_assignment, large_assignment=large_assignment,
            small_student=small_ids[1], large_student=large_ids[1],
        )


def _queries(client, count_queries, url: str) -> int:
    client.get(url)  # warm: the catalogue is built on first use
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_the_dashboard_costs_the_same_queries_for_5_and_30_students(client, world, small_and_large, count_queries):
    login(client, world.teacher.username)
    s, l = small_and_large.small, small_and_large.large
    small = _queries(client, count_queries, f"/classes/{s}")
    large = _queries(client, count_queries, f"/classes/{l}")
    assert small == large and small <= 8, (small, large)
    assert _queries(client, count_queries, f"/classes/{s}/suivi.csv") == _queries(client, count_queries, f"/classes/{l}/suivi.csv")
    assert _queries(client, count_queries, f"/classes/{s}/imprimer") == _queries(client, count_queries, f"/classes/{l}/imprimer")
    rows = page_text(client.get(f"/classes/{l}"))
    assert rows.count('<th scope="row"><a') == 30 and "Module indisponible (ancien-module-3)" in rows


def test_item_analysis_and_student_detail_cost_the_same_queries_for_5_and_30_students(client, world, small_and_large, count_queries):
    login(client, world.teacher.username)
    k = small_and_large
    small = _queries(client, count_queries, f"/classes/{k.small}/devoirs/{k.small_assignment}/analyse")
    large = _queries(client, count_queries, f"/classes/{k.large}/devoirs/{k.large_assignment}/analyse")
    assert small == large, (small, large)
    small = _queries(client, count_queries, f"/classes/{k.small}/eleves/{k.small_student}")
    large = _queries(client, count_queries, f"/classes/{k.large}/eleves/{k.large_student}")
    assert small == large, (small, large)
    html = page_text(client.get(f"/classes/{k.large}/devoirs/{k.large_assignment}/analyse"))
    assert "20 élèves sur 30 ont commencé le quiz" in html and "Erreur fréquente" in html


def test_inactivity_counts_only_once_an_assignment_has_waited_n_days(app, client, world):
    login(client, world.teacher.username)
    url = f"/classes/{world.class_a}"
    assert "Aucune activité enregistrée" not in page_text(client.get(url))  # given today
    with app.app_context():
        db.session.get(Assignment, world.assignment_id).opens_at = NOW - timedelta(days=8)
        db.session.commit()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page_text(client.get(url))))
    assert "Inès Amrani : Aucune activité enregistrée" in text
    assert "Aucune activité enregistrée" not in page_text(client.get(url + "?jours=9"))


def test_the_overview_export_gives_every_date_an_iso_column_a_spreadsheet_sorts(app, client, world, busy_class):
    from datetime import datetime as _datetime

    from lycee_ia.templating import PARIS, format_date, format_datetime

    login(client, world.teacher.username)
    rows = list(csv.reader(io.StringIO(client.get(f"/classes/{world.class_a}/suivi.csv").data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    pairs = [(header.index("Dernière activité"), header.index("Dernière activité (AAAA-MM-JJ)"))]
    pairs.append((header.index("Dernière synchronisation de l'ordinateur"), header.index("Dernière synchronisation (AAAA-MM-JJ)")))
    checked = 0
    for row in rows[1:]:
        if len(row) < len(header) or not row[2]:
            continue
        for french, iso in pairs:
            assert bool(row[french]) == bool(row[iso]), row
            if row[iso]:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[iso]), row[iso]
                local = _datetime.strptime(row[iso], "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)
                utc = local.astimezone(__import__("datetime").timezone.utc).replace(tzinfo=None)
                assert format_datetime(utc) == row[french]
                checked += 1
    assert checked >= 2
    due, due_iso = rows[-2], rows[-1]
    assert due[0] == "À faire pour le" and due_iso[0] == "À faire pour le (AAAA-MM-JJ)"
    french_due = [cell for cell in due[1:] if cell]
    iso_due = [cell for cell in due_iso[1:] if cell]
    assert french_due and len(french_due) == len(iso_due)
    for french, iso in zip(french_due, iso_due):
        assert format_date(_datetime.strptime(iso, "%Y-%m-%d").date()) == french


def test_a_quiz_started_but_not_handed_in_shows_as_quiz_started_not_reading(app, client, world, busy_class):
    from lycee_ia.quiz.grading import correct_answer
    from lycee_ia.quiz.services import answer_in_attempt, start_attempt

    with app.app_context():
        session = db.session
        chloe = session.get(User, busy_class.chloe)  # read one section; now she begins the quiz
        david = session.get(User, busy_class.david)  # nothing read; begins the quiz directly
        m = module(QUIZ_MODULE)
        for student in (chloe, david):
            attempt = start_attempt(session, student, m, now=NOW - timedelta(hours=1))
            first = attempt.ids[0]
            answer = correct_answer(m.question(first))
            answer_in_attempt(session, student, m, attempt, first, answer, duration=10, now=NOW - timedelta(minutes=50))
        session.commit()
    login(client, world.teacher.username)
    rows = _cells(page_text(client.get(f"/classes/{world.class_a}")))
    assert "Quiz commencé" in rows["Chloé Carré"] and "En lecture" not in rows["Chloé Carré"], rows["Chloé Carré"]
    assert "Quiz commencé" in rows["David Dumas"] and "Pas commencé" not in rows["David Dumas"], rows["David Dumas"]
    # A finished quiz keeps its own state even though a new attempt could begin later.
    assert "Quiz commencé" not in rows["Bruno Blanc"] and "Quiz commencé" not in rows["Inès Amrani"]
    rows_csv = list(csv.reader(io.StringIO(client.get(f"/classes/{world.class_a}/suivi.csv").data.decode("utf-8-sig")), delimiter=";"))
    by_user = {row[2]: row for row in rows_csv[1:] if len(row) > 2}
    assert any(cell.startswith("Quiz commencé") for cell in by_user["chloe.c"])
    detail = page_text(client.get(f"/classes/{world.class_a}/eleves/{busy_class.chloe}"))
    assert "Quiz commencé" in detail and "Lecture en cours" not in detail


def _short_question_analysis(responses: list[str]):
    questions = list(module_questions())
    target = next(q for q in questions if q.id == "qe-court")
    attempts, answers = [], []
    for number, response in enumerate(responses):
        attempt_id = uuid.uuid4()
        attempts.append(AttemptRecord(attempt_id, number, NOW, "failed", 0.3, "v"))
        answers.append(AnswerRecord(number, attempt_id, target.id, "v", response, 0.0, False))
    analysis = analyse(
        current=questions, older={}, attempts=attempts, answers=answers,
        names={n: f"Élève {n}" for n in range(len(responses))}, targeted=len(responses), mastery=80,
    )
    return next(s for s in analysis.questions if s.question.id == target.id)


def test_the_authors_comment_is_shown_once_not_on_every_wrong_answer_it_covers():
    # Three different wrong answers all get the general comment; « ONU » has its own.
    stats = _short_question_analysis(["UNESCO", "UNESCO", "OMS", "Greenpeace", "ONU"])
    by_label = {str(w.label): w for w in stats.wrong_answers}
    assert set(by_label) == {"UNESCO", "OMS", "Greenpeace", "ONU"}
    general = [w for w in stats.wrong_answers if "l'AIE" in str(w.feedback) or "l’AIE" in str(w.feedback)]
    assert len(general) == 3
    shown = [w for w in general if w.same_as is None]
    assert [str(w.label) for w in shown] == ["UNESCO"]  # the most frequent comes first and carries the comment
    assert all(str(w.same_as) == "UNESCO" for w in general if w is not shown[0])
    assert by_label["ONU"].same_as is None and "ONU n" in str(by_label["ONU"].feedback)


def test_the_item_analysis_page_prints_a_shared_comment_once(app, client, world, busy_class):
    with app.app_context():
        session = db.session
        for username, first in (("felix.f", "Félix"), ("gina.g", "Gina")):
            student = _student(session, session.get(SchoolClass, world.class_a), username, first, "Gomez")
            take_quiz(session, student, QUIZ_MODULE, {"qe-court": "UNESCO" if first == "Félix" else "OMS"}, when=NOW - timedelta(hours=3))
        session.commit()
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}/devoirs/{busy_class.assignment}/analyse"))
    short = html.split("Quel organisme publie")[1].split("</section>")[0]
    assert "UNESCO" in short and "OMS" in short
    assert short.count("C’est l’Agence internationale de l’énergie, l’AIE.") == 1, short
    assert "Même commentaire que pour « " in short


def test_the_mastery_label_of_the_chart_stays_clear_of_the_bars_and_their_counts(app, client, world, busy_class):
    login(client, world.teacher.username)
    html = client.get(f"/classes/{world.class_a}/devoirs/{busy_class.assignment}/analyse").get_data(as_text=True)
    svg = html.split("<svg")[1].split("</svg>")[0]
    font = 12  # .chart text { font-size: 12px }
    label = re.search(r'<text class="tick[^"]*" x="(\d+)" y="(\d+)" text-anchor="(start|end)">maîtrise 80 %</text>', svg)
    assert label, svg
    label_x, label_y, anchor = int(label.group(1)), int(label.group(2)), label.group(3)
    counts = [int(y) for y in re.findall(r'<text class="count" x="\d+" y="(\d+)"', svg)]
    bars = [int(y) for y in re.findall(r'<rect class="bar[^"]*" x="\d+" y="(\d+)"', svg)]
    assert counts and bars
    # The label's descenders end a few pixels under its baseline; the highest count's capitals start a font size above its own.
    assert label_y + 4 < min(counts) - font and label_y + 4 < min(bars), (label_y, counts, bars)
    # And it stays inside the drawing (about 7 px per character at 12 px).
    width = 7 * len("maîtrise 80 %")
    left = label_x - width if anchor == "end" else label_x
    assert 0 <= left and left + width <= 460, (label_x, anchor)
