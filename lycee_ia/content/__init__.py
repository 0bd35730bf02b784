"""Content: modules as files, checked, rendered once, and read section by section."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.content import cli, routes, services  # noqa: F401  services registers event listeners
    from lycee_ia.templating import register_nav

    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.courses)
    register_nav(app, "content.catalogue", "Modules", {"eleve", "enseignant", "personnel", "formateur", "admin"}, order=10)
    register_nav(app, "content.results", "Mes résultats", {"eleve"}, order=15)
