"""Reading ```question blocks: every check, each at its exact line of the Markdown file.

The blocks below start at file line 10 (``parse(..., line=10)``), so the n-th
YAML line of a block is file line 9 + n.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lycee_ia.content.problems import Problems, Severity
from lycee_ia.quiz.model import Anticipated, Choice, NumericAnswer, QuizSettings, opaque_id
from lycee_ia.quiz.parse import derived_id, item_id, parse_question, parse_quiz_settings
from tests.quiz.questions import PATH, build, parse

README = Path(__file__).resolve().parents[2] / "courses" / "README.md"


def problems_of(source: str, *, in_quiz: bool = False) -> list[tuple[int, Severity, str]]:
    _, problems = parse(source, in_quiz=in_quiz)
    return [(p.line, p.severity, p.message) for p in problems]


def only(source: str, severity: Severity, *, in_quiz: bool = False) -> tuple[int, str]:
    """The single problem of that severity that ``source`` has."""
    found = [(line, message) for line, s, message in problems_of(source, in_quiz=in_quiz) if s is severity]
    assert len(found) == 1, found
    return found[0]


def error(source: str, **kwargs) -> tuple[int, str]:
    question, problems = parse(source, **kwargs)
    assert question is None, "a question with an error must not be usable"
    return only(source, Severity.ERROR, **kwargs)


def warning(source: str, **kwargs) -> tuple[int, str]:
    question, problems = parse(source, **kwargs)
    assert question is not None, [p.format() for p in problems]
    assert not problems.errors
    return only(source, Severity.WARNING, **kwargs)


# --- the README is the contract: its examples are valid --------------------------------------


def readme_blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```(?:question|yaml)\n(.*?)^```", text, re.M | re.S):
        if "\ntype: " in "\n" + match.group(1):
            blocks.append((text[: match.start()].count("\n") + 2, match.group(1)))
    return blocks


def test_readme_has_an_example_of_every_type_but_multiple():
    # multiple is described as "the same as single, with several correct: true"
    types = {re.search(r"^type: (\w+)", source, re.M).group(1) for _, source in readme_blocks()}
    assert types == {"single", "truefalse", "short", "numeric", "ordering", "matching", "scale"}


@pytest.mark.parametrize(("line", "source"), readme_blocks())
def test_readme_examples_parse_without_any_problem(line, source):
    problems = Problems()
    question = parse_question(source, path=README, line=line, problems=problems, id_prefix="x", in_quiz=False)
    assert question is not None
    assert not problems, [p.format() for p in problems]
    assert question.line == line


# --- a full question ------------------------------------------------------------------------


def test_single_question_fields():
    question = build("""
        id: e3-hallucination
        type: single
        title: Hallucination
        tags: [ia, erreurs]
        stem: |
          Qu'appelle-t-on une **hallucination** ?
        options:
          - text: Une réponse fausse présentée avec assurance.
            correct: true
            feedback: Oui.
          - text: No
            feedback: Non.
          - id: autre
            text: 1.50
            score: -0.5
            feedback: Non plus.
        explanation: Un modèle prédit la suite la plus probable.
        source: dahl-2024
    """)
    assert question.id == "e3-hallucination"
    assert question.type == "single"
    assert question.title == "Hallucination"
    assert question.tags == ("ia", "erreurs")
    assert question.stem == "Qu'appelle-t-on une **hallucination** ?"
    assert question.choices == (
        Choice("a", "Une réponse fausse présentée avec assurance.", True, None, "Oui."),
        # YAML would read these as a boolean and a number: text keeps what was written.
        Choice("b", "No", False, None, "Non."),
        Choice("autre", "1.50", False, -0.5, "Non plus."),
    )
    assert question.explanation == "Un modèle prédit la suite la plus probable."
    assert question.source == "dahl-2024"
    assert question.line == 10


def test_every_type_builds_its_parts():
    short = build("""
        id: s
        type: short
        stem: Quoi ?
        accepted: 1789
        anticipated:
          - {text: 1790, feedback: Un an trop tard., score: 0.25}
        feedback_incorrect: C'est 1789.
        explanation: E.
    """)
    assert short.accepted == ("1789",)
    assert short.anticipated == (Anticipated(text="1790", feedback="Un an trop tard.", score=0.25),)
    numeric = build("""
        id: n
        type: numeric
        stem: Combien ?
        answer: "1,5"
        tolerance: 0.25
        anticipated:
          - value: 15
            feedback: Dix fois trop.
        feedback_incorrect: 1,5.
        explanation: E.
    """)
    assert numeric.numeric_answers == (NumericAnswer(value=1.5, tolerance=0.25),)
    assert numeric.anticipated == (Anticipated(value=15.0, feedback="Dix fois trop."),)
    ranged = build("""
        id: r
        type: numeric
        stem: Combien ?
        range: ["1,2", 1.8]
        feedback_incorrect: non
        explanation: E.
    """)
    assert ranged.numeric_answers == (NumericAnswer(minimum=1.2, maximum=1.8),)
    ordering = build("""
        id: o
        type: ordering
        stem: Ordre.
        items: [Un, Deux, Trois]
        feedback_incorrect: non
        explanation: E.
    """)
    assert [item.text for item in ordering.items] == ["Un", "Deux", "Trois"]
    assert [item.id for item in ordering.items] == [item_id("o", t) for t in ("Un", "Deux", "Trois")]
    assert item_id("o", "Un") == opaque_id("o", "Un")
    truefalse = build("""
        id: t
        type: truefalse
        stem: Vrai ?
        answer: false
        feedback:
          "true": Non, c'est faux.
          "false": Exact.
        explanation: E.
    """)
    assert (truefalse.answer, truefalse.feedback_true, truefalse.feedback_false) == (False, "Non, c'est faux.", "Exact.")


# --- YAML itself ------------------------------------------------------------------------------


def test_colon_in_a_french_text_is_reported_with_the_fix():
    line, message = error("""
        id: q
        type: single
        stem: Attention : ce texte a un deux-points
        explanation: E.
    """)
    assert line == 12
    assert "mettez-le entre guillemets" in message
    assert message.startswith("YAML invalide")


def test_tab_indentation_is_reported_at_its_line():
    line, message = error("id: q\ntype: short\nstem: S\naccepted:\n\t- a\nexplanation: E\n")
    assert line == 14
    assert "tabulation" in message


def test_text_starting_with_a_star_is_reported():
    line, message = error("id: q\ntype: short\nstem: *important* ?\n")
    assert line == 12
    assert "guillemets" in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", "bloc question vide"),
        ("- a\n- b\n", "ensemble de champs"),
        ("juste du texte\n", "ensemble de champs"),
    ],
)
def test_a_block_that_is_not_a_set_of_fields(source, expected):
    line, message = error(source)
    assert line == 10
    assert expected in message


def test_a_field_written_twice():
    line, message = error("""
        id: q
        type: truefalse
        stem: S
        answer: true
        answer: false
        explanation: E.
    """)
    assert line == 14
    assert message == "le champ « answer » est écrit deux fois (déjà ligne 13) : gardez-en un seul."


# --- common fields --------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["type", "stem", "explanation"])
def test_required_fields(missing):
    fields = {"id": "q", "type": "truefalse", "stem": "S", "answer": "true", "feedback": "{true: a, false: b}",
              "explanation": "E."}
    del fields[missing]
    source = "".join(f"{key}: {value}\n" for key, value in fields.items())
    line, message = error(source)
    assert line == 10
    assert message == f"« {missing} » manque : ce champ est obligatoire."


def test_empty_required_field_is_reported_at_its_line():
    line, message = error("id: q\ntype: truefalse\nstem: ''\nanswer: true\nexplanation: E\n")
    assert (line, message) == (12, "« stem » est vide : ce champ est obligatoire.")


@pytest.mark.parametrize(
    ("value", "hint"),
    [("multiples", "multiple"), ("qcm", "single (une bonne réponse) ou multiple (plusieurs)"), ("vrai-faux", "truefalse"),
     ("essay", None)],
)
def test_unknown_type_with_a_suggestion(value, hint):
    line, message = error(f"id: q\ntype: {value}\nstem: S\nexplanation: E\n")
    assert line == 11
    assert message.startswith(f"type « {value} » inconnu : utilisez single, multiple, truefalse")
    if hint:
        assert message.endswith(f"vouliez-vous dire {hint} ?")


def test_wrong_type_of_value_is_reported_where_it_is():
    line, message = error("""
        id: q
        type: single
        stem:
          - une liste
        options: [{text: a, correct: true}, {text: b, feedback: f}]
        explanation: E.
    """)
    assert (line, message) == (13, "« stem » doit être un texte, pas une liste.")


@pytest.mark.parametrize("bad", ["Mon_ID", "-debut", "é-accent", "a" * 81, "deux mots"])
def test_invalid_ids(bad):
    line, message = error(f"id: {bad}\ntype: truefalse\nstem: S\nanswer: true\nfeedback: {{false: f}}\nexplanation: E\n")
    assert line == 10
    assert message.startswith(f"identifiant « {bad} » invalide : utilisez des lettres minuscules sans accent")


def test_valid_id_of_eighty_characters():
    question = build(f"id: {'a' * 80}\ntype: truefalse\nstem: S\nanswer: true\nfeedback: {{false: f}}\nexplanation: E\n")
    assert question.id == "a" * 80


def test_missing_id_is_derived_from_the_stem_with_a_warning():
    source = "type: truefalse\nstem: La Terre est ronde.\nanswer: true\nfeedback: {false: Si.}\nexplanation: E\n"
    line, message = warning(source)
    expected = f"test-module-{opaque_id('La Terre est ronde.')[:6]}"
    assert derived_id("test-module", "La Terre est ronde.") == expected
    assert line == 10
    assert message == (
        f"question sans identifiant : l'identifiant dérivé « {expected} » changera si l'énoncé change ; "
        f"ajoutez `id: {expected}` pour le garder"
    )
    assert build(source).id == expected
    changed = build(source.replace("ronde", "plate"))
    assert changed.id != expected


def test_unknown_keys_are_warnings_with_a_suggestion():
    source = """
        id: q
        type: single
        stem: S
        options:
          - text: a
            correct: true
          - text: b
            feedbak: f
        explanaton: E.
        explanation: E.
    """
    found = problems_of(source)
    assert (17, Severity.WARNING, "champ inconnu « feedbak » dans une option, il est ignoré ; vouliez-vous dire "
            "« feedback » ?") in found
    assert (18, Severity.WARNING, "champ inconnu « explanaton », il est ignoré ; vouliez-vous dire « explanation » ?"
            ) in found
    # and the option whose feedback was misspelt has no feedback
    assert (16, Severity.WARNING, "option fausse « b » sans retour : ajoutez feedback pour expliquer pourquoi elle "
            "est fausse.") in found
    assert len(found) == 3


def test_a_key_of_another_type_is_a_warning():
    line, message = warning("""
        id: q
        type: truefalse
        stem: S
        answer: true
        feedback: {false: f}
        options: [a, b]
        explanation: E.
    """)
    assert (line, message) == (15, "« options » ne sert pas pour une question truefalse : ce champ est ignoré.")


def test_feedback_on_a_short_question_points_to_feedback_incorrect():
    line, message = warning("""
        id: q
        type: short
        stem: S
        accepted: [a]
        feedback: non
        feedback_incorrect: Non.
        explanation: E.
    """)
    assert line == 14
    assert "écrivez feedback_incorrect" in message


# --- single and multiple -------------------------------------------------------------------------

SINGLE = """
    id: q
    type: {kind}
    stem: S
    options:
{options}
    explanation: E.
"""


def choices(kind: str, *options: str) -> str:
    return SINGLE.format(kind=kind, options="\n".join(f"      {o}" for o in options))


def test_single_without_a_correct_option():
    assert error(choices("single", "- {text: a, feedback: f}", "- {text: b, feedback: f}")) == (
        13, "aucune option n'est marquée « correct: true » : indiquez la bonne réponse.")


def test_single_with_two_correct_options():
    line, message = error(choices("single", "- {text: a, correct: true}", "- {text: b, correct: true}"))
    assert line == 13
    assert message.startswith("2 options sont marquées correctes : une question single n'en a qu'une")


def test_single_with_one_option():
    assert error(choices("single", "- {text: a, correct: true}")) == (13, "il faut au moins deux options.")


def test_too_many_options():
    options = ["- {text: a, correct: true}"] + [f"- {{text: o{i}, feedback: f}}" for i in range(26)]
    assert error(choices("single", *options)) == (13, "trop d'options (27) : 26 au plus.")


def test_choice_ids_are_letters_in_written_order():
    question = build(choices("single", "- {text: a, correct: true}", "- {text: b, feedback: f}",
                             "- {text: c, feedback: f}"))
    assert [c.id for c in question.choices] == ["a", "b", "c"]


def test_option_that_is_not_a_set_of_fields():
    line, message = error(choices("single", "- {text: a, correct: true}", "- juste un texte"))
    assert line == 15
    assert "une option (« - text: … », avec « correct: true » pour une bonne réponse) doit être un ensemble" in message


def test_option_without_text():
    assert error(choices("single", "- {text: a, correct: true}", "- {feedback: f}")) == (
        15, "« text » manque : ce champ est obligatoire.")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("- {text: b, correct: oui, feedback: f}", "« correct » doit valoir true ou false (sans guillemets)."),
        ("- {text: b, correct: 'true', feedback: f}", "« correct » doit valoir true ou false (sans guillemets)."),
        ("- {text: b, score: beaucoup, feedback: f}", "« score » doit être un nombre (par exemple 1.5 ou 1,5)."),
        ("- {text: b, score: 2, feedback: f}", "score 2 hors limites : il doit être entre -1 et 1."),
        ("- {text: b, score: 1, feedback: f}", "une option fausse ne peut pas valoir tous les points : baissez son "
         "score."),
        ("- {text: b, id: B, feedback: f}", "identifiant d'option « B » invalide : lettres minuscules, chiffres et "
         "tirets seulement."),
        ("- {text: b, id: a, feedback: f}", "deux options ont l'identifiant « a » : chaque option doit avoir le sien."),
    ],
)
def test_option_errors_at_their_line(option, message):
    assert error(choices("single", "- {text: a, correct: true}", option)) == (15, message)


def test_correct_option_of_a_single_question_is_worth_one():
    assert error(choices("single", "- {text: a, correct: true, score: 0.5}", "- {text: b, feedback: f}")) == (
        14, "la bonne option d'une question single vaut toujours 1 : retirez « score ».")


def test_wrong_option_without_feedback_is_a_warning_at_its_line():
    assert warning(choices("single", "- {text: a, correct: true}", "- {text: b, feedback: f}",
                           "- {text: Une troisième option assez longue pour être coupée, score: 0}")) == (
        16, "option fausse « Une troisième option assez longue pour… » sans retour : ajoutez feedback pour "
        "expliquer pourquoi elle est fausse.")


def test_duplicate_option_text_is_a_warning():
    assert warning(choices("single", "- {text: a, correct: true}", "- {text: a, feedback: f}")) == (
        15, "l'option « a » est écrite deux fois.")


def test_multiple_without_a_correct_option():
    assert error(choices("multiple", "- {text: a, feedback: f}", "- {text: b, feedback: f}")) == (
        13, "aucune option n'est marquée « correct: true » : indiquez au moins une bonne réponse.")


@pytest.mark.parametrize(
    ("options", "line", "message"),
    [
        (("- {text: a, correct: true, score: -0.5}", "- {text: b, correct: true}"), 14,
         "une bonne option doit rapporter des points : son score doit être positif."),
        (("- {text: a, correct: true}", "- {text: b, score: 0.5, feedback: f}"), 15,
         "une option fausse ne peut pas rapporter de points : son score doit être négatif ou nul."),
        (("- {text: a, correct: true, score: 0.5}", "- {text: b, correct: true, score: 0.25}",
          "- {text: c, feedback: f}"), 13,
         "les bonnes options rapportent 0,75 au total : il faut 1, pour qu'une réponse parfaite ait tous les points ; "
         "ajustez leurs scores."),
    ],
)
def test_multiple_weights(options, line, message):
    assert error(choices("multiple", *options)) == (line, message)


def test_multiple_with_one_correct_option_and_default_weights():
    question = build(choices("multiple", "- {text: a, correct: true}", "- {text: b, feedback: f}"))
    assert question.type == "multiple"
    assert [c.correct for c in question.choices] == [True, False]


# --- truefalse ---------------------------------------------------------------------------------------


def test_truefalse_without_answer():
    assert error("id: q\ntype: truefalse\nstem: S\nexplanation: E\n") == (
        10, "« answer » manque : écrivez answer: true ou answer: false.")


def test_truefalse_answer_must_be_a_boolean():
    assert error("id: q\ntype: truefalse\nstem: S\nanswer: vrai\nexplanation: E\n") == (
        13, "« answer » doit valoir true ou false (sans guillemets).")


def test_truefalse_feedback_must_have_two_sides():
    line, message = error("id: q\ntype: truefalse\nstem: S\nanswer: true\nfeedback: Bravo\nexplanation: E\n")
    assert line == 14
    assert message.startswith("« feedback » doit contenir deux retours")


def test_truefalse_feedback_keys():
    source = "id: q\ntype: truefalse\nstem: S\nanswer: true\nfeedback:\n  vrai: oui\n  false: f\nexplanation: E\n"
    assert error(source) == (15, "dans « feedback », les deux clés sont true et false.")


def test_truefalse_missing_feedback_for_the_wrong_side_only():
    source = "id: q\ntype: truefalse\nstem: S\nanswer: {answer}\nfeedback:\n  {side}: texte\nexplanation: E\n"
    # answer true, only the "true" feedback: the wrong side (false) has none
    assert warning(source.format(answer="true", side="true")) == (
        14, "pas de retour pour la réponse fausse : ajoutez feedback.false pour expliquer l'erreur.")
    assert warning(source.format(answer="false", side="false")) == (
        14, "pas de retour pour la réponse fausse : ajoutez feedback.true pour expliquer l'erreur.")
    # the wrong side has its feedback: nothing to say
    assert problems_of(source.format(answer="true", side="false")) == []
    assert warning("id: q\ntype: truefalse\nstem: S\nanswer: true\nexplanation: E\n")[0] == 10


# --- short ----------------------------------------------------------------------------------------------

SHORT = "id: q\ntype: short\nstem: S\n{body}feedback_incorrect: non\nexplanation: E\n"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("", 10, "« accepted » manque : écrivez la liste des réponses acceptées."),
        ("accepted: []\n", 13, "« accepted » est vide : écrivez au moins une réponse acceptée."),
        ("accepted: [a, '...']\n", 13, "la réponse acceptée « ... » ne contient que de la ponctuation."),
        ("accepted: {a: b}\n", 13, "« accepted » doit être une liste (une ligne « - … » par élément), pas un ensemble "
         "de champs."),
        ("accepted: [Paris]\nanticipated:\n  - text: « paris »\n    feedback: f\n", 15,
         "« « paris » » est à la fois acceptée et prévue comme fausse : retirez-la d'une des deux listes."),
        ("accepted: [Paris]\nanticipated:\n  - feedback: f\n", 15, "« text » manque : ce champ est obligatoire."),
        ("accepted: [Paris]\nanticipated:\n  - text: Lyon\n    score: 1\n    feedback: f\n", 16,
         "le score d'une réponse prévue est un crédit partiel, entre 0 et 1 (exclu) ; une réponse qui vaut tous les "
         "points va dans accepted."),
    ],
)
def test_short_errors(body, line, message):
    assert error(SHORT.format(body=body)) == (line, message)


def test_short_warnings():
    assert warning(SHORT.format(body="accepted: [Paris]\nanticipated:\n  - text: Lyon\n")) == (
        15, "réponse prévue « Lyon » sans retour : ajoutez feedback.")
    assert warning("id: q\ntype: short\nstem: S\naccepted: [a]\nexplanation: E\n") == (
        10, "pas de retour pour une réponse fausse : ajoutez feedback_incorrect pour expliquer l'erreur la plus "
        "probable.")


# --- numeric --------------------------------------------------------------------------------------------------

NUMERIC = "id: q\ntype: numeric\nstem: S\n{body}feedback_incorrect: non\nexplanation: E\n"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("", 10, "la bonne réponse manque : écrivez answer (et tolerance), ou range: [min, max], ou answers "
         "(plusieurs réponses)."),
        ("answer: 3\nrange: [1, 5]\n", 14, "« answer » et « range » sont tous deux écrits : choisissez une seule "
         "façon de donner la réponse."),
        ("answer: 3\ntolerance: -1\n", 14, "« tolerance » doit être positive ou nulle."),
        ("range: [1, 5]\ntolerance: 1\n", 14, "« tolerance » va avec « answer » : écrivez la valeur attendue dans "
         "answer."),
        ("range: [5, 1]\n", 13, "« range » : le minimum 5 dépasse le maximum 1 ; écrivez [minimum, maximum]."),
        ("range: [1, 2, 3]\n", 13, "« range » s'écrit avec deux nombres : range: [minimum, maximum] (point décimal, ou "
         "nombres entre guillemets s'ils ont une virgule)."),
        ("answer: trois\n", 13, "« answer » doit être un nombre (par exemple 1.5 ou 1,5)."),
        ("answer: .nan\n", 13, "« answer » doit être un nombre (par exemple 1.5 ou 1,5)."),
        ("answer: 3\ntolerance: .inf\n", 14, "« tolerance » doit être un nombre (par exemple 1.5 ou 1,5)."),
        ("answers: []\n", 13, "« answers » est vide : écrivez au moins la bonne réponse."),
        ("answers:\n  - value: 3\n    range: [1, 5]\n", 14, "chaque réponse a soit « value » (avec tolerance), soit "
         "« range: [min, max] »."),
        ("answers:\n  - value: 3\n    score: 0.5\n", 13, "aucune réponse ne vaut tous les points : donnez le score 1 "
         "(ou aucun score) à la bonne réponse."),
        ("answers:\n  - value: 3\n  - value: 4\n    score: 2\n", 16, "le score d'une réponse doit être entre 0 et 1."),
        ("answers:\n  - range: [1, 5]\n    tolerance: 1\n", 15, "« tolerance » va avec « value », pas avec « range »."),
        ("answer: 3\ntolerance: 0.5\nanticipated:\n  - value: 3,2\n    feedback: f\n", 16,
         "la valeur prévue 3,2 est déjà acceptée : retirez-la d'anticipated ou corrigez la bonne réponse."),
        ("answer: 3\nanticipated:\n  - feedback: f\n", 15, "« value » manque : écrivez la valeur prévue."),
    ],
)
def test_numeric_errors(body, line, message):
    assert error(NUMERIC.format(body=body)) == (line, message)


def test_numeric_several_answers():
    question = build(NUMERIC.format(body="answers:\n  - value: 1822\n    feedback: Exact.\n"
                                         "  - range: [1820, 1824]\n    score: 0.5\n"))
    assert question.numeric_answers == (
        NumericAnswer(value=1822.0, feedback="Exact."),
        NumericAnswer(minimum=1820.0, maximum=1824.0, score=0.5),
    )


def test_numeric_anticipated_without_feedback():
    assert warning(NUMERIC.format(body="answer: 3\nanticipated:\n  - value: 30\n")) == (
        15, "valeur prévue 30 sans retour : ajoutez feedback.")


# --- ordering and matching ----------------------------------------------------------------------------------------


def test_ordering_needs_two_distinct_items():
    base = "id: q\ntype: ordering\nstem: S\nitems:\n{items}feedback_incorrect: non\nexplanation: E\n"
    assert error(base.format(items="  - Un\n")) == (13, "il faut au moins deux éléments à remettre dans l'ordre.")
    assert error(base.format(items="  - Un\n  - Deux\n  - Un\n")) == (
        16, "« Un » figure deux fois dans items : chaque élément doit être unique.")
    assert error("id: q\ntype: ordering\nstem: S\nexplanation: E\n") == (
        10, "« items » manque : écrivez les éléments dans le bon ordre.")


def test_ordering_missing_feedback_is_a_warning():
    assert warning("id: q\ntype: ordering\nstem: S\nitems: [a, b]\nexplanation: E\n")[0] == 10


MATCHING = "id: q\ntype: matching\nstem: S\npairs:\n{pairs}{extra}feedback_incorrect: non\nexplanation: E\n"


@pytest.mark.parametrize(
    ("pairs", "extra", "line", "message"),
    [
        ("  - {left: a, right: 1}\n", "", 13, "il faut au moins deux paires."),
        ("  - {left: a, right: 1}\n  - {left: a, right: 2}\n", "", 15,
         "l'élément « a » figure deux fois à gauche : chaque élément doit être unique."),
        ("  - {left: a, right: 1}\n  - {left: b}\n", "", 15, "« right » manque : ce champ est obligatoire."),
        ("  - {left: a, right: 1}\n  - a -> 2\n", "", 15,
         "une paire (« - left: … » puis « right: … ») doit être un ensemble de champs « nom: valeur », pas une "
         "valeur simple."),
        ("  - {left: a, right: 1}\n  - {left: b, right: 2}\n", "distractors: [3, 1]\n", 16,
         "l'intrus « 1 » est aussi la réponse d'une paire : retirez-le de distractors."),
    ],
)
def test_matching_errors(pairs, extra, line, message):
    assert error(MATCHING.format(pairs=pairs, extra=extra)) == (line, message)


def test_matching_ids_are_opaque_and_shared_rights_allowed():
    question = build(MATCHING.format(pairs="  - {left: a, right: X}\n  - {left: b, right: X}\n", extra="distractors: [Y]\n"))
    assert [p.left.id for p in question.pairs] == [item_id("q", "a"), item_id("q", "b")]
    assert [p.right_id for p in question.pairs] == [item_id("q", "X")] * 2
    assert [(i.id, i.text) for i in question.right_choices] == [(item_id("q", "X"), "X"), (item_id("q", "Y"), "Y")]


# --- scale -----------------------------------------------------------------------------------------------------------

SCALE = "id: q\ntype: scale\nstem: S\nscale: {labels}\nexplanation: E\n"


def test_scale_outside_a_quiz():
    question = build(SCALE.format(labels="[Non, Plutôt non, Plutôt oui, Oui]"))
    assert question.scale == ("Non", "Plutôt non", "Plutôt oui", "Oui")
    assert question.feedback_incorrect is None


def test_scale_in_a_quiz_is_refused():
    assert error(SCALE.format(labels="[Non, Oui]"), in_quiz=True) == (
        11, "une question scale (auto-positionnement) n'est pas notée : placez-la dans une section du module, pas dans "
        "quiz.md.")


@pytest.mark.parametrize("labels", ["[Seul]", "[a, b, c, d, e, f, g, h]"])
def test_scale_has_two_to_seven_steps(labels):
    line, message = error(SCALE.format(labels=labels))
    assert line == 13
    assert message.startswith("une échelle a de 2 à 7 niveaux")


# --- every problem of a question at once ----------------------------------------------------------------------------


def test_all_problems_are_reported_not_only_the_first():
    _, problems = parse("""
        id: Q1
        type: single
        stem: S
        options:
          - {text: a, score: 3}
          - {text: b, feedback: f}
    """)
    assert [(p.line, p.severity) for p in problems] == [
        (10, Severity.ERROR),  # explanation missing
        (10, Severity.ERROR),  # invalid id
        (14, Severity.ERROR),  # score out of bounds
        (14, Severity.WARNING),  # wrong option without feedback
        (13, Severity.ERROR),  # no correct option
    ]
    assert all(p.path == PATH for p in problems)


# --- quiz settings ------------------------------------------------------------------------------------------------------


def settings_of(data, line: int = 2):
    problems = Problems()
    settings = parse_quiz_settings(data, path=PATH, line=line, problems=problems)
    return settings, [(p.line, p.severity, p.message) for p in problems]


def test_quiz_settings_defaults_and_values():
    assert settings_of(None) == (QuizSettings(), [])
    assert settings_of({}) == (QuizSettings(mastery=80, attempts=0, shuffle=True, reveal="after_answer"), [])
    assert settings_of({"mastery": 70, "attempts": 3, "shuffle": False, "reveal": "never"}) == (
        QuizSettings(mastery=70, attempts=3, shuffle=False, reveal="never"), [])
    text = "mastery: 100 # tout juste\nattempts: 1\nshuffle: true\nreveal: after_attempt\n"
    assert settings_of(text) == (QuizSettings(100, 1, True, "after_attempt"), [])


def test_quiz_settings_errors_at_the_line_of_each_field():
    text = "mastery: 0\nattempts: -1\nshuffle: oui\nreveal: toujours\nmastry: 80\n"
    settings, problems = settings_of(text, line=2)
    assert settings == QuizSettings()
    assert problems == [
        (2, Severity.ERROR, "« mastery » vaut « 0 » : c'est le seuil de maîtrise en pourcentage, un nombre entier de 1 "
         "à 100 (80 par défaut)."),
        (3, Severity.ERROR, "« attempts » vaut « -1 » : c'est le nombre de tentatives permises, un nombre entier, 0 "
         "pour illimité (par défaut)."),
        (4, Severity.ERROR, "« shuffle » vaut « oui » : écrivez true (mélanger les options, par défaut) ou false."),
        (5, Severity.ERROR, "« reveal » vaut « toujours » : écrivez after_answer, after_attempt, never."),
        (6, Severity.WARNING, "réglage inconnu « mastry », il est ignoré ; vouliez-vous dire « mastery » ?"),
    ]


@pytest.mark.parametrize("value", ["80", 80.5, True, 101])
def test_quiz_settings_mastery_must_be_an_integer_percentage(value):
    settings, problems = settings_of({"mastery": value}, line=7)
    assert settings.mastery == 80
    assert [(line, severity) for line, severity, _ in problems] == [(7, Severity.ERROR)]


def test_quiz_settings_yaml_error_and_non_mapping():
    settings, problems = settings_of("mastery: [80\n", line=2)
    assert settings == QuizSettings()
    assert problems[0][1] is Severity.ERROR and problems[0][2].startswith("YAML invalide")
    settings, problems = settings_of(["mastery"], line=2)  # type: ignore[arg-type]
    assert problems == [(2, Severity.ERROR, "l'en-tête de quiz.md doit être un ensemble de champs « nom: valeur ».")]
