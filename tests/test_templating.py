"""Dates are written the French way, in Paris time."""

from datetime import date, datetime

from lycee_ia.templating import format_date, format_datetime


def test_dates_in_french_with_the_first_of_the_month_as_an_ordinal():
    assert format_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert format_date(date(2026, 12, 2)) == "2 décembre 2026"
    # Stored times are UTC: 23:30 UTC on 31 July is 1:30 on 1 August in Paris.
    assert format_datetime(datetime(2026, 7, 31, 23, 30)) == "1er août 2026 à 1 h 30"
    assert format_datetime(None) == "—"
