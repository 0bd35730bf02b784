"""CSV exports that open right in LibreOffice and Excel set up in French.

UTF-8 with a BOM (so Excel does not read it as Windows-1252), ``;`` between
cells (a French spreadsheet reads ``,`` as the decimal separator), CRLF line
ends, and no cell that a spreadsheet could take for a formula: a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe (the OWASP advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from lycee_ia.teaching.analysis import ItemAnalysis
from lycee_ia.teaching.dashboard import ClassDashboard
from lycee_ia.templating import format_date, format_datetime, to_local

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The text of a cell, made inert for spreadsheets.

    Numbers our own code computed stay numbers (a negative one is not a
    formula); any text that starts like a formula is escaped.
    """
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def filename(*parts: str) -> str:
    """An ASCII file name: ``suivi-2nde-3.csv``."""
    text = "-".join(parts)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80] + ".csv"


def iso_datetime(value: datetime | None) -> str:
    """``2026-12-04 14:30`` in Paris time: a spreadsheet reads it as a date and sorts it."""
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def iso_date(value: datetime | date | None) -> str:
    """``2026-12-04``: a date a spreadsheet sorts, beside the French text."""
    if value is None:
        return ""
    local = to_local(value) if isinstance(value, datetime) else value
    return local.strftime("%Y-%m-%d")


def _plain(html: str | Markup | None) -> str:
    if not html:
        return ""
    return Markup(html).striptags()


def overview_rows(dashboard: ClassDashboard) -> list[list[Any]]:
    """One line per student: name, username, last activity (and laptop sync), then state and best score per assignment."""
    header = ["Nom", "Prénom", "Identifiant", "Dernière activité", "Dernière activité (AAAA-MM-JJ)", "À aider"]
    if dashboard.shows_sync:
        header[5:5] = ["Dernière synchronisation de l'ordinateur", "Dernière synchronisation (AAAA-MM-JJ)"]
    for column in dashboard.columns:
        target = f" ({column.group_name})" if column.group_name else ""
        header += [f"{column.title}{target} : état", f"{column.title}{target} : meilleur score (%)"]
    rows: list[list[Any]] = [header]
    for row in dashboard.rows:
        line: list[Any] = [
            row.last_name,
            row.first_name,
            row.username,
            format_datetime(row.last_activity_at) if row.last_activity_at else "",
            iso_datetime(row.last_activity_at),
            " ; ".join(reason.text for reason in row.help),
        ]
        if dashboard.shows_sync:
            line[5:5] = [
                format_datetime(row.last_sync_at) if row.last_sync_at else "",
                iso_datetime(row.last_sync_at),
            ]
        for cell in row.cells:
            state = cell.label + (" (en retard)" if cell.overdue else "") if cell.assigned else "Non concerné"
            line += [state, "" if cell.best_score is None else cell.best_score]
        rows.append(line)
    blanks = [""] * (len(header) - 2 * len(dashboard.columns) - 1)
    summary = ["Taux de réalisation (%)", *blanks]
    medians = ["Score médian (%)", *blanks]
    due = ["À faire pour le", *blanks]
    due_iso = ["À faire pour le (AAAA-MM-JJ)", *blanks]
    for column in dashboard.columns:
        summary += ["", "" if column.completion is None else column.completion]
        medians += ["", "" if column.median_score is None else column.median_score]
        due += ["", format_date(column.assignment.due_at) if column.assignment.due_at else ""]
        due_iso += ["", iso_date(column.assignment.due_at)]
    rows += [[], summary, medians, due, due_iso]
    return rows


def item_rows(analysis: ItemAnalysis, title: str) -> list[list[Any]]:
    """One line per (question, wrong answer); questions without wrong answers get one line."""
    scope = "premières tentatives" if analysis.scope == "premieres" else "toutes les tentatives"
    rows: list[list[Any]] = [
        [f"Analyse des questions : {title} ({scope})"],
        [
            "Question n°",
            "Énoncé",
            "Réponses",
            "Réussite (%)",
            "Score moyen (%)",
            "Temps médian (s)",
            "Écart meilleurs / autres (points)",
            "Réponse fausse",
            "Élèves",
            "Part des élèves (%)",
            "Commentaire de l'auteur",
            "Élèves concernés",
        ],
    ]
    for stats in analysis.questions:
        base = [
            stats.number or "",
            _plain(stats.question.stem),
            stats.answers,
            "" if stats.success_rate is None else stats.success_rate,
            "" if stats.mean_score is None else stats.mean_score,
            "" if stats.median_seconds is None else stats.median_seconds,
            "" if stats.discrimination is None else stats.discrimination,
        ]
        if not stats.wrong_answers:
            rows.append(base + ["", "", "", "", ""])
        for wrong in stats.wrong_answers:
            rows.append(
                base
                + [_plain(wrong.label), wrong.count, wrong.share, _plain(wrong.feedback), ", ".join(wrong.students)]
            )
    rows += [[], ["Répartition des scores", "Élèves"]]
    for index, count in enumerate(analysis.distribution):
        rows.append([f"{index * 10} à {index * 10 + 9 if index < 9 else 100} %", count])
    return rows
