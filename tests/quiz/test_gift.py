"""GIFT import: every feature Moodle documents, the round trip to our format, the command line."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from lycee_ia.content.problems import Problems, Severity
from lycee_ia.quiz.gift import (
    GiftImport,
    parse_gift,
    question_to_yaml,
    slugify,
    to_json,
    to_markdown_blocks,
)
from lycee_ia.quiz.grading import correct_answer, grade
from lycee_ia.quiz.model import Anticipated, Choice, Item, NumericAnswer, Pair, Question, QuizSettings
from lycee_ia.quiz.parse import derived_id, item_id, parse_question, parse_quiz_settings
from tests.quiz.questions import questions

SAMPLES = Path(__file__).resolve().parent / "samples"
GIFT = Path("banque.gift")


def read(text: str | bytes, **kwargs) -> GiftImport:
    return parse_gift(text, path=GIFT, **kwargs)


def one(text: str) -> Question:
    """The only question of ``text``, which must import without error."""
    result = read(text)
    assert not result.errors, [p.format() for p in result.errors]
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


def sample(name: str) -> GiftImport:
    path = SAMPLES / name
    return parse_gift(path.read_bytes(), path=path)


@pytest.fixture(scope="module")
def everything() -> dict[str, Question]:
    result = sample("tout.gift")
    assert not result.errors, [p.format() for p in result.errors]
    return {q.id: q for q in result.questions}


# --- the sample with every feature --------------------------------------------------------------


def test_every_feature_sample_imports_seventeen_questions(everything):
    assert list(everything) == [
        "hallucination", "usages-sobres", "poids-decimaux", "majorite-numerique", "donnees-certaines",
        derived_id("gift", "Le HTML est un langage de balisage."),
        derived_id("gift", "Les cookies sont toujours obligatoires."),
        "donnees-d-entrainement", "part-d-electricite", "intervalle", "annee-turing", "associer", "mot-manquant",
        "echappements", "format-html", "texte-brut", "format-moodle",
    ]
    types = [q.type for q in everything.values()]
    assert set(types) == {"single", "multiple", "truefalse", "short", "numeric", "matching"}


def test_every_feature_sample_reports_essay_and_description_once_each():
    result = sample("tout.gift")
    assert [(p.line, p.message) for p in result.unsupported] == [
        (80, "question ouverte (essay, « {} ») : non prise en charge, ignorée."),
        (82, "texte sans bloc de réponses (description) : non pris en charge, ignoré."),
    ]
    assert result.invalid == 0


def test_single_with_feedback_partial_weight_and_general_feedback(everything):
    question = everything["hallucination"]
    assert question == Question(
        id="hallucination",
        type="single",
        title="Hallucination",
        tags=("IA générative",),
        stem="Qu'appelle-t-on une **hallucination** d'une IA générative ?",  # [markdown] kept as written
        choices=(
            Choice("a", "Une réponse fausse présentée avec assurance.", True, None,
                   "Oui : le texte est plausible, pas vérifié."),
            Choice("b", "Un plantage de l'application.", False, None, "Non, l'application fonctionne normalement."),
            Choice("c", "Une erreur de calcul.", False, 0.25, "En partie : c'est une erreur, mais pas seulement de "
                   "calcul."),
        ),
        explanation="Un modèle de langage prédit la suite la plus probable d'un texte.",
        line=6,
    )
    assert grade(question, "c").score == 0.25


def test_several_right_answers_when_no_equal_sign(everything):
    question = everything["usages-sobres"]
    assert question.type == "multiple"
    assert [(c.correct, c.score) for c in question.choices] == [(True, None), (True, None), (False, -1.0),
                                                                 (False, None)]
    a, b, c, d = (c.id for c in question.choices)
    assert grade(question, [a, b]).correct
    assert grade(question, [a]).score == 0.5
    assert grade(question, [a, b, d]).score == 0.5  # an unweighted wrong pick costs our default share
    assert grade(question, [a, b, c]).score == 0.0


def test_decimal_weights(everything):
    question = everything["poids-decimaux"]
    assert [(c.correct, c.score) for c in question.choices] == [(True, None), (True, None), (True, None),
                                                                 (False, -0.5)]
    assert grade(question, correct_answer(question)).score == 1.0


def test_truefalse_feedback_for_a_wrong_then_a_right_answer(everything):
    # {TRUE#shown to a wrong answer#shown to a right answer}, as Moodle reads it
    question = everything["majorite-numerique"]
    assert (question.answer, question.feedback_true, question.feedback_false) == (
        True, "Exact.", "Si : c'est la majorité numérique.")
    assert grade(question, False).feedback == ("Si : c'est la majorité numérique.",)
    false_question = everything["donnees-certaines"]
    assert (false_question.answer, false_question.feedback_true, false_question.feedback_false) == (
        False, "Non : elle ne vérifie rien par elle-même.", "Exact, elle ne vérifie rien.")
    assert grade(false_question, True).feedback == ("Non : elle ne vérifie rien par elle-même.",)


@pytest.mark.parametrize(("answer", "expected"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False),
                                                 ("true", True), (" f ", False)])
def test_truefalse_spellings(answer, expected):
    question = one(f"Vrai ?{{{answer}}}")
    assert (question.type, question.answer, question.feedback_true, question.feedback_false) == (
        "truefalse", expected, None, None)


def test_short_answers(everything):
    question = everything["donnees-d-entrainement"]
    assert question.accepted == ("entraînement", "apprentissage")
    assert question.anticipated == (
        Anticipated(text="exemples", feedback="Presque : on dit données d'entraînement.", score=0.5),
        Anticipated(text="test", feedback="Les données de test servent après l'apprentissage."),
    )
    assert question.feedback_correct == "Oui."
    # the catch-all « * » answer gives its feedback to any other wrong answer
    assert question.feedback_incorrect == "Ce sont les données d'entraînement."
    assert grade(question, "Entrainement").correct
    assert grade(question, "exemples").score == 0.5
    assert grade(question, "validation").feedback == ("Ce sont les données d'entraînement.",)


def test_short_answer_details():
    assert one("Capitale ?{Paris}").accepted == ("Paris",)
    assert one("Capitale ?{=Paris =paris =PARIS}").accepted == ("Paris",)
    result = read("Qui ?{=Jean* =Jean}")
    assert [(p.line, p.message) for p in result.problems.warnings][0] == (
        1, "le joker « * » n'est pas pris en charge : « Jean* » sera comparée telle quelle.")
    result = read("Qui ?{=Paris#Oui. =Lutèce#Ancien nom.}")
    assert result.questions[0].feedback_correct == "Oui."
    assert "seul le premier est gardé" in result.problems.warnings[0].message


def test_numeric_value_with_tolerance(everything):
    question = everything["part-d-electricite"]
    assert question.numeric_answers == (NumericAnswer(value=1.5, tolerance=0.3),)
    assert question.explanation == "Environ 415 TWh en 2024."
    assert grade(question, "1,7").correct


def test_numeric_range(everything):
    assert everything["intervalle"].numeric_answers == (NumericAnswer(minimum=1.0, maximum=5.0),)


def test_numeric_several_answers_and_wrong_feedback(everything):
    question = everything["annee-turing"]
    assert question.numeric_answers == (
        NumericAnswer(value=1950.0, tolerance=0.0, feedback="Exact."),
        NumericAnswer(value=1950.0, tolerance=2.0, score=0.5, feedback="À deux ans près."),
    )
    assert question.feedback_incorrect == "C'était en 1950."
    assert grade(question, "1951").score == 0.5
    assert grade(question, "1900").feedback == ("C'était en 1950.",)


@pytest.mark.parametrize(
    ("gift", "answers", "feedback_correct"),
    [
        ("{#42}", (NumericAnswer(value=42.0),), None),
        ("{#-5..-1}", (NumericAnswer(minimum=-5.0, maximum=-1.0),), None),
        ("{#3,14:0,01#Bien.}", (NumericAnswer(value=3.14, tolerance=0.01),), "Bien."),
        ("{#=%100%10:1 =%25.5%10:5}", (NumericAnswer(value=10.0, tolerance=1.0),
                                      NumericAnswer(value=10.0, tolerance=5.0, score=0.255)), None),
    ],
)
def test_numeric_spellings(gift, answers, feedback_correct):
    question = one(f"Combien ?{gift}")
    assert question.numeric_answers == answers
    assert question.feedback_correct == feedback_correct


def test_matching_with_a_distractor(everything):
    question = everything["associer"]
    qid = "associer"
    assert question.pairs == (
        Pair(Item(item_id(qid, "Une vidéo truquée d'un élève circule"), "Une vidéo truquée d'un élève circule"),
             item_id(qid, "Hypertrucage")),
        Pair(Item(item_id(qid, "Le fil ne montre que des avis semblables"), "Le fil ne montre que des avis semblables"),
             item_id(qid, "Bulle de filtres")),
        Pair(Item(item_id(qid, "Une IA invente une référence"), "Une IA invente une référence"),
             item_id(qid, "Hallucination")),
    )
    assert [i.text for i in question.right_choices] == ["Hypertrucage", "Bulle de filtres", "Hallucination",
                                                         "Biais de confirmation"]
    assert question.explanation == "Trois mécanismes, trois parades."


def test_missing_word_leaves_a_blank(everything):
    question = everything["mot-manquant"]
    assert question.stem == "Un modèle de langage prédit le mot _____ le plus probable."
    assert [c.text for c in question.choices] == ["suivant", "précédent", "final"]
    assert one("Le ciel est {=bleu =azur} aujourd'hui.").stem == "Le ciel est _____ aujourd'hui."
    # an answer block at the end leaves no blank
    assert one("Le ciel est-il bleu ?{T}").stem == "Le ciel est-il bleu ?"


def test_escapes(everything):
    question = everything["echappements"]
    # \= \{ \} \: \# \~ become the characters; \\ a backslash (escaped for Markdown); \n a line break
    assert question.stem == "Dans l'expression a=b, que vaut {x} : #1 ~ \\\\ ? Sur deux lignes\nvoici la suite."
    assert question.choices[0] == Choice("a", "Un signe = et des accolades { }", True, None,
                                         "Oui: c'est écrit littéralement.")


def test_html_is_reduced_to_text(everything):
    question = everything["format-html"]
    assert question.stem == "Que signifie RGPD ?\n\n- un règlement\n- une loi"
    assert question.choices[0].text == "Règlement général sur la protection des données"
    # [plain] shows tags as written
    assert question.choices[1].text == "Réseau \\<b\\>général\\</b\\>"


def test_html_images_and_scripts():
    result = read('[html]<p>Voici <img src="chat.png" alt="un chat"> et <script>alert(1)</script>rien.</p>{T}')
    question = result.questions[0]
    assert question.stem == "Voici un chat et rien."
    assert [(p.line, p.message) for p in result.problems.warnings][0] == (
        1, "1 image(s) retirée(s) du texte : ajoutez-les au dossier media/ du module et au texte en Markdown si elles "
        "sont nécessaires.")


def test_plain_and_moodle_text_is_escaped_for_markdown(everything):
    assert everything["texte-brut"].stem == "Que vaut 2\\*3\\*4 ?"
    assert everything["format-moodle"].stem == "1984\\. Quel roman parle de surveillance ?"
    assert one("[moodle]<b>Gras</b> &amp; fin ?{T}").stem == "Gras & fin ?"


def test_categories_are_tags_on_the_questions_that_follow():
    result = read(
        "Avant ?{T}\n\n$CATEGORY: $course$/top/Chapitre 1\n\nA ?{T}\n\nB ?{T}\n\n"
        "$CATEGORY: $system$/Chapitre 2/Partie\nC ?{T}\n"
    )
    assert [q.tags for q in result.questions] == [(), ("Chapitre 1",), ("Chapitre 1",), ("Chapitre 2/Partie",)]


def test_comments_are_ignored_anywhere():
    question = one("// avant\n::T:: Question\n// au milieu\n{\n// dans les réponses\n=a ~b #// pas un commentaire\n}")
    assert question.stem == "Question"
    assert question.choices[1].feedback == "// pas un commentaire"


def test_titles_make_ids_unique_within_the_file_and_beside_taken_ones():
    result = read("::Q1::A ?{T}\n\n::Q1::B ?{T}\n\n::Réseau & Wi-Fi !::C ?{T}\n\n::???::D ?{T}", taken_ids={"q1"})
    assert [q.id for q in result.questions] == ["q1-2", "q1-3", "reseau-wi-fi", derived_id("gift", "D ?")]
    assert [q.title for q in result.questions] == ["Q1", "Q1", "Réseau & Wi-Fi !", "???"]
    assert slugify("  Éléa : Q—12 ") == "elea-q-12"
    assert len(slugify("x" * 200)) == 80
    assert read("Sans titre ?{T}", id_prefix="e3").questions[0].id == derived_id("e3", "Sans titre ?")


def test_bom_and_crlf():
    result = sample("bom.gift")
    assert not result.errors
    assert [(q.id, q.stem, q.explanation) for q in result.questions] == [
        ("avec-bom", "Le fichier commence par un BOM.", "Le BOM est accepté.")]
    assert read("\ufeff::X::Y ?{T}\r\n\r\n::Z::W ?{F}\r\n").questions[1].id == "z"


def test_a_file_that_is_not_utf8():
    result = sample("latin1.gift")
    assert result.questions == []
    assert [(p.line, p.message) for p in result.errors] == [
        (4, "le fichier n'est pas en UTF-8 : exportez-le de Moodle en UTF-8, ou réenregistrez-le en UTF-8 avec votre "
         "éditeur de texte.")]


def test_errors_are_reported_at_their_line_and_the_rest_still_reads():
    result = sample("erreurs.gift")
    assert [(p.line, p.severity) for p in result.problems if p.severity is Severity.ERROR] == [
        (5, Severity.ERROR), (7, Severity.ERROR), (9, Severity.ERROR), (11, Severity.ERROR), (13, Severity.ERROR),
        (15, Severity.ERROR), (17, Severity.ERROR), (19, Severity.ERROR), (21, Severity.ERROR), (23, Severity.ERROR),
    ]
    messages = {p.line: p.message for p in result.errors}
    assert messages[5].startswith("accolade « { » sans « } »")
    assert messages[7].startswith("plusieurs blocs de réponses")
    assert messages[9] == "poids 150 % hors limites : il doit être entre -100 % et 100 %."
    assert messages[11] == "poids « %abc% » illisible : écrivez par exemple %50% ou %-33.33%."
    assert messages[13] == "« trois » n'est pas un nombre."
    assert messages[15].startswith("le titre ouvert par « :: » n'est pas fermé")
    assert messages[17] == "il faut au moins deux réponses."
    assert messages[19].startswith("plusieurs réponses valent 100 %")
    assert messages[21] == "chaque paire s'écrit « =élément -> réponse »."
    assert messages[23].startswith("accolade « } » sans « { »")
    assert result.invalid == 10
    assert [q.id for q in result.questions] == ["valide", "autre-valide"]


@pytest.mark.parametrize(
    ("gift", "message"),
    [
        ("Q ?{~a ~b}", "aucune bonne réponse : marquez-la avec « = »"),
        ("Q ?{~%40%a ~%40%b ~c}", "les bonnes réponses totalisent 80 %"),
        ("Q ?{=%50%a ~b}", "aucune réponse ne vaut 100 %"),
        ("Q ?{=%-50%a =b}", "poids négatif"),
        ("Q ?{=%50%a}", "aucune réponse ne vaut 100 %"),
        ("Q ?{=*}", "la réponse joker « * » qui rapporte des points n'est pas prise en charge"),
        ("Q ?{#=%50%3}", "aucune réponse ne vaut 100 %"),
        ("Q ?{#5..1}", "le minimum dépasse le maximum"),
        ("Q ?{#3:-1}", "la marge d'erreur doit être positive ou nulle"),
        ("Q ?{#}", "aucune réponse numérique"),
        ("Q ?{=a -> 1 =b -> 2 =a -> 3}", "l'élément « a » figure deux fois"),
        ("Q ?{=a -> 1 = -> 2}", "il faut au moins deux paires"),
        ("Q ?{=a -> 1 =b -> }", "paire sans réponse après « -> »"),
        ("Q ?{texte =a ~b}", "« texte » avant la première réponse"),
        ("Q ?{=a ~}", "réponse vide"),
        ("{=a ~b}", "la question n'a pas d'énoncé"),
        ("Q ?} {=a ~b", "accolade « } » avant « { »"),
    ],
)
def test_syntax_errors(gift, message):
    result = read(f"// ligne 1\n\n{gift}")
    assert result.questions == []
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert message in result.errors[0].message


def test_error_line_is_the_line_of_the_faulty_answer():
    result = read("Q ?{\n  =a\n  ~b\n  ~%200%c\n}")
    assert [(p.line, p.message) for p in result.errors] == [(4, "poids 200 % hors limites : il doit être entre -100 % "
                                                                "et 100 %.")]


def test_question_without_general_feedback_is_imported_with_a_warning():
    result = read("::Q::Sans explication ?{T}")
    assert result.without_explanation() == result.questions
    assert [(p.line, p.message) for p in result.problems.warnings] == [
        (1, "pas de retour général (####) : écrivez l'explication de la question « q » (champ explanation) avant de "
         "publier le module.")]


# --- round trip to our format ---------------------------------------------------------------------------------


def blocks_of(markdown: str) -> list[tuple[int, str]]:
    return [(markdown[: m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"^```question\n(.*?)^```\n", markdown, re.M | re.S)]


def test_markdown_blocks_read_back_to_equal_questions():
    result = sample("tout.gift")
    markdown = to_markdown_blocks(result.questions)
    blocks = blocks_of(markdown)
    assert len(blocks) == len(result.questions) == 17
    for question, (line, source) in zip(result.questions, blocks):
        problems = Problems()
        parsed = parse_question(source, path=Path("quiz.md"), line=line, problems=problems, id_prefix="x",
                                in_quiz=True)
        if question.explanation:
            assert parsed is not None, [p.format() for p in problems]
            assert dataclasses.replace(parsed, line=question.line) == question
        else:
            # the only thing missing is what the author must write
            assert parsed is None
            assert [p.message for p in problems.errors] == ["« explanation » manque : ce champ est obligatoire."]
            assert "# explanation: à écrire" in source
            completed = source + "explanation: Écrite par l'enseignant.\n"
            parsed = parse_question(completed, path=Path("quiz.md"), line=line, problems=Problems(), id_prefix="x",
                                    in_quiz=True)
            assert parsed is not None
            assert dataclasses.replace(parsed, line=question.line, explanation="") == question


def test_markdown_blocks_look_like_the_readme():
    question = one("::Capitale::Capitale ?{=Paris#Oui. ~Lyon#Non : c'est Paris.####Depuis longtemps.}")
    assert to_markdown_blocks([question, question]) == (
        "```question\n"
        "id: capitale\n"
        "type: single\n"
        "title: Capitale\n"
        "stem: Capitale ?\n"
        "options:\n"
        "  - text: Paris\n"
        "    correct: true\n"
        "    feedback: Oui.\n"
        "  - text: Lyon\n"
        "    feedback: 'Non : c''est Paris.'\n"
        "explanation: Depuis longtemps.\n"
        "```\n"
        "\n"
        "```question\n"
        "id: capitale\n"
    ) + to_markdown_blocks([question]).split("id: capitale\n", 1)[1]


def test_a_line_that_would_close_the_fence_is_never_written():
    question = one("[markdown]Code :\n\n```\nx = 1\n```\n{T####ok}".replace("\n\n", "\\n\\n"))
    assert "```" in question.stem
    text = to_markdown_blocks([question])
    inner = text.split("\n", 1)[1].rsplit("```", 1)[0]
    assert not re.search(r"^\s{0,3}```", inner, re.M)
    assert blocks_of(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questions())
def test_property_any_question_survives_the_round_trip(question):
    problems = Problems()
    parsed = parse_question(question_to_yaml(question), path=Path("q.md"), line=question.line, problems=problems,
                            id_prefix="x", in_quiz=True)
    assert not problems.errors, [p.format() for p in problems.errors]
    assert parsed == question


# --- JSON ---------------------------------------------------------------------------------------------------------


def test_json_describes_each_question(everything):
    data = json.loads(to_json(everything.values()))
    assert len(data) == 17
    for entry in data:
        assert {"type", "title", "stem", "options", "general_feedback"} <= set(entry)
        assert entry["type"] in ("single", "multiple", "truefalse", "short", "numeric", "matching")
    by_id = {entry["id"]: entry for entry in data}
    assert by_id["hallucination"]["options"] == [
        {"id": "a", "text": "Une réponse fausse présentée avec assurance.", "correct": True, "score": 1.0,
         "feedback": "Oui : le texte est plausible, pas vérifié."},
        {"id": "b", "text": "Un plantage de l'application.", "correct": False, "score": 0.0,
         "feedback": "Non, l'application fonctionne normalement."},
        {"id": "c", "text": "Une erreur de calcul.", "correct": False, "score": 0.25,
         "feedback": "En partie : c'est une erreur, mais pas seulement de calcul."},
    ]
    assert by_id["hallucination"]["general_feedback"] == "Un modèle de langage prédit la suite la plus probable d'un texte."
    assert [o["score"] for o in by_id["usages-sobres"]["options"]] == [0.5, 0.5, -1.0, -0.5]
    assert by_id["majorite-numerique"]["options"][1] == {"text": "Faux", "value": False, "correct": False,
                                                        "score": 0.0, "feedback": "Si : c'est la majorité numérique."}
    assert [o["text"] for o in by_id["annee-turing"]["options"]] == ["1950", "1950 ± 2"]
    assert by_id["intervalle"]["options"][0]["text"] == "1 .. 5"
    assert by_id["associer"]["options"][0] == {"text": "Une vidéo truquée d'un élève circule", "match": "Hypertrucage",
                                               "score": pytest.approx(1 / 3), "feedback": None}
    assert by_id["associer"]["distractors"] == ["Biais de confirmation"]
    assert [(o["text"], o["score"]) for o in by_id["donnees-d-entrainement"]["options"]] == [
        ("entraînement", 1.0), ("apprentissage", 1.0), ("exemples", 0.5), ("test", 0.0)]
    assert by_id["associer"]["tags"] == ["IA générative"]


# --- command line ---------------------------------------------------------------------------------------------------

MODULE = "e3-ia-generative"


@pytest.fixture
def courses(app_config, tmp_path) -> Path:
    """A courses folder with one empty module, used by the app the runner drives."""
    root = tmp_path / "courses"
    (root / MODULE).mkdir(parents=True)
    app_config["COURSES_DIR"] = root
    return root


@pytest.fixture
def cli(courses, runner):
    def invoke(*args: str):
        return runner.invoke(args=["gift", "import", *args])

    return invoke


def test_cli_json_prints_and_writes_nothing(cli, courses):
    result = cli(str(SAMPLES / "tout.gift"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [entry["type"] for entry in data][:4] == ["single", "multiple", "multiple", "truefalse"]
    assert "17 questions importées, 2 ignorées (type non pris en charge), 0 en erreur." in result.stderr
    assert "ligne 80 : ignorée : question ouverte (essay" in result.stderr
    assert not (courses / MODULE / "quiz.md").exists()


def test_cli_module_creates_quiz_md_with_default_settings(cli, courses):
    result = cli(str(SAMPLES / "tout.gift"), "--module", MODULE)
    assert result.exit_code == 0, result.output
    quiz = courses / MODULE / "quiz.md"
    text = quiz.read_text(encoding="utf-8")
    assert text.startswith("---\nmastery: 80 ")
    front_matter = text.split("---\n")[1]
    problems = Problems()
    assert parse_quiz_settings(front_matter, path=quiz, line=2, problems=problems) == QuizSettings()
    assert not problems
    assert len(blocks_of(text)) == 17
    assert f"17 questions importées dans {quiz}" in result.output
    assert "11 questions attendent son explication (champ explanation)" in result.output


def test_cli_module_appends_and_keeps_ids_unique(cli, courses):
    quiz = courses / MODULE / "quiz.md"
    quiz.write_text("---\nmastery: 70\n---\n\nIntroduction.\n\n```question\nid: q\ntype: truefalse\nstem: S\n"
                    "answer: true\nexplanation: E\n```\n", encoding="utf-8")
    gift = courses / "banque.gift"
    gift.write_text("::Q::Première ?{T####Oui.}\n", encoding="utf-8")
    assert cli(str(gift), "--module", MODULE).exit_code == 0
    assert cli(str(gift), "--module", MODULE).exit_code == 0
    text = quiz.read_text(encoding="utf-8")
    assert text.startswith("---\nmastery: 70\n---\n\nIntroduction.\n\n```question\nid: q\n")
    assert [re.search(r"^id: (.+)$", source, re.M).group(1) for _, source in blocks_of(text)] == ["q", "q-2", "q-3"]


def test_cli_refuses_an_unknown_module(cli, courses):
    for module in ("inconnu", "../e3-ia-generative", "E3"):
        result = cli(str(SAMPLES / "tout.gift"), "--module", module)
        assert result.exit_code == 1
        assert f"le module « {module} » n'existe pas" in result.output
    assert list(courses.rglob("quiz.md")) == []


def test_cli_writes_nothing_when_a_question_has_an_error(cli, courses):
    result = cli(str(SAMPLES / "erreurs.gift"), "--module", MODULE)
    assert result.exit_code == 1
    assert "ligne 5 : erreur : accolade « { » sans « } »" in result.output
    assert "ligne 23 : erreur : accolade « } » sans « { »" in result.output
    assert "10 erreurs : rien n'a été importé." in result.output
    assert not (courses / MODULE / "quiz.md").exists()
    json_result = cli(str(SAMPLES / "erreurs.gift"), "--json")
    assert json_result.exit_code == 1
    assert json_result.stdout == ""


def test_cli_skip_invalid_imports_the_valid_questions(cli, courses):
    result = cli(str(SAMPLES / "erreurs.gift"), "--module", MODULE, "--skip-invalid")
    assert result.exit_code == 1  # errors were found, even if skipped
    assert "2 questions importées" in result.output
    assert "10 en erreur" in result.output
    text = (courses / MODULE / "quiz.md").read_text(encoding="utf-8")
    assert [re.search(r"^id: (.+)$", source, re.M).group(1) for _, source in blocks_of(text)] == [
        "valide", "autre-valide"]


@pytest.mark.parametrize("args", [[], ["--json", "--module", MODULE]])
def test_cli_needs_exactly_one_of_json_and_module(cli, args):
    result = cli(str(SAMPLES / "tout.gift"), *args)
    assert result.exit_code == 2
    assert "indiquez soit --module MODULE-ID" in result.output


def test_cli_missing_file(cli):
    result = cli("absent.gift", "--json")
    assert result.exit_code == 1
    assert "le fichier « absent.gift » n'existe pas." in result.output


def test_cli_not_utf8(cli):
    result = cli(str(SAMPLES / "latin1.gift"), "--json")
    assert result.exit_code == 1
    assert "ligne 4 : erreur : le fichier n'est pas en UTF-8" in result.output


def test_gift_is_a_command_of_lycee_ia(app):
    assert "gift" in app.cli.commands
    assert "import" in app.cli.commands["gift"].commands
