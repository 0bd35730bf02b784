"""Numbers read from URLs and query strings: never beyond what the database stores.

Every table's key is a PostgreSQL ``integer`` (SQLite takes 64 bits): a
larger number in a URL would reach the database and fail there (a 500 on
PostgreSQL, an OverflowError in SQLite's driver). The app's ``int`` URL
converter is :class:`IdConverter`, so every ``<int:...>`` rule answers 404
beyond ``MAX_ID``; :func:`small_int` reads a number from a query string or a
form field with ASCII digits only (``str.isdigit`` accepts ``²``, which
``int`` refuses).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer


class IdConverter(IntegerConverter):
    """``<int:name>``: ASCII digits, 0 to MAX_ID by default; anything else does not match (404)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False) -> None:  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def small_int(raw: str | None, low: int, high: int) -> int | None:
    """``raw`` as an int if it is made of ASCII digits and lies in [low, high]; None otherwise."""
    if not raw or len(raw) > 12 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


def init_app(app: Flask) -> None:
    """Bind the converters; must run before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter
