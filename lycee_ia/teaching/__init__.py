"""Teaching: classes, groups, roster import, join codes, assignments and the class dashboard."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.accounts.cli import users
    from lycee_ia.teaching import cli, routes
    from lycee_ia.templating import register_nav

    app.register_blueprint(routes.bp)
    # `lycee-ia users import FILE.csv --class NAME`: the roster import belongs
    # with the other account commands, its code with teaching.
    users.add_command(cli.import_roster_command)
    register_nav(app, "teaching.classes", "Mes classes", {"enseignant"}, order=20)
    register_nav(app, "teaching.join", "Rejoindre une classe", {"eleve"}, order=80)
