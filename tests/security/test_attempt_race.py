"""Racing « Commencer »: the attempt limit holds when several workers start attempts at once.

Four threads, each with its own client (so its own request, session and
database connection), post « Commencer » for a quiz allowed once. A barrier
placed just after the limit check holds every request that passed it until
all four are there: without a lock in the database, all four pass it and
four attempts start. With the lock, the first request holds it while it
waits; the barrier gives up after a while (its timeout only bounds how long
the first one waits, no assertion depends on time), the first attempt is
committed, and the three others, counting after it, are refused.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select

from lycee_ia.accounts.models import Role
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db
from lycee_ia.quiz import services
from lycee_ia.quiz.models import QuizAttempt
from tests.helpers import csrf_token_from, login
from tests.security.pushes import MODULE, QUIZ_FIXTURES

WORKERS = 4


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": QUIZ_FIXTURES}


def test_racing_starts_never_pass_the_attempt_limit(app, make_user, monkeypatch):
    student = make_user(Role.STUDENT, username="rapide")
    with app.app_context():
        catalogue = get_catalogue()
        module = catalogue.modules[MODULE]
        once = dataclasses.replace(module.quiz, settings=dataclasses.replace(module.quiz.settings, attempts=1))
        catalogue.modules[MODULE] = dataclasses.replace(module, quiz=once)

    barrier = threading.Barrier(WORKERS, timeout=3)
    real_ensure = services.ensure_module_version

    def ensure_after_everyone_checked(session, module):
        # Reached only by a request that found the limit not yet used.
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real_ensure(session, module)

    monkeypatch.setattr(services, "ensure_module_version", ensure_after_everyone_checked)

    clients = []
    for _ in range(WORKERS):
        client = app.test_client()
        login(client, student.username)
        token = csrf_token_from(client.get(f"/modules/{MODULE}/quiz").get_data(as_text=True))
        clients.append((client, token))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def start(client, token):
        try:
            response = client.post(f"/modules/{MODULE}/quiz/commencer", data={"csrf_token": token})
            statuses.append(response.status_code)
        except BaseException as error:  # reported below, never swallowed
            errors.append(error)

    threads = [threading.Thread(target=start, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        started = db.session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.user_id == student.id)
        )
    assert started == 1
    # One start, and the others either resume that open attempt or are refused: never a 500.
    assert sorted(statuses).count(302) >= 1 and set(statuses) <= {302, 403}
