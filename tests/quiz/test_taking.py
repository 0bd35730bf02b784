"""Taking a quiz over HTTP: answers saved one by one, once, and only valid ones."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.models import QuizAttempt
from tests.helpers import csrf_token_from, login, page_text

FIXTURES = Path(__file__).parent / "fixtures"
MODULE = "/modules/quiz-exemple"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COURSES_DIR": FIXTURES}


def _answered(app, user_id=None):
    with app.app_context():
        statement = select(func.count()).where(LearningEvent.verb == "answered")
        if user_id is not None:
            statement = statement.where(LearningEvent.user_id == user_id)
        return db.session.scalar(statement)


def _start(client):
    page = client.get(f"{MODULE}/quiz")
    response = client.post(f"{MODULE}/quiz/commencer", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    attempt_url = response.headers["Location"]
    question = client.get(attempt_url)
    assert question.status_code == 302
    return attempt_url, question.headers["Location"]


def _post(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _choice_id(html, text):
    match = re.search(rf'value="([0-9a-f]{{8}})" id="q-[^"]+"[^>]*>\s*<label for="[^"]+">{re.escape(text)}</label>', html)
    assert match, f"choice {text!r} not found"
    return match.group(1)


def _order_fields(client, url, order):
    html = client.get(url).get_data(as_text=True)
    fields = {}
    for position, text in enumerate(order, start=1):
        match = re.search(rf'<select name="(position-[0-9a-f]+)" id="([^"]+)"[^>]*>.*?</select>\s*<label for="\2">{re.escape(text)}</label>', html, re.S)
        assert match, text
        fields[match.group(1)] = str(position)
    return fields


def answer_all(client, first_url, *, right=True):
    """Answer the four questions of the fixture quiz; return the result page URL."""
    url = first_url
    html = client.get(url).get_data(as_text=True)
    response = _post(client, url, {"answer": _choice_id(html, "415" if right else "41,5")})
    assert response.status_code == 302
    url = re.search(r'href="([^"]+)">Question suivante', client.get(response.headers["Location"]).get_data(as_text=True)).group(1)
    _post(client, url, {"answer": "aie" if right else "onu"})
    url = re.search(r'href="([^"]+)">Question suivante', client.get(url).get_data(as_text=True)).group(1)
    _post(client, url, {"answer": "1,5" if right else "15"})
    url = re.search(r'href="([^"]+)">Question suivante', client.get(url).get_data(as_text=True)).group(1)
    order = ["Lire le cours", "Faire les activités", "Passer le quiz"]
    _post(client, url, _order_fields(client, url, order if right else list(reversed(order))))
    return re.search(r'href="([^"]+)">Voir mon résultat', client.get(url).get_data(as_text=True)).group(1)


def test_a_whole_quiz_with_feedback_after_each_answer(client, login_as, app):
    student = login_as("eleve")
    attempt_url, first = _start(client)
    page = page_text(client.get(first))
    assert "Question 1 sur 4" in page and "Combien de térawattheures" in page
    # One wrong answer, then the rest right.
    html = client.get(first).get_data(as_text=True)
    response = _post(client, first, {"answer": _choice_id(html, "4\u202f150")})  # thousands as the renderer writes them
    feedback = page_text(client.get(response.headers["Location"]))
    assert "Dix fois trop\u202f; c’est environ 415 TWh." in feedback
    assert "La bonne réponse :" in feedback and "L’AIE estime" in feedback
    url = re.search(r'href="([^"]+)">Question suivante', feedback).group(1)
    _post(client, url, {"answer": " a.i.e "})  # rejected: not the accepted answer after normalising
    url = re.search(r'href="([^"]+)">Question suivante', client.get(url).get_data(as_text=True)).group(1)
    _post(client, url, {"answer": "1,4"})
    url = re.search(r'href="([^"]+)">Question suivante', client.get(url).get_data(as_text=True)).group(1)
    _post(client, url, _order_fields(client, url, ["Lire le cours", "Faire les activités", "Passer le quiz"]))
    result_url = re.search(r'href="([^"]+)">Voir mon résultat', client.get(url).get_data(as_text=True)).group(1)
    result = page_text(client.get(result_url))
    assert "50 %" in result and "Le seuil de maîtrise est de 80 %" in result
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == student.id))
        assert attempt.status == "failed" and attempt.score == 0.5
        verbs = db.session.scalars(
            select(LearningEvent.verb).where(LearningEvent.registration == attempt.id).order_by(LearningEvent.occurred_at)
        ).all()
        assert verbs[0] == "attempted" and verbs.count("answered") == 4 and verbs[-1] == "failed"
        progress = db.session.get(ModuleProgress, (student.id, "quiz-exemple"))
        assert progress.quiz_failures == 1 and progress.quiz_best_score == 0.5


def test_passing_the_quiz(client, login_as, app):
    student = login_as("eleve")
    _, first = _start(client)
    result = page_text(client.get(answer_all(client, first)))
    assert "100 %" in result and "Bravo" in result
    with app.app_context():
        assert db.session.get(ModuleProgress, (student.id, "quiz-exemple")).quiz_passed_at is not None


def test_an_answer_sent_twice_is_recorded_once(client, login_as, app):
    student = login_as("eleve")
    _, first = _start(client)
    html = client.get(first).get_data(as_text=True)
    data = {"answer": _choice_id(html, "415"), "csrf_token": csrf_token_from(html)}
    assert client.post(first, data=data).status_code == 302
    # Double click, or the back button and the same form again.
    assert client.post(first, data=data).status_code == 302
    assert client.post(first, data={**data, "answer": _choice_id(html, "41,5")}).status_code == 302
    assert _answered(app, student.id) == 1
    assert "Bonne réponse" in page_text(client.get(first))


def test_the_laptop_dies_and_the_student_resumes_at_the_next_question(client, login_as, app):
    student = login_as("eleve")
    attempt_url, first = _start(client)
    html = client.get(first).get_data(as_text=True)
    _post(client, first, {"answer": _choice_id(html, "415")})
    # A new browser session, as after a restart: the same attempt, question 2.
    fresh = app.test_client()
    login(fresh, student.username)
    page = fresh.get(f"{MODULE}/quiz")
    assert "Reprendre le quiz" in page_text(page)
    response = fresh.post(f"{MODULE}/quiz/commencer", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == attempt_url
    second = fresh.get(attempt_url).headers["Location"]
    assert "Question 2 sur 4" in page_text(fresh.get(second))


@pytest.mark.parametrize(
    "data, status",
    [
        ({"answer": "z"}, 400),  # unknown option id
        ({}, 400),  # no answer at all
        ({"answer": ["a", "b"]}, 400),  # two answers to a one-answer question
        ({"answer": "x" * 5000}, 400),
    ],
)
def test_tampered_answers_are_refused_and_record_nothing(client, login_as, app, data, status):
    student = login_as("eleve")
    _, first = _start(client)
    token = csrf_token_from(client.get(first).get_data(as_text=True))
    response = client.post(first, data={**data, "csrf_token": token})
    assert response.status_code == status
    assert _answered(app, student.id) == 0


def test_another_students_attempt_is_forbidden(client, login_as, make_user, app):
    login_as("eleve")
    attempt_url, first = _start(client)
    intruder = app.test_client()
    login(intruder, make_user("eleve").username)
    assert intruder.get(attempt_url).status_code == 403
    assert intruder.get(first).status_code == 403
    token = csrf_token_from(intruder.get("/accueil").get_data(as_text=True))
    assert intruder.post(first, data={"answer": "a", "csrf_token": token}).status_code == 403
    assert _answered(app) == 0


def test_a_closed_attempt_and_foreign_questions_are_refused(client, login_as, app):
    student = login_as("eleve")
    attempt_url, first = _start(client)
    answer_all(client, first)
    count = _answered(app, student.id)
    token = csrf_token_from(client.get("/accueil").get_data(as_text=True))
    # A question of this quiz from another module's URL, and a question that is not in the quiz.
    assert client.post(f"{attempt_url}/qe-activite-vf", data={"answer": "true", "csrf_token": token}).status_code == 400
    assert client.post(f"{attempt_url}/inexistante", data={"answer": "a", "csrf_token": token}).status_code == 400
    assert client.get(f"{attempt_url}/inexistante").status_code == 404
    assert client.get("/modules/quiz-exemple/quiz/pas-un-uuid").status_code == 404
    assert _answered(app, student.id) == count


def test_answering_with_javascript_returns_the_feedback_without_a_page(client, login_as, app):
    login_as("eleve")
    _, first = _start(client)
    html = client.get(first).get_data(as_text=True)
    response = client.post(
        first,
        data={"answer": _choice_id(html, "415"), "csrf_token": csrf_token_from(html)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.is_json
    assert "Bonne réponse" in response.json["html"] and response.json["next_url"]
    bad = client.post(first, data={"answer": "zz", "csrf_token": csrf_token_from(html)}, headers={"Accept": "application/json"})
    assert bad.status_code in (200, 400)


def test_the_attempt_limit_is_kept(client, login_as, app, monkeypatch):
    login_as("eleve")
    from lycee_ia.content.catalogue import get_catalogue

    import dataclasses

    with app.app_context():
        catalogue = get_catalogue()
        module = catalogue.modules["quiz-exemple"]
        limited = dataclasses.replace(module.quiz, settings=dataclasses.replace(module.quiz.settings, attempts=1))
        # This app's catalogue only: the module objects are shared between tests.
        catalogue.modules["quiz-exemple"] = dataclasses.replace(module, quiz=limited)
    _, first = _start(client)
    answer_all(client, first)
    page = client.get(f"{MODULE}/quiz")
    response = client.post(f"{MODULE}/quiz/commencer", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 403
    assert "tentative" in page_text(response)


def test_an_activity_is_answered_in_the_section_and_recorded_once(client, login_as, app):
    student = login_as("eleve")
    section = f"{MODULE}/partie/debut"
    html = client.get(section).get_data(as_text=True)
    form = re.search(r'action="([^"]*/activite/qe-activite-vf)"', html).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    data = {"answer": "true", "nonce": nonce, "csrf_token": csrf_token_from(html)}
    response = client.post(form, data=data)
    assert response.status_code == 302 and "#activite-qe-activite-vf" in response.headers["Location"]
    assert client.post(form, data=data).status_code == 302
    assert _answered(app, student.id) == 1
    shown = page_text(client.get(response.headers["Location"]))
    assert "Non, une activité sert à s’entraîner" in shown and "Seul le quiz final est noté." in shown
    # The activity of another section cannot be answered from this one.
    other = form.replace("qe-activite-vf", "qe-activite-choix")
    assert client.post(other, data={**data, "answer": "a"}).status_code == 400
    with app.app_context():
        event = db.session.scalar(select(LearningEvent).where(LearningEvent.verb == "answered"))
        assert event.context == {"activity": True} and event.registration is None


def test_an_activity_keeps_the_choice_made_and_offers_to_try_again(client, login_as, app):
    student = login_as("eleve")
    section = f"{MODULE}/partie/debut"
    html = client.get(section).get_data(as_text=True)
    form = re.search(r'action="([^"]*/activite/qe-activite-vf)"', html).group(1)
    first_nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    response = client.post(form, data={"answer": "true", "nonce": first_nonce, "csrf_token": csrf_token_from(html)})
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    activity = shown[shown.index('id="activite-qe-activite-vf"'):]
    activity = activity[: activity.index("</section>")]
    # The answer given stays selected, with its feedback, in a form that can be sent again.
    assert re.search(r'value="true" id="[^"]+-vrai" required checked', activity)
    assert not re.search(r'value="false"[^>]*checked', activity)
    assert "Non, une activité sert à s’entraîner" in page_text_of(activity)
    assert re.search(r'<button type="submit"[^>]*>Réessayer</button>', activity)
    second_nonce = re.search(r'name="nonce" value="([^"]+)"', activity).group(1)
    assert second_nonce != first_nonce
    # « Réessayer » with another choice is a new answer, shown selected in its turn.
    again = client.post(form, data={"answer": "false", "nonce": second_nonce, "csrf_token": csrf_token_from(shown)})
    assert again.status_code == 302
    assert _answered(app, student.id) == 2
    retried = page_text_of(client.get(again.headers["Location"]).get_data(as_text=True))
    assert re.search(r'value="false" id="[^"]+-faux" checked', retried)
    assert "Exact, elle sert à s’entraîner." in retried


def test_an_activity_answered_with_javascript_gets_a_new_nonce_to_try_again(client, login_as, app):
    student = login_as("eleve")
    html = client.get(f"{MODULE}/partie/debut").get_data(as_text=True)
    form = re.search(r'action="([^"]*/activite/qe-activite-vf)"', html).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    reply = client.post(
        form, data={"answer": "true", "nonce": nonce, "csrf_token": csrf_token_from(html)}, headers={"Accept": "application/json"}
    )
    assert reply.status_code == 200 and reply.json["nonce"] and reply.json["nonce"] != nonce
    again = client.post(
        form, data={"answer": "false", "nonce": reply.json["nonce"], "csrf_token": csrf_token_from(html)},
        headers={"Accept": "application/json"},
    )
    assert "Exact" in again.json["html"] and _answered(app, student.id) == 2


def page_text_of(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)
