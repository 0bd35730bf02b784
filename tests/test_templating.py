"""Dates are written the French way, in Paris time."""

from datetime import date, datetime

from lycee_ia.templating import format_date, format_datetime


def test_dates_in_french_with_the_first_of_the_month_as_an_ordinal():
    assert format_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert format_date(date(2026, 12, 2)) == "2 décembre 2026"
    # Stored times are UTC: 23:30 UTC on 31 July is 1:30 on 1 August in Paris.
    assert format_datetime(datetime(2026, 7, 31, 23, 30)) == "1er août 2026 à 1 h 30"
    assert format_datetime(None) == "—"


def test_numbers_are_written_the_french_way():
    from lycee_ia.templating import format_number

    nnbsp = "\u202f"
    assert format_number(4167.0) == f"4{nnbsp}167"
    assert format_number(70.0) == "70"
    assert format_number(3.14) == "3,14"
    assert format_number(-2.5) == "-2,5"
    assert format_number(1234567.5) == f"1{nnbsp}234{nnbsp}567,5"
    assert format_number(1000) == f"1{nnbsp}000"
    assert format_number(0.1 + 0.2) == "0,3"
    assert format_number(None) == "—"


def test_quotes_are_never_doubled_and_text_is_escaped():
    from lycee_ia.templating import quoted

    assert str(quoted("Relis la partie 2")) == "«\u00a0Relis la partie 2\u00a0»"
    assert str(quoted("« Relis la partie 2 »")) == "« Relis la partie 2 »"
    assert str(quoted("<b>")) == "«\u00a0&lt;b&gt;\u00a0»"


def test_several_texts_are_joined_as_sentences():
    from lycee_ia.templating import as_sentences

    assert str(as_sentences(["Les paroles.", "Le message.", "La musique"])) == "Les paroles. Le message. La musique"
    assert str(as_sentences(["un chat", "un chien"])) == "un chat ; un chien"
    assert str(as_sentences(["<em>Vrai ?</em>", "Oui"])) == "<em>Vrai ?</em> Oui"
