"""Grading: every type and edge case by example, then properties checked by hypothesis."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from lycee_ia.quiz.grading import (
    MAX_ANSWER_LENGTH,
    answer_from_form,
    check_answer,
    choice_weight,
    correct_answer,
    format_number,
    grade,
    normalize_text,
    parse_number,
)
from lycee_ia.quiz.model import AnswerError, GradeResult, NotGradable, Question
from tests.quiz.questions import build, lettered, questions

SINGLE = lettered(build("""
    id: hallucination
    type: single
    stem: Qu'appelle-t-on une hallucination ?
    options:
      - text: Une réponse fausse présentée avec assurance.
        correct: true
        feedback: Oui.
      - text: Un bug.
        feedback: Non, l'application fonctionne.
      - text: Une image générée.
        score: 0.25
        feedback: Presque.
      - text: Une panne de courant.
        score: -0.5
    explanation: Le modèle prédit un texte plausible.
"""))

MULTIPLE = lettered(build("""
    id: premiers
    type: multiple
    stem: Lesquels sont premiers ?
    options:
      - text: "2"
        correct: true
        feedback: Oui, le seul pair.
      - text: "4"
        feedback: 4 = 2 × 2.
      - text: "3"
        correct: true
      - text: "9"
        feedback: 9 = 3 × 3.
    feedback_incorrect: Un nombre premier n'a que deux diviseurs.
    explanation: 2 et 3 sont premiers.
"""))

TRUEFALSE = lettered(build("""
    id: majorite
    type: truefalse
    stem: On peut consentir seul dès 15 ans.
    answer: true
    feedback:
      true: Exact.
      false: Si, dès 15 ans.
    explanation: Article 45.
"""))

SHORT = lettered(build("""
    id: donnees
    type: short
    stem: Les données d'…
    accepted: [entraînement, apprentissage]
    anticipated:
      - text: test
        feedback: Les données de test servent après.
      - text: entraîner
        score: 0.5
        feedback: Presque, c'est le nom qu'on attend.
    feedback_correct: Bravo.
    feedback_incorrect: On parle des données d'entraînement.
    explanation: Le modèle ajuste ses paramètres.
"""))

NUMERIC = lettered(build("""
    id: part
    type: numeric
    stem: Quelle part, en % ?
    answer: 1.5
    tolerance: 0.3
    anticipated:
      - value: 15
        feedback: Dix fois trop.
    feedback_correct: Oui, environ 1,5 %.
    feedback_incorrect: C'est environ 1,5 %.
    explanation: 415 TWh.
"""))

NUMERIC_SEVERAL = lettered(build("""
    id: naissance
    type: numeric
    stem: En quelle année ?
    answers:
      - value: 1822
        feedback: Exact.
      - range: [1820, 1824]
        score: 0.5
        feedback: À deux ans près.
      - value: 1900
        score: 0
        feedback: Bien plus tôt.
    feedback_incorrect: C'était en 1822.
    explanation: 27 avril 1822.
"""))

ORDERING = lettered(build("""
    id: etapes
    type: ordering
    stem: Remettez dans l'ordre.
    items:
      - Collecter
      - Entraîner
      - Tester
      - Utiliser
    feedback_correct: Bien.
    feedback_incorrect: On teste après avoir entraîné.
    explanation: Collecte, entraînement, test, utilisation.
"""))

MATCHING = lettered(build("""
    id: associer
    type: matching
    stem: Associez.
    pairs:
      - left: Vidéo truquée
        right: Hypertrucage
      - left: Fil d'actualité semblable
        right: Bulle de filtres
      - left: Image retouchée
        right: Hypertrucage
    distractors: [Hallucination]
    feedback_incorrect: Deux mécanismes.
    explanation: Deux parades.
"""))

SCALE = lettered(build("""
    id: auto
    type: scale
    stem: Je sais expliquer.
    scale: [Pas du tout, Plutôt non, Plutôt oui, Tout à fait]
    explanation: Revenez à la section 2.
"""))

EVERY_GRADED = [SINGLE, MULTIPLE, TRUEFALSE, SHORT, NUMERIC, NUMERIC_SEVERAL, ORDERING, MATCHING]


def ids_of(question: Question) -> dict[str, str]:
    """Item ids by text, for ordering and matching questions."""
    return {item.text: item.id for item in (*question.items, *question.right_choices,
                                            *(pair.left for pair in question.pairs))}


# --- numbers and text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3,14", 3.14), ("3.14", 3.14), ("-2", -2.0), (" 1 500 ", 1500.0), ("1\u00a0500,5", 1500.5),
        ("1\u202f000\u202f000", 1_000_000.0), ("\u22122,5", -2.5), ("+7", 7.0), (",5", 0.5), ("0.5", 0.5),
        ("1,5e3", 1500.0), ("42", 42.0), ("007", 7.0),
    ],
)
def test_parse_number_reads_french_and_english_writing(typed, value):
    assert parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize(
    "typed",
    ["abc", "", "   ", "3,14,15", "1.2.3", "12 34", "1 50", "nan", "inf", "-inf", "1e999", "3 %", "2 m", "--1",
     "1,", ".", "0x10", "1_000", "½", "٣"],
)
def test_parse_number_refuses_what_is_not_a_number(typed):
    with pytest.raises(AnswerError):
        parse_number(typed)


def test_parse_number_refuses_non_strings_and_long_strings():
    for value in (3.14, None, ["1"], True):
        with pytest.raises(AnswerError):
            parse_number(value)  # type: ignore[arg-type]
    with pytest.raises(AnswerError, match="trop longue"):
        parse_number("1" * (MAX_ANSWER_LENGTH + 1))


@pytest.mark.parametrize(("value", "text"), [(1.5, "1,5"), (1822.0, "1822"), (-0.25, "-0,25"), (1e20, "1e+20")])
def test_format_number_is_french_and_reads_back(value, text):
    assert format_number(value) == text
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Entraînement", "entrainement"), ("  l’IA  générative ", "l'ia generative"), ("« Paris »", "paris"),
        ("Paris.", "paris"), ("ŒUVRE", "oeuvre"), ("“quote”", "quote"), ("a\u00a0 b", "a b"), ("(test) !", "test"),
        ("Straße", "strasse"),
    ],
)
def test_normalize_text_ignores_case_accents_spaces_quotes(a, b):
    assert normalize_text(a) == normalize_text(b)


def test_normalize_text_keeps_signs_that_mean_something():
    assert normalize_text("C++") != normalize_text("C")
    assert normalize_text("-5") != normalize_text("5")
    assert normalize_text("l'ia") != normalize_text("lia")


# --- single ---------------------------------------------------------------------------------


def test_single_correct_choice_scores_one_with_its_feedback():
    assert grade(SINGLE, "a") == GradeResult(1.0, True, ("Oui.",))


def test_single_wrong_choice_scores_zero_with_its_feedback():
    assert grade(SINGLE, "b") == GradeResult(0.0, False, ("Non, l'application fonctionne.",))


def test_single_partial_and_negative_scores_are_clamped():
    assert grade(SINGLE, "c") == GradeResult(0.25, False, ("Presque.",))
    assert grade(SINGLE, "d") == GradeResult(0.0, False, ())


def test_single_adds_the_outcome_feedback_after_the_choice_feedback():
    question = dataclasses.replace(SINGLE, feedback_correct="Bien vu.", feedback_incorrect="Relisez.")
    assert grade(question, "a").feedback == ("Oui.", "Bien vu.")
    assert grade(question, "d").feedback == ("Relisez.",)


@pytest.mark.parametrize("answer", ["z", "", "A", ["a"], 0, None, True, {"a": 1}, "a" * 2000])
def test_single_malformed_answers(answer):
    with pytest.raises(AnswerError):
        grade(SINGLE, answer)


# --- multiple -------------------------------------------------------------------------------


def test_multiple_exact_set_scores_one_in_any_order():
    assert grade(MULTIPLE, ["c", "a"]) == GradeResult(
        1.0, True, ("Oui, le seul pair.",)
    )


def test_multiple_partial_credit_and_cost_of_wrong_picks():
    # two correct choices: each is worth 1/2, each wrong pick costs 1/2
    assert grade(MULTIPLE, ["a"]).score == pytest.approx(0.5)
    assert not grade(MULTIPLE, ["a"]).correct
    assert grade(MULTIPLE, ["a", "c", "b"]).score == pytest.approx(0.5)
    assert grade(MULTIPLE, ["a", "b"]).score == 0.0
    assert grade(MULTIPLE, ["b", "d"]).score == 0.0  # clamped, not negative
    assert grade(MULTIPLE, ["a", "b", "c", "d"]).score == 0.0


def test_multiple_no_pick_is_a_valid_answer_worth_zero():
    assert grade(MULTIPLE, []) == GradeResult(0.0, False, ("Un nombre premier n'a que deux diviseurs.",))


def test_multiple_feedback_follows_the_written_order_of_choices():
    result = grade(MULTIPLE, ["d", "b", "a"])
    assert result.feedback == ("Oui, le seul pair.", "4 = 2 × 2.", "9 = 3 × 3.",
                               "Un nombre premier n'a que deux diviseurs.")


def test_multiple_explicit_weights():
    question = lettered(build("""
        id: poids
        type: multiple
        stem: Cochez.
        options:
          - {text: A, correct: true, score: 0.7, feedback: a}
          - {text: B, correct: true, score: 0.3, feedback: b}
          - {text: C, score: -0.1, feedback: c}
          - {text: D, score: 0, feedback: d}
        explanation: E.
    """))
    assert choice_weight(question, question.choices[0]) == 0.7
    assert grade(question, ["a"]).score == pytest.approx(0.7)
    assert grade(question, ["b", "c"]).score == pytest.approx(0.2)
    assert grade(question, ["a", "b", "d"]) == GradeResult(1.0, False, ("a", "b", "d"))
    assert grade(question, ["a", "b"]).correct


def test_multiple_thirds_add_up_to_one():
    question = lettered(build("""
        id: tiers
        type: multiple
        stem: Cochez.
        options:
          - {text: A, correct: true, score: 0.333}
          - {text: B, correct: true, score: 0.333}
          - {text: C, correct: true, score: 0.333}
          - {text: D, feedback: non}
        explanation: E.
    """))
    assert grade(question, ["a", "b", "c"]).score == 1.0


def test_choice_weight_defaults():
    assert [choice_weight(MULTIPLE, c) for c in MULTIPLE.choices] == [0.5, -0.5, 0.5, -0.5]
    assert [choice_weight(SINGLE, c) for c in SINGLE.choices] == [1.0, 0.0, 0.25, -0.5]


@pytest.mark.parametrize("answer", ["a", ["a", "a"], ["z"], [1], ("a", None), None, {"a": True}, [["a"]]])
def test_multiple_malformed_answers(answer):
    with pytest.raises(AnswerError):
        grade(MULTIPLE, answer)


def test_multiple_accepts_a_tuple_and_normalises_order():
    assert check_answer(MULTIPLE, ("c", "a")) == ["a", "c"]


# --- truefalse ---------------------------------------------------------------------------------


def test_truefalse_feedback_is_the_one_written_for_the_answer_given():
    assert grade(TRUEFALSE, True) == GradeResult(1.0, True, ("Exact.",))
    assert grade(TRUEFALSE, False) == GradeResult(0.0, False, ("Si, dès 15 ans.",))


@pytest.mark.parametrize("answer", ["true", 1, 0, None, [True]])
def test_truefalse_malformed_answers(answer):
    with pytest.raises(AnswerError):
        grade(TRUEFALSE, answer)


# --- short ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["entraînement", "ENTRAINEMENT", "  Entrainement. ", "« apprentissage »",
                                   "Apprentissage !"])
def test_short_accepted_after_normalising(typed):
    assert grade(SHORT, typed) == GradeResult(1.0, True, ("Bravo.",))


def test_short_anticipated_answer_gets_its_feedback_and_score():
    assert grade(SHORT, "Test") == GradeResult(0.0, False, ("Les données de test servent après.",))
    assert grade(SHORT, "entraîner") == GradeResult(0.5, False, ("Presque, c'est le nom qu'on attend.",))


def test_short_other_answer_gets_the_incorrect_feedback():
    assert grade(SHORT, "validation") == GradeResult(0.0, False, ("On parle des données d'entraînement.",))


def test_short_typographic_apostrophes():
    question = lettered(build("""
        id: apostrophe
        type: short
        stem: Qui ?
        accepted: ["l'intelligence artificielle"]
        feedback_incorrect: non
        explanation: E.
    """))
    assert grade(question, "L’Intelligence  artificielle").correct


@pytest.mark.parametrize("answer", ["", "   ", None, 12, ["entraînement"], "x" * (MAX_ANSWER_LENGTH + 1)])
def test_short_malformed_answers(answer):
    with pytest.raises(AnswerError):
        grade(SHORT, answer)


# --- numeric --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1,5", "1.5", "1,2", "1.8", " 1,79 ", "1,20"])
def test_numeric_within_tolerance(typed):
    assert grade(NUMERIC, typed) == GradeResult(1.0, True, ("Oui, environ 1,5 %.",))


def test_numeric_outside_tolerance_and_anticipated():
    assert grade(NUMERIC, "1,81") == GradeResult(0.0, False, ("C'est environ 1,5 %.",))
    assert grade(NUMERIC, "15") == GradeResult(0.0, False, ("Dix fois trop.",))
    assert grade(NUMERIC, "15,0") == GradeResult(0.0, False, ("Dix fois trop.",))


def test_numeric_range():
    question = lettered(build("""
        id: intervalle
        type: numeric
        stem: Un nombre de 1 à 5.
        range: [1, 5]
        feedback_incorrect: Entre 1 et 5.
        explanation: E.
    """))
    assert grade(question, "1").correct
    assert grade(question, "5").correct
    assert grade(question, "3,3").correct
    assert grade(question, "5,01") == GradeResult(0.0, False, ("Entre 1 et 5.",))
    assert grade(question, "-1").score == 0.0


def test_numeric_several_answers_best_score_wins():
    assert grade(NUMERIC_SEVERAL, "1822") == GradeResult(1.0, True, ("Exact.",))
    assert grade(NUMERIC_SEVERAL, "1 821") == GradeResult(0.5, False, ("À deux ans près.",))
    assert grade(NUMERIC_SEVERAL, "1900") == GradeResult(0.0, False, ("Bien plus tôt.",))
    assert grade(NUMERIC_SEVERAL, "2000") == GradeResult(0.0, False, ("C'était en 1822.",))


def test_numeric_partial_answer_without_feedback_shows_the_incorrect_feedback():
    question = lettered(build("""
        id: partiel
        type: numeric
        stem: Combien ?
        answers:
          - value: 10
          - value: 10
            tolerance: 2
            score: 0.5
        feedback_correct: Oui.
        feedback_incorrect: C'est 10.
        explanation: E.
    """))
    assert grade(question, "10") == GradeResult(1.0, True, ("Oui.",))
    assert grade(question, "11") == GradeResult(0.5, False, ("C'est 10.",))


@pytest.mark.parametrize("answer", ["abc", "", "nan", "inf", 1.5, None, ["1,5"], "1" * 1001, "1e400"])
def test_numeric_malformed_answers(answer):
    with pytest.raises(AnswerError):
        grade(NUMERIC, answer)


# --- ordering -----------------------------------------------------------------------------------------


def test_ordering_ids_reveal_nothing():
    ids = [item.id for item in ORDERING.items]
    assert len(set(ids)) == 4
    assert all(len(item_id) == 8 and item_id not in ("1", "2", "3", "4") for item_id in ids)


def test_ordering_scores_the_share_of_items_in_place():
    a, b, c, d = (item.id for item in ORDERING.items)
    assert grade(ORDERING, [a, b, c, d]) == GradeResult(1.0, True, ("Bien.",))
    assert grade(ORDERING, [a, b, d, c]) == GradeResult(0.5, False, ("On teste après avoir entraîné.",))
    assert grade(ORDERING, [d, c, b, a]).score == 0.0
    assert grade(ORDERING, [b, c, d, a]).score == 0.0
    assert grade(ORDERING, [a, c, b, d]).score == 0.5


@pytest.mark.parametrize("mutate", [lambda x: x[:3], lambda x: x + [x[0]], lambda x: [x[0]] * 4,
                                    lambda x: x[:3] + ["zzz"], lambda x: {"a": x}, lambda x: "".join(x),
                                    lambda x: x[:3] + [None]])
def test_ordering_malformed_answers(mutate):
    with pytest.raises(AnswerError):
        grade(ORDERING, mutate([item.id for item in ORDERING.items]))


# --- matching ---------------------------------------------------------------------------------------------


def test_matching_right_hand_choices_shared_and_distractors():
    ids = ids_of(MATCHING)
    assert [item.text for item in MATCHING.right_choices] == ["Hypertrucage", "Bulle de filtres", "Hallucination"]
    assert MATCHING.pairs[0].right_id == MATCHING.pairs[2].right_id == ids["Hypertrucage"]


def test_matching_scores_the_share_of_right_pairs():
    ids = ids_of(MATCHING)
    key = correct_answer(MATCHING)
    assert grade(MATCHING, key) == GradeResult(1.0, True, ())
    wrong_one = dict(key)
    wrong_one[ids["Image retouchée"]] = ids["Hallucination"]
    result = grade(MATCHING, wrong_one)
    assert result.score == pytest.approx(2 / 3)
    assert result == GradeResult(result.score, False, ("Deux mécanismes.",))
    every_distractor = {left: ids["Hallucination"] for left in key}
    assert grade(MATCHING, every_distractor).score == 0.0


def test_matching_malformed_answers():
    key = correct_answer(MATCHING)
    left = next(iter(key))
    for answer in (
        {k: v for k, v in key.items() if k != left},  # a left item missing
        {**key, "inconnu": next(iter(key.values()))},  # an unknown left item
        {**key, left: "inconnu"},  # an unknown right choice
        {**key, left: None},
        list(key.items()),
        {**{k: v for k, v in key.items() if k != left}, 1: "x"},
    ):
        with pytest.raises(AnswerError):
            grade(MATCHING, answer)


# --- scale ------------------------------------------------------------------------------------------------


def test_scale_is_not_gradable_but_its_answer_is_checked():
    with pytest.raises(NotGradable):
        grade(SCALE, 2)
    with pytest.raises(NotGradable):
        correct_answer(SCALE)
    assert not issubclass(NotGradable, AnswerError)
    assert check_answer(SCALE, 3) == 3
    for answer in (4, -1, True, "2", None):
        with pytest.raises(AnswerError):
            check_answer(SCALE, answer)


# --- the key -----------------------------------------------------------------------------------------------


def test_correct_answer_of_each_type():
    assert correct_answer(SINGLE) == "a"
    assert correct_answer(MULTIPLE) == ["a", "c"]
    assert correct_answer(TRUEFALSE) is True
    assert correct_answer(SHORT) == "entraînement"
    assert correct_answer(NUMERIC) == "1,5"
    assert correct_answer(NUMERIC_SEVERAL) == "1822"
    assert correct_answer(ORDERING) == [item.id for item in ORDERING.items]
    for question in EVERY_GRADED:
        result = grade(question, correct_answer(question))
        assert result.score == 1.0 and result.correct, question.id


def test_correct_answer_of_a_range_is_its_middle():
    question = lettered(build("""
        id: milieu
        type: numeric
        stem: Combien ?
        range: [1.2, 1.8]
        feedback_incorrect: non
        explanation: E.
    """))
    assert correct_answer(question) == "1,5"


# --- the form contract ---------------------------------------------------------------------------------------


def test_answer_from_form_single_truefalse_short_numeric_scale():
    assert answer_from_form(SINGLE, MultiDict({"answer": "c"})) == "c"
    assert answer_from_form(TRUEFALSE, MultiDict({"answer": "false"})) is False
    assert answer_from_form(TRUEFALSE, MultiDict({"answer": "true"})) is True
    assert answer_from_form(SHORT, MultiDict({"answer": "  Test "})) == "  Test "
    assert answer_from_form(NUMERIC, MultiDict({"answer": "1 500,5"})) == "1 500,5"
    assert answer_from_form(SCALE, MultiDict({"answer": "0"})) == 0
    assert answer_from_form(SINGLE, {"answer": "b"}) == "b"  # a plain mapping works too


def test_answer_from_form_multiple_zero_one_or_several():
    assert answer_from_form(MULTIPLE, MultiDict()) == []
    assert answer_from_form(MULTIPLE, MultiDict([("answer", "c")])) == ["c"]
    assert answer_from_form(MULTIPLE, MultiDict([("answer", "d"), ("answer", "a")])) == ["a", "d"]


def test_answer_from_form_ordering_positions():
    a, b, c, d = (item.id for item in ORDERING.items)
    form = MultiDict({f"position-{d}": "1", f"position-{a}": "2", f"position-{b}": "3", f"position-{c}": "4"})
    assert answer_from_form(ORDERING, form) == [d, a, b, c]


@pytest.mark.parametrize(
    "positions",
    [("1", "1", "2", "3"), ("1", "2", "3", "5"), ("0", "1", "2", "3"), ("1", "2", "3", ""), ("1", "2", "3", "x"),
     ("1", "2", "3", "²"), ("1", "2", "3", None)],
)
def test_answer_from_form_ordering_refuses_what_is_not_a_permutation(positions):
    form = MultiDict({f"position-{item.id}": p for item, p in zip(ORDERING.items, positions) if p is not None})
    with pytest.raises(AnswerError, match="Chaque position, de 1 à 4, doit être utilisée une fois et une seule"):
        answer_from_form(ORDERING, form)


def test_answer_from_form_matching():
    key = correct_answer(MATCHING)
    form = MultiDict({f"match-{left}": right for left, right in key.items()})
    assert answer_from_form(MATCHING, form) == key
    del form[f"match-{next(iter(key))}"]
    with pytest.raises(AnswerError, match="Associe chaque élément"):
        answer_from_form(MATCHING, form)


@pytest.mark.parametrize(
    ("question", "form", "message"),
    [
        (SINGLE, {}, "Choisis une réponse"),
        (SINGLE, {"answer": ""}, "Choisis une réponse"),
        (SINGLE, [("answer", "a"), ("answer", "b")], "Une seule réponse"),
        (SINGLE, {"answer": "zz"}, "ne fait pas partie"),
        (MULTIPLE, [("answer", "a"), ("answer", "a")], "deux fois"),
        (MULTIPLE, [("answer", "q")], "ne fait pas partie"),
        (TRUEFALSE, {"answer": "vrai"}, "vrai ou faux"),
        (TRUEFALSE, {}, "Choisis vrai ou faux"),
        (SHORT, {"answer": "   "}, "Écris ta réponse"),
        (SHORT, {"answer": "x" * 1001}, "trop longue"),
        (NUMERIC, {"answer": "abc"}, "n'est pas un nombre"),
        (NUMERIC, {}, "Écris un nombre"),
        (SCALE, {"answer": "4"}, "niveaux"),
        (SCALE, {"answer": "-1"}, "niveaux"),
    ],
)
def test_answer_from_form_errors_speak_french(question, form, message):
    with pytest.raises(AnswerError, match=message):
        answer_from_form(question, MultiDict(form))


def form_for(question: Question, answer) -> MultiDict:
    """The form a browser would send for ``answer`` (the inverse of answer_from_form)."""
    if question.type == "multiple":
        return MultiDict([("answer", choice_id) for choice_id in answer])
    if question.type == "truefalse":
        return MultiDict({"answer": "true" if answer else "false"})
    if question.type == "ordering":
        return MultiDict({f"position-{item_id}": str(index + 1) for index, item_id in enumerate(answer)})
    if question.type == "matching":
        return MultiDict({f"match-{left}": right for left, right in answer.items()})
    return MultiDict({"answer": str(answer)})


# --- properties ------------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def valid_answers(draw, question: Question):
    kind = question.type
    if kind == "single":
        return draw(st.sampled_from([c.id for c in question.choices]))
    if kind == "multiple":
        return draw(st.lists(st.sampled_from([c.id for c in question.choices]), unique=True))
    if kind == "truefalse":
        return draw(st.booleans())
    if kind == "short":
        pool = [*question.accepted, *(a.text for a in question.anticipated)]
        typed = draw(st.sampled_from(pool) | st.text(min_size=1, max_size=30))
        return typed if typed.strip() else "x"
    if kind == "numeric":
        return format_number(draw(st.floats(-1e7, 1e7, allow_nan=False)))
    if kind == "ordering":
        return draw(st.permutations([item.id for item in question.items]))
    if kind == "matching":
        rights = [item.id for item in question.right_choices]
        return {pair.left.id: draw(st.sampled_from(rights)) for pair in question.pairs}
    raise AssertionError(kind)


@PROPERTY
@given(st.data())
def test_property_score_is_always_between_zero_and_one(data):
    question = data.draw(questions())
    answer = data.draw(valid_answers(question))
    result = grade(question, answer)
    assert 0.0 <= result.score <= 1.0
    assert not math.isnan(result.score)
    assert result.correct == (result.score == 1.0) or question.type in ("single", "multiple")
    if result.correct:
        assert result.score == 1.0
    assert all(isinstance(text, str) and text for text in result.feedback)


@PROPERTY
@given(questions())
def test_property_the_key_scores_one_and_is_correct(question):
    key = correct_answer(question)
    assert check_answer(question, key) == key
    result = grade(question, key)
    assert result.score == 1.0
    assert result.correct


@PROPERTY
@given(st.data())
def test_property_form_round_trip(data):
    question = data.draw(questions())
    answer = check_answer(question, data.draw(valid_answers(question)))
    assert answer_from_form(question, form_for(question, answer)) == answer


def shuffled_presentation(question: Question, rng: random.Random) -> Question:
    """The same question with its options shown in another order (ids unchanged)."""

    def shuffle(items: tuple) -> tuple:
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    return dataclasses.replace(
        question,
        choices=shuffle(question.choices),
        pairs=shuffle(question.pairs),
        right_choices=shuffle(question.right_choices),
        accepted=shuffle(question.accepted),
        anticipated=shuffle(question.anticipated),
        numeric_answers=shuffle(question.numeric_answers),
    )


@PROPERTY
@given(st.data(), st.randoms(use_true_random=False))
def test_property_shuffling_options_changes_nothing(data, rng):
    question = data.draw(questions())
    answer = data.draw(valid_answers(question))
    shuffled = shuffled_presentation(question, rng)
    original, again = grade(question, answer), grade(shuffled, answer)
    assert again.score == pytest.approx(original.score)
    assert again.correct == original.correct
    if question.type in ("multiple", "truefalse", "ordering", "matching", "single"):
        assert sorted(again.feedback) == sorted(original.feedback)
    assert grade(shuffled, correct_answer(question)).score == 1.0
    # The form of an ordering question lists items in any order: the answer is the same.
    if question.type == "ordering":
        form = list(form_for(question, answer).items(multi=True))
        rng.shuffle(form)
        assert answer_from_form(question, MultiDict(form)) == answer


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=1100),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=20,
)


@st.composite
def malformed_or_valid(draw, question: Question):
    """Any JSON-like value, often built from the question's own ids to reach deep checks."""
    known = [c.id for c in question.choices] + [i.id for i in (*question.items, *question.right_choices)] + [
        p.left.id for p in question.pairs
    ] + ["1,5", "true", ""]
    atoms = st.sampled_from(known) | json_like
    return draw(
        atoms
        | st.lists(atoms, max_size=8)
        | st.dictionaries(st.sampled_from(known) | st.text(max_size=5), atoms, max_size=6)
    )


@PROPERTY
@given(st.data())
def test_property_malformed_answers_raise_only_answer_error(data):
    question = data.draw(questions())
    answer = data.draw(malformed_or_valid(question))
    try:
        result = grade(question, answer)
    except AnswerError as error:
        assert str(error)  # a message for the student
    else:
        assert 0.0 <= result.score <= 1.0


@PROPERTY
@given(st.data())
def test_property_malformed_forms_raise_only_answer_error(data):
    question = data.draw(questions())
    names = ["answer"] + [f"position-{i.id}" for i in question.items] + [f"match-{p.left.id}" for p in question.pairs]
    values = st.sampled_from([c.id for c in question.choices] + [i.id for i in question.right_choices]
                             + ["1", "2", "3", "true", "false", "", "1,5"]) | st.text(max_size=1100)
    form = MultiDict(data.draw(st.lists(st.tuples(st.sampled_from(names) | st.text(max_size=8), values), max_size=10)))
    try:
        answer = answer_from_form(question, form)
    except AnswerError as error:
        assert str(error)
    else:
        assert 0.0 <= grade(question, answer).score <= 1.0


def test_answer_errors_say_tu_to_students_and_vous_to_staff():
    from lycee_ia.quiz.grading import formal, parse_number

    with pytest.raises(AnswerError) as error:
        parse_number("abc")
    assert str(error.value) == "« abc » n'est pas un nombre : écris par exemple 3,14 ou -2 (sans unité)."
    assert formal(str(error.value)) == "« abc » n'est pas un nombre : écrivez par exemple 3,14 ou -2 (sans unité)."
    assert formal("Écris ta réponse avant de valider.") == "Écrivez votre réponse avant de valider."
    assert formal("Choisis une réponse avant de valider.") == "Choisissez une réponse avant de valider."
    assert formal("Associe chaque élément à un choix.") == "Associez chaque élément à un choix."
