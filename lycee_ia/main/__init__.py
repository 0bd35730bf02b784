"""The home page of each role and the health check."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.main import routes

    from lycee_ia.templating import register_nav

    app.register_blueprint(routes.bp)
    register_nav(app, "main.home", "Accueil", {"eleve", "enseignant", "personnel", "formateur", "admin"}, order=0)
