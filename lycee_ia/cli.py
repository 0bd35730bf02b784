"""The ``lycee-ia`` command: every operation an administrator needs.

It is Flask's command line bound to this app's factory, so ``flask --app
lycee_ia`` offers the same commands. Features add their own groups in their
``init_app``.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from config import ConfigError


def _create_app() -> Flask:
    from lycee_ia import create_app

    try:
        return create_app()
    except ConfigError as error:
        # One sentence, no traceback: the message says what to change.
        click.echo(f"Erreur de configuration : {error}", err=True)
        sys.exit(2)


@click.command("serve", help="Servir l'application (waitress ; en mode serveur, préférez gunicorn).")
@click.option("--threads", default=8, show_default=True, help="Nombre de fils de traitement.")
@click.option(
    "--host",
    default=None,
    help="Adresse d'écoute (par défaut LYCEE_IA_HOST, sinon 127.0.0.1 ; "
    "en mode serveur, le mandataire inverse est sur la même machine).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (par défaut PORT, sinon 5000).")
@with_appcontext
def serve(threads: int, host: str | None, port: int | None) -> None:
    import ipaddress

    import waitress

    from lycee_ia.db import db
    from lycee_ia.migrations import current_revision, head_revision

    app = current_app._get_current_object()
    if current_revision(db.engine) != head_revision():
        raise click.ClickException("La base de données n'est pas à jour : lancez d'abord « lycee-ia db upgrade ».")
    host = (host or app.config["HOST"]).strip()
    port = port or app.config["PORT"]
    if app.config.get("LOOPBACK_HOSTS_ONLY"):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise click.ClickException(
                f"--host vaut « {host} », mais le mode ordinateur portable n'écoute que sur l'ordinateur lui-même : "
                "indiquez 127.0.0.1, ou passez en mode serveur (LYCEE_IA_MODE=server)."
            )
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Lycée IA ({app.config['MODE']}) : http://{shown_host}:{port}/  (Ctrl+C pour arrêter)")
    if "laptop" in (app.config.get("SYNC_ROLES") or ()) and app.config.get("SYNC_BACKGROUND"):
        # The serve process, not the factory, starts the laptop's background sync.
        from lycee_ia.sync.runner import start_background_sync

        start_background_sync(app)
    # Server mode with an LRS: the xAPI forwarder runs beside the requests.
    from lycee_ia.xapi.forwarder import start_forwarder

    start_forwarder(app)
    waitress.serve(app, host=host, port=port, threads=threads, ident="lycee-ia", _quiet=True)


@click.group("db", cls=AppGroup, help="Base de données.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Créer la base ou la mettre à jour (migrations Alembic).")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    from lycee_ia.db import db
    from lycee_ia.migrations import current_revision, upgrade

    before = current_revision(db.engine)
    upgrade(db.engine, revision)
    after = current_revision(db.engine)
    click.echo("Base de données déjà à jour." if before == after else f"Base de données mise à jour ({before or 'vide'} → {after}).")


@db_group.command("current", help="Afficher la révision de la base.")
def db_current() -> None:
    from lycee_ia.db import db
    from lycee_ia.migrations import current_revision, head_revision

    click.echo(f"Révision de la base : {current_revision(db.engine) or 'aucune'} ; dernière révision : {head_revision()}")


@click.command("demo", help="Charger les données de démonstration (sans effet si elles sont déjà là).")
@click.option("--if-empty", is_flag=True, help="Ne charger que si la base ne contient encore aucun compte.")
@click.option("--allow-server", is_flag=True, help="Autoriser la démonstration en mode serveur.")
@with_appcontext
def demo(if_empty: bool, allow_server: bool) -> None:
    from lycee_ia import demo as demo_data
    from lycee_ia.db import db

    app = current_app._get_current_object()
    if not (app.config["DEMO_ALLOWED"] or allow_server):
        raise click.ClickException(
            "Les données de démonstration sont refusées en mode serveur : ajoutez --allow-server si c'est voulu."
        )
    session = db.session
    if if_empty and not demo_data.is_empty(session) and not demo_data.has_demo(session):
        click.echo("La base contient déjà des comptes : pas de données de démonstration.")
        return
    summary = demo_data.load_demo(session)
    session.commit()
    click.echo(
        f"Données de démonstration : {summary.created} compte(s) créé(s)." if summary.created
        else "Données de démonstration déjà présentes."
    )
    click.echo(f"Comptes de démonstration (mot de passe : {demo_data.DEMO_PASSWORD}) :")
    for username, label in summary.accounts:
        click.echo(f"  {username:<20} {label}")


def init_app(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(db_group)
    app.cli.add_command(demo)


cli = FlaskGroup(
    create_app=_create_app,
    load_dotenv=False,
    help="Lycée IA : servir l'application et l'administrer.",
)


def main() -> None:
    cli.main(prog_name="lycee-ia")
