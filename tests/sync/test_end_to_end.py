"""Done means: two app processes (the school server, on PostgreSQL in the PostgreSQL run,
and a laptop on SQLite), a student who enrols, works offline, and whose results reach
the server by HTTP, then by a USB bundle."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lycee_ia.accounts.models import Role
from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.grading import correct_answer
from lycee_ia.quiz.models import QuizAttempt
from tests.helpers import TEST_PASSWORD
from tests.sync.processes import ServerProcess, free_port
from tests.sync.support import QUIZ_FIXTURES
from tests.sync.web import WebClient

MODULE = "quiz-exemple"


@pytest.fixture
def laptop_process(make_laptop, server_process, tmp_path):
    handle = make_laptop("portable")
    port = free_port()
    env = handle.env(
        PORT=str(port), LYCEE_IA_SERVER_URL=server_process.url, LYCEE_IA_SYNC_INTERVAL="2",
    )
    process = ServerProcess(env, port, tmp_path / "laptop.log")
    process.start()
    handle.process = process
    yield handle
    process.stop()


def _form_for(question) -> dict:
    answer = correct_answer(question)
    if question.type == "ordering":
        return {f"position-{item_id}": str(position) for position, item_id in enumerate(answer, start=1)}
    if question.type == "matching":
        return {f"match-{left}": right for left, right in answer.items()}
    if question.type == "truefalse":
        return {"answer": "true" if answer else "false"}
    return {"answer": answer}


def _take_module_and_quiz(web: WebClient) -> None:
    """Read every section, then answer the whole quiz right, as the student would."""
    module = build_catalogue(QUIZ_FIXTURES.parent)[0].modules[MODULE]
    for section in module.sections:
        assert web.get(f"/modules/{MODULE}/partie/{section.id}").status == 200
    home = web.get(f"/modules/{MODULE}/quiz")
    page = web.post(f"/modules/{MODULE}/quiz/commencer", {}, token=home.csrf())
    for _ in range(len(module.quiz.questions)):
        match = re.search(rf"/modules/{MODULE}/quiz/([0-9a-f-]+)/([^/?#]+)$", page.url)
        assert match, page.url
        question = next(q for q in module.quiz.questions if q.id == match.group(2))
        page = web.post("/" + page.url.split("/", 3)[3], _form_for(question), token=page.csrf())
        assert page.status == 200, page.status
        if "/quiz/" in page.url and page.url.rstrip("/").endswith(match.group(2)):
            # Feedback after the answer: follow "next".
            next_link = re.search(r'href="(/modules/[^"]+/quiz/[^"]+)"', page.body.decode())
            page = web.get(next_link.group(1))
    assert "Résultat du quiz" in page.text and "100 %" in page.text, page.text[:2000]


def _server_summary(app, username: str) -> tuple[int, dict | None, list[str]]:
    with app.app_context():
        from lycee_ia.accounts.models import User

        user = db.session.scalar(select(User).where(User.username == username))
        count = db.session.scalar(select(func.count()).select_from(LearningEvent).where(LearningEvent.user_id == user.id))
        row = db.session.get(ModuleProgress, (user.id, MODULE))
        progress = None if row is None else {
            "completed_at": row.completed_at, "quiz_passed_at": row.quiz_passed_at, "quiz_attempts": row.quiz_attempts
        }
        statuses = db.session.scalars(select(QuizAttempt.status).where(QuizAttempt.user_id == user.id)).all()
        db.session.rollback()
        return count, progress, list(statuses)


def _laptop_count(handle) -> int:
    with handle.app.app_context():
        count = db.session.scalar(select(func.count()).select_from(LearningEvent))
        db.session.rollback()
        return count


def test_enrol_work_offline_then_sync_by_http_and_by_usb_bundle(app, make_user, server_process, laptop_process):
    student = make_user(Role.STUDENT, username="lea", first_name="Léa")
    teacher = make_user(Role.TEACHER, username="prof")
    with app.app_context():
        from lycee_ia.accounts.models import User
        from lycee_ia.content.catalogue import get_catalogue
        from lycee_ia.db import utcnow
        from lycee_ia.teaching import services as teaching

        teacher_row = db.session.get(User, teacher.id)
        school_class = teaching.create_class(db.session, actor=teacher_row, name="2nde 3", school=None)
        teaching.enrol(db.session, school_class, db.session.get(User, student.id))
        teaching.assign_module(
            db.session, actor=teacher_row, school_class=school_class, module=get_catalogue(app).modules[MODULE],
            group=None, opens_at=utcnow(), due_at=None,
        )
        db.session.commit()
        class_id = school_class.id

    # 1. Enrol the laptop through its own page (the server is reachable).
    laptop = WebClient(laptop_process.process.url)
    page = laptop.submit("/synchronisation/inscription", "/synchronisation/inscription", {"username": "lea", "password": TEST_PASSWORD})
    assert page.status == 200 and "/accueil" in page.url, page.text[:1500]

    # 2. Offline: the server is stopped; the student takes the module and its quiz.
    server_process.stop()
    _take_module_and_quiz(laptop)
    made = _laptop_count(laptop_process)
    status = laptop.get("/synchronisation")
    assert f"Traces en attente d'envoi</dt><dd>{made}" in status.text
    failed = laptop.post("/synchronisation/maintenant", {}, token=status.csrf())
    assert "n'a pas abouti" in failed.text

    # 3. Back online: "Synchroniser", and the results are on the server.
    server_process.start()
    status = laptop.get("/synchronisation")
    done = laptop.post("/synchronisation/maintenant", {}, token=status.csrf())
    assert "Synchronisation réussie" in done.text, done.text[:2000]
    assert "Traces en attente d'envoi</dt><dd>0" in done.text
    count, progress, statuses = _server_summary(app, "lea")
    assert count == made
    assert progress is not None and progress["completed_at"] is not None and progress["quiz_passed_at"] is not None
    assert statuses == ["passed"]
    # The teacher's dashboard on the server shows the work done offline.
    server_web = WebClient(server_process.url)
    server_web.login("prof", TEST_PASSWORD)
    dashboard = server_web.get(f"/classes/{class_id}")
    assert dashboard.status == 200 and "Léa" in dashboard.text
    row = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]+>Léa[^<]*</a></th>(.*?)</tr>", dashboard.text, re.S)
    assert row and "st-mastered" in row.group(1) and "100 %" in row.group(1), dashboard.text[:4000]

    # 4. The same through a USB bundle: offline again, a second attempt, a bundle on a key.
    server_process.stop()
    _take_module_and_quiz(laptop)
    status = laptop.get("/synchronisation")
    bundle = laptop.post("/synchronisation/paquet", {}, token=status.csrf())
    assert bundle.status == 200 and bundle.body.startswith(b"LYCEE-IA-SIGNED 1\n")
    server_process.start()
    devices = server_web.get("/ordinateurs")
    assert "Léa" in devices.text
    imported = server_web.upload("/ordinateurs/importer", "bundle", "traces.lia", bundle.body, devices.csrf())
    assert imported.status == 200 and "Paquet importé" in imported.text, imported.text[:2000]
    again = server_web.upload("/ordinateurs/importer", "bundle", "traces.lia", bundle.body, devices.csrf())
    assert "0 trace nouvelle" in again.text
    count, progress, statuses = _server_summary(app, "lea")
    assert count == _laptop_count(laptop_process)
    assert sorted(statuses) == ["passed", "passed"] and progress["quiz_attempts"] == 2

    # 5. And back: the teacher's bundle for the laptop confirms every event.
    link = re.search(r'href="(/ordinateurs/\d+/paquet)"', devices.body.decode()).group(1)
    reverse = server_web.get(link)
    assert reverse.status == 200
    status = laptop.get("/synchronisation")
    answer = laptop.upload("/synchronisation/importer", "bundle", "serveur.lia", reverse.body, status.csrf())
    assert "Paquet du serveur importé" in answer.text and "Traces en attente d'envoi</dt><dd>0" in answer.text
