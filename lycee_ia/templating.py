"""Template helpers shared by every feature: dates in French, asset URLs."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()


def to_local(value: datetime) -> datetime:
    """Stored times are naive UTC; people read them in Paris time."""
    return value.replace(tzinfo=UTC).astimezone(PARIS)


def _day(day: int) -> str:
    return "1er" if day == 1 else str(day)  # « le 1er décembre », « le 2 décembre »


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = to_local(value)
    return f"{_day(local.day)} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def format_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = to_local(value) if isinstance(value, datetime) else value
    return f"{_day(local.day)} {MONTHS[local.month - 1]} {local.year}"


def format_time(value: datetime) -> str:
    local = to_local(value)
    return f"{local.hour} h {local.minute:02d}"


# French typography: a narrow no-break space (U+202F) between groups of three digits.
THOUSANDS = "\u202f"


def format_number(value: float | int | None, decimals: int = 6) -> str:
    """A number as a French reader writes it: « 4 167 », « 3,14 », « −0,5 ».

    Thousands are separated by a narrow no-break space, the decimal separator
    is a comma, and a whole number has no decimals (« 4 167 », not « 4167,0 »).
    At most ``decimals`` decimals, without trailing zeros.
    """
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return str(value)
    text = f"{abs(value):.{decimals}f}".rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    number = THOUSANDS.join(groups) + ("," + fraction if fraction else "")
    return ("-" if value < 0 and number.strip("0,\u202f") else "") + number


_OPEN_QUOTES = ("«", "\u201c", '"')
_CLOSE_QUOTES = ("»", "\u201d", '"')


def quoted(value: str | None) -> Markup:
    """``value`` between French quotes (« … », with no-break spaces), unless it is quoted already."""
    text = (value or "").strip()
    if text.startswith(_OPEN_QUOTES) and text.endswith(_CLOSE_QUOTES) and len(text) > 1:
        return escape(text)
    return Markup("«\u00a0") + escape(text) + Markup("\u00a0»")


_TAGS = re.compile(r"<[^>]*>")
_SENTENCE_END = re.compile(r"[.!?…»)]\s*$")


def as_sentences(texts) -> Markup:
    """Join several (HTML) texts: a space after a text that ends a sentence, « ; » otherwise.

    « …paroles. Le message… » rather than « …paroles. ; Le message… ».
    """
    parts = [Markup(t) if not isinstance(t, Markup) else t for t in texts]
    out = Markup("")
    for index, part in enumerate(parts):
        if index:
            plain = _TAGS.sub("", str(parts[index - 1])).strip()
            out += Markup(" ") if _SENTENCE_END.search(plain) else Markup(" ; ")
        out += part
    return out


def speaks_tu(user=None) -> bool:
    """Whether to say « tu » to this reader: students are « tu », everyone else « vous»."""
    user = user if user is not None else current_user
    try:
        return bool(user.is_authenticated and user.role == "eleve")
    except Exception:  # an error page must never fail on this
        return False


def to_reader(tu: str, vous: str) -> str:
    """The message for the signed-in reader: ``tu`` for a student, ``vous`` for staff."""
    return tu if speaks_tu() else vous


def _asset_version(static_folder: str) -> str:
    # Computed once at start: lets browsers cache assets for a year and still
    # see a new stylesheet as soon as it changes.
    digest = hashlib.sha256()
    for path in sorted(Path(static_folder).rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def register_nav(app: Flask, endpoint: str, label: str, roles: set[str], order: int = 50) -> None:
    """Add a link to the main navigation for people holding one of ``roles``."""
    app.extensions.setdefault("lycee_ia.nav", []).append((order, endpoint, label, frozenset(roles)))


def init_app(app: Flask) -> None:
    # Assets are addressed by a version of their content (?v=...): browsers may
    # keep them a year without asking again. Flask's own default is None,
    # which makes every page revalidate every asset.
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 365 * 24 * 3600
    version = _asset_version(app.static_folder)
    app.jinja_env.filters["datetime_fr"] = format_datetime
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.filters["time_fr"] = format_time
    app.jinja_env.filters["nombre"] = format_number
    app.jinja_env.filters["guillemets"] = quoted
    app.jinja_env.filters["phrases"] = as_sentences
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Links without parameters (navigation, assets) are the same on every page:
    # built by the router once per script root, not a dozen times per request.
    fixed: dict[tuple[str, str, str], str] = {}

    def fixed_url(endpoint: str, filename: str = "") -> str:
        key = (request.script_root, endpoint, filename)
        url = fixed.get(key)
        if url is None:
            url = url_for(endpoint, filename=filename, v=version) if endpoint == "static" else url_for(endpoint)
            if len(fixed) < 1000:
                fixed[key] = url
        return url

    @app.context_processor
    def helpers():
        def navigation() -> list[tuple[str, str]]:
            if not current_user.is_authenticated:
                return []
            items = sorted(app.extensions.get("lycee_ia.nav", []))
            return [(endpoint, label) for _, endpoint, label, roles in items if current_user.role in roles]

        return {
            "asset_url": lambda filename: fixed_url("static", filename),
            "fixed_url": fixed_url,
            "navigation": navigation,
            "tu": speaks_tu(),
        }
