"""Reading roster files: encodings, separators, headers, and every bad input, without a database."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from lycee_ia.teaching.roster import MAX_ROWS, read_roster, username_base

CLASS = "2nde 3"


def rows(text: str, encoding: str = "utf-8", class_name: str = CLASS):
    return read_roster(text.encode(encoding), class_name)


def messages(roster) -> list[str]:
    return [str(problem) for problem in roster.problems]


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("Nom;Prénom;Classe\nÉlisabeth;Zoé;2nde 3\n".encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + "Nom;Prénom;Classe\nÉlisabeth;Zoé;2nde 3\n".encode("utf-8"), "UTF-8"),
        ("Nom;Prénom;Classe\r\nÉlisabeth;Zoé;2nde 3\r\n".encode("cp1252"), "Windows-1252"),
    ],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read(data, encoding):
    roster = read_roster(data, CLASS)
    assert roster.ok, messages(roster)
    assert roster.encoding == encoding
    assert [(r.first_name, r.last_name) for r in roster.rows] == [("Zoé", "Élisabeth")]


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_the_separator_is_found_from_the_header(separator):
    text = separator.join(["Nom", "Prénom", "Classe"]) + "\n" + separator.join(["Martin", "Léa", "2nde 3"]) + "\n"
    roster = rows(text)
    assert roster.ok and roster.separator == separator
    assert roster.rows[0].last_name == "Martin"


def test_headers_match_without_case_accents_or_spaces_and_extra_columns_are_ignored():
    text = (
        "N° INE;  NOM ;PRENOM;classe;Date_de_Naissance;GROUPE;identifiant;Régime\n"
        "123;Martin;Léa;2NDE 3;15/03/2009;Demi-groupe A;lea.m;DP\n"
        "124;Durand;Hugo;2nde3;2009-01-02;;;Externe\n"
    )
    roster = rows(text)
    assert roster.ok, messages(roster)
    first, second = roster.rows
    assert (first.last_name, first.first_name, first.group, first.username, first.birth_date) == (
        "Martin", "Léa", "Demi-groupe A", "lea.m", date(2009, 3, 15)
    )
    assert second.birth_date == date(2009, 1, 2) and second.group is None and second.username is None


def test_quoted_cells_with_the_separator_inside_are_one_cell():
    roster = rows('Nom,Prénom,Classe\n"De La Fontaine",Jean,"2nde 3"\n"Dupont, dit Jean",Jean,2nde 3\n')
    # The quoted comma stays in its cell, where it has no place in a name.
    assert messages(roster) == [
        "Ligne 3 : la colonne « Nom » contient « , », qui n'a pas sa place dans un nom : "
        "seuls les lettres, les espaces, les tirets, les points et les apostrophes sont admis."
    ]


def test_lines_of_other_classes_are_set_aside_and_listed():
    roster = rows("Nom;Prénom;Classe\nMartin;Léa;2nde 3\nDurand;Hugo;2nde 4\n\n;;\nPetit;Zoé;2nde 3\n")
    assert roster.ok
    assert [r.line for r in roster.rows] == [2, 6]
    assert roster.ignored == [(3, "2nde 4")]


def test_a_file_with_no_line_of_this_class_is_refused():
    roster = rows("Nom;Prénom;Classe\nDurand;Hugo;2nde 4\n")
    assert messages(roster) == ["Ligne 1 : aucune ligne ne concerne la classe « 2nde 3 » (colonne « Classe »)."]


@pytest.mark.parametrize(
    "data, line, words",
    [
        (b"", 1, "le fichier est vide"),
        (b"\n\n  \n", 1, "le fichier est vide"),
        ("Nom;Prénom;Classe\n".encode(), 1, "que la ligne d'en-tête"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "pas un fichier texte"),
        (b"PK\x03\x04\x14\x00\x06\x00", 1, "classeur"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 1, "classeur"),
        ("Nom;Prénom;Classe\nMartin;Léa;2nde 3\n".encode("utf-16"), 1, "UTF-16"),
        ("Nom;Prénom;Classe\nMartin;Léa;2nde 3\n".encode("utf-16-le"), 1, "UTF-16"),
        (b"Nom;Pr\xc3\xa9nom;Classe\nMartin;L\x81a;2nde 3\n", 2, "encodage du fichier n'est pas reconnu"),
        (codecs.BOM_UTF8 + b"Nom;Prenom;Classe\nMartin;L\xe9a;2nde 3\n", 2, "annonce l'encodage UTF-8"),
        (b"Nom;Prenom;Classe\nMartin;L\x07a;2nde 3\n", 2, "caractères de contrôle"),
        ("Nom;Classe\nMartin;2nde 3\n".encode(), 1, "colonne manquante : Prénom"),
        ("Élève;Division\nMartin;2nde 3\n".encode(), 1, "colonnes manquantes : Nom, Prénom, Classe"),
        ("Nom;Nom;Prénom;Classe\n".encode(), 1, "« Nom » apparaît deux fois"),
    ],
)
def test_files_that_cannot_be_read_get_one_clear_french_message(data, line, words):
    roster = read_roster(data, CLASS)
    assert not roster.rows
    assert len(roster.problems) == 1, messages(roster)
    problem = roster.problems[0]
    assert problem.line == line and words in problem.message, str(problem)


@pytest.mark.parametrize(
    "line, words",
    [
        ("=cmd|' /C calc'!A0;Léa;2nde 3", "« Nom » commence par « = »"),
        ("Martin;+33612345678;2nde 3", "« Prénom » commence par « + »"),
        ("-2+3;Léa;2nde 3", "commence par « - »"),
        ("@SUM(A1);Léa;2nde 3", "commence par « @ »"),
        ("Martin;Léa;=2nde 3", "« Classe » commence par « = »"),
        ("Martin;\tLéa;2nde 3", "commence par une tabulation"),
        ("<script>alert(1)</script>;Léa;2nde 3", "contient « < »"),
        ("Martin;<b>Léa</b>;2nde 3", "contient « < »"),
        ("Martin;Léa & Cie;2nde 3", "contient « & »"),
        ("Martin;L3a;2nde 3", "contient « 3 »"),
        (";Léa;2nde 3", "« Nom » est vide"),
        ("Martin;;2nde 3", "« Prénom » est vide"),
        ("Martin;Léa;", "« Classe » est vide"),
        ("Martin;Léa;2nde 3;;", None),
        ("M" * 101 + ";Léa;2nde 3", "dépasse 100 caractères"),
        ("Martin;Léa;2nde 3;31/02/2009", "date de naissance « 31/02/2009 »"),
        ("Martin;Léa;2nde 3;;Léa Martin", "l'identifiant « Léa Martin » n'est pas valable"),
        ("Martin;Léa;2nde 3;;;<Groupe>", "« Groupe » contient « < »"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_kept(line, words):
    text = "Nom;Prénom;Classe;Date de naissance;Identifiant;Groupe\nPetit;Zoé;2nde 3\n" + line + "\nGrand;Paul;2nde 3\n"
    roster = rows(text)
    if words is None:
        assert roster.ok, messages(roster)
        return
    assert messages(roster) and all(m.startswith("Ligne 3 : ") for m in messages(roster)), messages(roster)
    assert words in messages(roster)[0], messages(roster)


def test_duplicate_lines_name_both_lines_and_homonyms_with_birth_dates_are_two_people():
    roster = rows(
        "Nom;Prénom;Classe;Date de naissance\n"
        "Martin;Léa;2nde 3;01/02/2009\n"
        "MARTIN;LEA;2nde 3;01/02/2009\n"
        "Martin;Léa;2nde 3;05/06/2009\n"
    )
    assert messages(roster) == ["Ligne 3 : LEA MARTIN figure déjà à la ligne 2 (ligne en double)."]


def test_the_same_username_twice_is_refused():
    roster = rows("Nom;Prénom;Classe;Identifiant\nMartin;Léa;2nde 3;lea.m\nDurand;Hugo;2nde 3;LEA.M\n")
    assert messages(roster) == ["Ligne 3 : l'identifiant « lea.m » figure déjà à la ligne 2."]


def test_ten_thousand_lines_are_refused_at_the_first_line_over_the_limit():
    lines = ["Nom;Prénom;Classe"] + [f"Nom{'a' * (n % 7)};Prénom;2nde 3" for n in range(10_000)]
    roster = rows("\n".join(lines))
    assert len(roster.problems) >= 1
    last = roster.problems[-1]
    assert last.line == MAX_ROWS + 2 and "dépasse 2000 lignes" in last.message


def test_a_huge_file_is_refused_before_being_read():
    roster = read_roster(b"Nom;Pr\xc3\xa9nom;Classe\n" + b"Martin;Lea;2nde 3\n" * 80_000, CLASS)
    assert messages(roster) == ["Ligne 1 : le fichier pèse plus de 1 Mo : importez une classe à la fois."]


@pytest.mark.parametrize(
    "first, last, expected",
    [
        ("Léa", "Martin", "lea.martin"),
        ("Jean-Baptiste", "De La Fontaine", "jean-baptiste.de-la-fontaine"),
        ("Anaïs", "N'Diaye", "anais.ndiaye"),
        ("Œdipe", "Lætitia", "oedipe.laetitia"),
        ("Chloé", "Müller-Groß", "chloe.muller-gross"),
        ("李", "王", "eleve"),
        ("Zoé", "O’Brien", "zoe.obrien"),
        ("A" * 60, "B", "a" * 58),
    ],
)
def test_usernames_fold_accents_and_punctuation(first, last, expected):
    assert username_base(first, last) == expected


@pytest.mark.parametrize("value", ["31/02/2010", "30/02/2009", "2010-04-31", "31.06.2008", "29/02/2009"])
def test_a_day_that_does_not_exist_is_an_impossible_date_not_a_wrong_format(value):
    text = "Nom;Prénom;Classe;Date de naissance\nMartin;Léa;2nde 3;" + value + "\n"
    found = messages(rows(text))
    assert len(found) == 1 and "date impossible" in found[0], found
    assert "format" not in found[0], found


def test_a_leap_day_and_a_badly_written_date_keep_their_own_answers():
    assert rows("Nom;Prénom;Classe;Date de naissance\nMartin;Léa;2nde 3;29/02/2008\n").ok
    found = messages(rows("Nom;Prénom;Classe;Date de naissance\nMartin;Léa;2nde 3;31 février\n"))
    assert len(found) == 1 and "format JJ/MM/AAAA" in found[0] and "impossible" not in found[0], found
