"""Quizzes: questions as data, pure grading, and the GIFT import from Moodle."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.quiz import cli

    app.cli.add_command(cli.gift)
