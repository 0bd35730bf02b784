"""Administration: accounts, audit log (and later schools, content, indicators)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.admin import routes

    from lycee_ia.templating import register_nav

    app.register_blueprint(routes.bp)
    register_nav(app, "admin.index", "Administration", {"admin"}, order=90)
