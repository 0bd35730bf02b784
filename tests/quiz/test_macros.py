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


def _key_text(app, question, key) -> str:
    with app.app_context():
        macros = app.jinja_env.get_template("quiz/macros.html").module
        return str(macros.key_text(question, key))


def test_a_whole_number_key_is_written_as_a_french_reader_writes_it(app):
    question = build("""
        id: n
        type: numeric
        stem: Combien ?
        answer: 4167
        tolerance: 70
        feedback_incorrect: non
        explanation: E.
    """)
    assert _key_text(app, question, None) == "4\u202f167 (à 70 près)"


def test_a_decimal_range_key_uses_a_decimal_comma(app):
    question = build("""
        id: n
        type: numeric
        stem: Combien ?
        range: [2.5, 12000]
        feedback_incorrect: non
        explanation: E.
    """)
    assert _key_text(app, question, None) == "entre 2,5 et 12\u202f000"


def test_several_chosen_options_read_as_sentences(app):
    question = build("""
        id: m
        type: multiple
        stem: Lesquelles ?
        options:
          - text: Les paroles.
            correct: true
          - text: Le message.
            correct: true
          - text: Rien
        feedback_incorrect: non
        explanation: E.
    """)
    first, second, _ = question.choices
    assert _answer_text(app, question, [first.id, second.id]) == "Les paroles. Le message."


def test_a_short_answer_key_is_quoted_once(app):
    question = build("""
        id: s
        type: short
        stem: Quel mot ?
        accepted: ["« biais »", algorithme]
        feedback_incorrect: non
        explanation: E.
    """)
    assert _key_text(app, question, None) == "« biais » ou «\u00a0algorithme\u00a0»"
