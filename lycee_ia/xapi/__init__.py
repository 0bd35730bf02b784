"""Learning records as xAPI statements: mapping (statements.py), the queue and the
forwarder to a Learning Record Store (forwarder.py), ``lycee-ia xapi`` (cli.py).
See docs/XAPI.md."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.xapi import forwarder  # noqa: F401  (registers the queue's listener)
    from lycee_ia.xapi.cli import xapi_group

    app.cli.add_command(xapi_group)
