"""The answer-in-words macro shared by feedback, the result page and the teacher's student detail."""

from __future__ import annotations

from tests.quiz.questions import build


def _answer_text(app, question, value) -> str:
    with app.app_context():
        macros = app.jinja_env.get_template("quiz/macros.html").module
        return str(macros.answer_text(question, value))


def test_an_ordering_answer_is_numbered_by_its_position(app):
    question = build("""
        id: o
        type: ordering
        stem: Dans quel ordre ?
        items: [Lire la source, Chercher l'auteur, Comparer avec une autre source]
        feedback_incorrect: non
        explanation: E.
    """)
    first, second, third = question.items
    text = _answer_text(app, question, [third.id, first.id, second.id])
    assert text == (
        "1. Comparer avec une autre source → 2. Lire la source → 3. Chercher l'auteur"
    )


def test_an_unknown_item_in_a_stored_ordering_answer_shows_a_dash(app):
    question = build("""
        id: o
        type: ordering
        stem: Dans quel ordre ?
        items: [Un, Deux]
        feedback_incorrect: non
        explanation: E.
    """)
    text = _answer_text(app, question, ["inconnu", question.items[0].id])
    assert text == "1. — → 2. Un"
