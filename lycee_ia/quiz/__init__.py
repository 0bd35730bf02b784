"""Quizzes: questions as data, pure grading, and the GIFT import from Moodle."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.quiz import cli, routes, services  # noqa: F401  services registers event listeners

    app.register_blueprint(routes.bp)
    routes.init_section_hooks(app)
    app.cli.add_command(cli.gift)
