"""No answer key reaches the browser before the answer is given.

Every quiz question page and every section holding activities, of every
module (the shipped ones and the test fixtures), is fetched as a student or a
staff member would see it, and searched for anything that gives the answer
away: feedback texts, explanations, accepted answers, correctness markers,
ordering items shown in their right order.
"""

import re
from pathlib import Path

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.content.render import text_of
from tests.helpers import csrf_token_from, page_text

ROOT = Path(__file__).resolve().parents[2]
COURSE_DIRS = [ROOT / "courses", ROOT / "tests" / "quiz" / "fixtures", ROOT / "tests" / "content" / "fixtures"]


def _modules():
    for root in COURSE_DIRS:
        catalogue, _ = build_catalogue(root)
        for module in catalogue.modules.values():
            if module.quiz or module.activities:
                yield pytest.param(root, module.id, id=module.id)


def _secrets(question):
    """Texts the page must not hold before the answer: (label, plain text)."""
    found = []
    for choice in question.choices:
        if choice.feedback:
            found.append(("feedback of a choice", choice.feedback))
    for label, value in (
        ("feedback if true", question.feedback_true),
        ("feedback if false", question.feedback_false),
        ("feedback if right", question.feedback_correct),
        ("feedback if wrong", question.feedback_incorrect),
        ("explanation", question.explanation),
    ):
        if value:
            found.append((label, value))
    found.extend(("feedback of a foreseen answer", a.feedback) for a in question.anticipated if a.feedback)
    found.extend(("feedback of a numeric answer", a.feedback) for a in question.numeric_answers if a.feedback)
    return [(label, " ".join(text_of(value).split())) for label, value in found if len(text_of(value).strip()) > 3]


def _form_of(html, question_id):
    forms = re.findall(r"<form[^>]*data-answer[^>]*>.*?</form>", html, re.S)
    return next(f for f in forms if question_id in f) if len(forms) > 1 else forms[0]


def _check(html, question):
    text = " ".join(page_text_from(html).split())
    problems = [f"{label}: {secret[:60]!r}" for label, secret in _secrets(question) if secret in text]
    form = _form_of(html, question.id)
    if re.search(r"\b(correct|checked|data-key|data-answer-key)\b", form.replace("data-answer", "")):
        problems.append("a correctness marker in the form")
    stem_text = text_of(question.stem).lower()
    for accepted in question.accepted:
        if len(accepted) >= 3 and accepted.lower() not in stem_text and accepted.lower() in text_of(form).lower():
            problems.append(f"accepted answer {accepted!r} in the form")
    if question.type == "ordering":
        shown = [m for m in re.findall(r'name="position-([0-9a-f]+)"', form)]
        if shown == [item.id for item in question.items]:
            problems.append("ordering items shown in their right order")
    return problems


def page_text_from(html):
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("root, module_id", list(_modules()))
def test_no_page_holds_the_key_before_the_answer(app_config, root, module_id, make_user):
    from lycee_ia import create_app
    from tests.helpers import login

    from tests.conftest import shared_catalogue

    app = create_app({**app_config, "COURSES_DIR": root})
    app.extensions["lycee_ia.catalogue"] = shared_catalogue(root)
    module = app.extensions["lycee_ia.catalogue"].modules[module_id]
    user = make_user("eleve" if module.audience == "eleve" else "personnel")
    client = app.test_client()
    login(client, user.username)
    problems = []
    for section in module.sections:
        if not section.activities:
            continue
        html = client.get(f"/modules/{module.id}/partie/{section.id}").get_data(as_text=True)
        for question_id in section.activities:
            problems.extend(f"section {section.id}, {question_id}: {p}" for p in _check(html, module.activities[question_id]))
    if module.quiz:
        page = client.get(f"/modules/{module.id}/quiz")
        start = client.post(f"/modules/{module.id}/quiz/commencer", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
        attempt_url = start.headers["Location"]
        for question in module.quiz.questions:
            response = client.get(f"{attempt_url}/{question.id}")
            assert response.status_code == 200, f"{question.id}: {response.status_code}"
            problems.extend(f"quiz, {question.id}: {p}" for p in _check(response.get_data(as_text=True), question))
    app.extensions["lycee_ia.db"]["engine"].dispose()
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_key_when_there_is_one():
    """The check itself can fail: a page that shows a feedback text is caught."""
    from lycee_ia.quiz.model import Choice, Question

    question = Question(
        id="q", type="single", stem="Question ?", explanation="Parce que.",
        choices=(Choice("x1", "Oui", True, None, "C'est la bonne réponse."), Choice("x2", "Non", False, None, "Non, relis le cours.")),
    )
    form = '<form data-answer><input value="x1" id="q-x1"><label>Oui</label></form>'
    assert _check(form + "<p>Non, relis le cours.</p>", question) == ["feedback of a choice: 'Non, relis le cours.'"]
    assert _check('<form data-answer><input value="x1" checked></form>', question) == ["a correctness marker in the form"]
