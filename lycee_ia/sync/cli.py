"""``lycee-ia sync ...``: enrol, sync now, USB bundles, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lycee_ia.db import db

MAX_BUNDLE_BYTES = 512 * 1024 * 1024


@click.group("sync", cls=AppGroup, help="Synchronisation entre les ordinateurs portables et le serveur du lycée.")
def sync() -> None:
    pass


def _require(role: str) -> None:
    if role not in (current_app.config.get("SYNC_ROLES") or ()):
        where = "un ordinateur portable" if role == "laptop" else "le serveur du lycée"
        raise click.ClickException(f"Cette commande s'utilise sur {where}.")


@sync.command("enrol", help="Inscrire cet ordinateur pour un élève (le serveur doit être joignable).")
@click.argument("username")
@click.option("--server", "server_url", default=None, help="Adresse du serveur (sinon LYCEE_IA_SERVER_URL).")
@click.option("--password", envvar="LYCEE_IA_ENROL_PASSWORD", default=None, help="Mot de passe (sinon demandé au clavier).")
def enrol(username: str, server_url: str | None, password: str | None) -> None:
    from lycee_ia.sync.client import ServerRefused, ServerUnreachable
    from lycee_ia.sync.laptop import LaptopSyncError
    from lycee_ia.sync.runner import enrol_laptop
    from lycee_ia.sync.urls import ServerUrlError, normalise_server_url

    _require("laptop")
    app = current_app._get_current_object()
    try:
        url = normalise_server_url(server_url or app.config.get("SERVER_URL") or "")
    except ServerUrlError as error:
        raise click.ClickException(f"Adresse du serveur : {error}") from None
    password = password or click.prompt("Mot de passe", hide_input=True)
    try:
        user = enrol_laptop(app, url, username, password)
    except (ServerRefused, ServerUnreachable, LaptopSyncError) as error:
        raise click.ClickException(getattr(error, "message", None) or str(error)) from None
    click.echo(f"Cet ordinateur est inscrit pour {user.display_name} ({user.username}).")


@sync.command("now", help="Synchroniser maintenant tous les élèves inscrits sur cet ordinateur.")
def now() -> None:
    from lycee_ia.sync import laptop
    from lycee_ia.sync.runner import sync_account

    _require("laptop")
    app = current_app._get_current_object()
    accounts = [(a.user_id, a.user.username) for a in laptop.enrolled_accounts(db.session) if not a.revoked]
    db.session.rollback()
    if not accounts:
        click.echo("Aucun élève n'est inscrit sur cet ordinateur : rien à synchroniser.")
        return
    failed = False
    for user_id, username in accounts:
        with click.progressbar(length=1, label=f"{username} : envoi des traces", show_pos=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = sync_account(app, user_id, progress)
        if report.ok:
            extra = f", {len(report.installed)} module(s) mis à jour" if report.installed else ""
            click.echo(f"{username} : {report.acknowledged} trace(s) reçue(s) par le serveur, {report.pending} en attente{extra}.")
        else:
            failed = True
            click.echo(f"{username} : échec — {report.error} ({report.pending} trace(s) en attente).", err=True)
    if failed:
        raise SystemExit(1)


@sync.command("status", help="Afficher l'état de la synchronisation de cet ordinateur.")
def status() -> None:
    from lycee_ia.sync import laptop
    from lycee_ia.templating import format_datetime

    _require("laptop")
    accounts = laptop.enrolled_accounts(db.session)
    if not accounts:
        click.echo("Aucun élève n'est inscrit sur cet ordinateur.")
    for account in accounts:
        pending = laptop.pending_count(db.session, [account.user_id])
        state = "retiré par le lycée" if account.revoked else f"dernière synchronisation : {format_datetime(account.last_sync_at)}"
        click.echo(f"{account.user.username} : {pending} trace(s) en attente, {state}")


@sync.command("export", help="Écrire dans un fichier (clé USB) les traces pas encore reçues par le serveur.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Fichier à écrire.")
def export(out: Path) -> None:
    from lycee_ia.events.services import get_device_id
    from lycee_ia.sync.laptop import export_bundle
    from lycee_ia.sync.runner import device_key

    _require("laptop")
    app = current_app._get_current_object()
    data, count = export_bundle(db.session, device_key(app), get_device_id(db.session))
    db.session.commit()
    out.write_bytes(data)
    click.echo(f"{count} trace(s) écrite(s) dans {out} ({len(data)} octets). Le serveur les importera avec « lycee-ia sync import ».")


@sync.command("import", help="Importer un paquet : sur le serveur, les traces d'un ordinateur ; sur un ordinateur, le paquet du serveur.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(path: Path) -> None:
    app = current_app._get_current_object()
    if path.stat().st_size > MAX_BUNDLE_BYTES:
        raise click.ClickException("Ce fichier est trop volumineux pour être un paquet Lycée IA.")
    data = path.read_bytes()
    roles = app.config.get("SYNC_ROLES") or ()
    from lycee_ia.sync.signing import SignatureError, read_header

    try:
        kind = read_header(data)[0].get("kind")
    except SignatureError as error:
        raise click.ClickException(f"Paquet refusé : {error}") from None
    if kind == "events" and "server" in roles:
        from lycee_ia.sync.server import SyncError, import_events_bundle

        try:
            report = import_events_bundle(db.session, data, actor=None)
        except SyncError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"Paquet importé : {report.new} trace(s) nouvelle(s), {report.already} déjà présente(s), {report.refused} refusée(s).")
        for message in report.messages:
            click.echo(message)
        return
    if kind == "state" and "laptop" in roles:
        from lycee_ia.events.services import get_device_id
        from lycee_ia.sync.laptop import LaptopSyncError, import_state_bundle
        from lycee_ia.sync.models import SyncAccount
        from lycee_ia.sync.runner import install_archives

        try:
            result = import_state_bundle(db.session, data, get_device_id(db.session))
            server_key = db.session.get(SyncAccount, result.user.id).server_key
            db.session.commit()
            installed = install_archives(app, [(None, archive) for archive in result.archives], server_key)
        except LaptopSyncError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Paquet du serveur importé pour {result.user.username} : {result.acknowledged} trace(s) confirmée(s), "
            f"{len(installed)} module(s) mis à jour."
        )
        return
    raise click.ClickException("Ce paquet ne s'importe pas ici (paquet d'ordinateur : sur le serveur ; paquet du serveur : sur l'ordinateur).")


@sync.command("export-state", help="Sur le serveur : écrire le paquet (classes, contenus, accusés) pour un ordinateur.")
@click.option("--device", "device_id", required=True, help="Identifiant de l'ordinateur.")
@click.option("--user", "username", required=True, help="Identifiant de l'élève.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_state(device_id: str, username: str, out: Path) -> None:
    from lycee_ia.accounts.services import get_user_by_username
    from lycee_ia.content.catalogue import get_catalogue
    from lycee_ia.sync.models import SyncDevice
    from lycee_ia.sync.server import state_bundle
    from lycee_ia.sync.signing import signing_key

    _require("server")
    user = get_user_by_username(db.session, username)
    device = db.session.scalar(
        select(SyncDevice).where(SyncDevice.device_id == device_id, SyncDevice.user_id == (user.id if user else -1))
    )
    if device is None or not device.active:
        raise click.ClickException("Aucun ordinateur actif avec cet identifiant pour cet élève.")
    data = state_bundle(db.session, device, list(get_catalogue().modules.values()), signing_key(current_app.config["SECRET_KEY"]))
    out.write_bytes(data)
    click.echo(f"Paquet pour l'ordinateur écrit dans {out} ({len(data)} octets).")
