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


def _inputs(app, question, given) -> str:
    with app.app_context():
        macros = app.jinja_env.get_template("quiz/macros.html").module
        order = {"choices": question.choices, "items": question.items, "right_choices": question.right_choices}
        return str(macros.inputs(question, order, "a", True, given))


def test_an_answer_given_is_shown_selected_for_every_kind_of_question(app):
    import re

    ordering = build("""
        id: o
        type: ordering
        stem: Dans quel ordre ?
        items: [Un, Deux, Trois]
        feedback_incorrect: non
        explanation: E.
    """)
    one, two, three = ordering.items
    html = _inputs(app, ordering, [three.id, one.id, two.id])
    assert re.search(rf'name="position-{three.id}".*?<option value="1" selected>', html, re.S)
    assert re.search(rf'name="position-{one.id}".*?<option value="2" selected>', html, re.S)
    assert html.count(" selected") == 3
    matching = build("""
        id: m
        type: matching
        stem: Associe.
        pairs:
          - left: Chat
            right: Miaou
          - left: Chien
            right: Ouaf
        feedback_incorrect: non
        explanation: E.
    """)
    left = matching.pairs[0].left
    right = matching.right_choices[1]
    html = _inputs(app, matching, {left.id: right.id})
    assert re.search(rf'name="match-{left.id}".*?<option value="{right.id}" selected>', html, re.S)
    assert html.count(" selected") == 1
    numeric = build("""
        id: n
        type: numeric
        stem: Combien ?
        answer: 3
        feedback_incorrect: non
        explanation: E.
    """)
    assert 'value="3,5"' in _inputs(app, numeric, "3,5")
    multiple = build("""
        id: c
        type: multiple
        stem: Lesquelles ?
        options:
          - text: A
            correct: true
          - text: B
        feedback_incorrect: non
        explanation: E.
    """)
    first, second = multiple.choices
    html = _inputs(app, multiple, [second.id])
    assert re.search(rf'value="{second.id}"[^>]*checked', html) and not re.search(rf'value="{first.id}"[^>]*checked', html)
    # Nothing given: nothing selected.
    assert " checked" not in _inputs(app, multiple, None) and " selected" not in _inputs(app, ordering, None)
