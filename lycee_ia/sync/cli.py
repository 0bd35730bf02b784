"""``lycee-ia sync ...``: enrol, sync now, USB bundles, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lycee_ia.db import db

MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MIN_DEVICE_PREFIX = 8

# Exit codes of the sync commands, for scripts (documented in --help and the README).
EXIT_OK = 0
EXIT_ERROR = 1  # failed: server unreachable, bundle refused, unknown device...
EXIT_USAGE = 2  # click's own code for a badly written command (and a bad setting)
EXIT_PARTLY_REFUSED = 3  # done, but the server refused some of the events
EXIT_NOT_ENROLLED = 4  # nothing enrolled here can sync: none, or withdrawn by the school

EXIT_CODES_HELP = """

\b
Codes de sortie :
  0  tout s'est bien passé ;
  1  échec (serveur injoignable, paquet refusé, ordinateur inconnu...) ;
  2  commande mal écrite (option manquante, identifiant trop court) ou réglage faux ;
  3  fait, mais le serveur a refusé une partie des traces (détail affiché) ;
  4  aucun élève inscrit ici ne peut se synchroniser (aucun inscrit, ou inscription retirée par le lycée)."""


@click.group(
    "sync", cls=AppGroup, help="Synchronisation entre les ordinateurs portables et le serveur du lycée." + EXIT_CODES_HELP
)
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
    from lycee_ia.sync.runner import enrolment_server_url
    from lycee_ia.sync.urls import ServerUrlError

    _require("laptop")
    app = current_app._get_current_object()
    try:
        # The configured or pinned address when none is given; checked before any password is asked.
        enrolment_server_url(app, server_url)
    except ServerUrlError as error:
        raise click.ClickException(f"Adresse du serveur : {error}") from None
    except LaptopSyncError as error:
        raise click.ClickException(str(error)) from None
    password = password or click.prompt("Mot de passe", hide_input=True)
    try:
        user = enrol_laptop(app, server_url, username, password)
    except ServerUrlError as error:
        raise click.ClickException(f"Adresse du serveur : {error}") from None
    except (ServerRefused, ServerUnreachable, LaptopSyncError) as error:
        raise click.ClickException(getattr(error, "message", None) or str(error)) from None
    click.echo(f"Cet ordinateur est inscrit pour {user.display_name} ({user.username}).")


@sync.command("now", help="Synchroniser maintenant tous les élèves inscrits sur cet ordinateur." + EXIT_CODES_HELP)
def now() -> None:
    from lycee_ia.sync import laptop
    from lycee_ia.sync.runner import sync_account

    _require("laptop")
    app = current_app._get_current_object()
    enrolled = [(a.user_id, a.user.username, a.revoked) for a in laptop.enrolled_accounts(db.session)]
    db.session.rollback()
    accounts = [(user_id, username) for user_id, username, revoked in enrolled if not revoked]
    for _, username, revoked in enrolled:
        if revoked:
            click.echo(f"{username} : inscription retirée par le lycée, pas de synchronisation.", err=True)
    if not accounts:
        if not enrolled:
            click.echo("Aucun élève n'est inscrit sur cet ordinateur : rien à synchroniser.", err=True)
        raise SystemExit(EXIT_NOT_ENROLLED)
    failed = revoked_now = refused = False
    for user_id, username in accounts:
        with click.progressbar(length=1, label=f"{username} : envoi des traces", show_pos=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = sync_account(app, user_id, progress)
        if report.refused:
            refused = True
            click.echo(f"{username} : {report.refused} trace(s) refusée(s) par le serveur.", err=True)
        if report.ok:
            extra = f", {len(report.installed)} module(s) mis à jour" if report.installed else ""
            click.echo(f"{username} : {report.acknowledged} trace(s) reçue(s) par le serveur, {report.pending} en attente{extra}.")
        elif report.revoked:
            revoked_now = True
            click.echo(f"{username} : {report.error} ({report.pending} trace(s) en attente).", err=True)
        else:
            failed = True
            click.echo(f"{username} : échec — {report.error} ({report.pending} trace(s) en attente).", err=True)
    if failed:
        raise SystemExit(EXIT_ERROR)
    if revoked_now:
        raise SystemExit(EXIT_NOT_ENROLLED)
    if refused:
        raise SystemExit(EXIT_PARTLY_REFUSED)


@sync.command("status", help="Afficher l'état de la synchronisation de cet ordinateur.")
def status() -> None:
    from lycee_ia.sync import laptop
    from lycee_ia.templating import format_datetime

    from lycee_ia.events.services import get_device_id

    _require("laptop")
    # In full: the server's « lycee-ia sync export-state --device » takes it (or its first characters).
    click.echo(f"Identifiant de cet ordinateur : {get_device_id(db.session)}")
    db.session.commit()
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


@sync.command(
    "import",
    help="Importer un paquet : sur le serveur, les traces d'un ordinateur ; sur un ordinateur, le paquet du serveur."
    + EXIT_CODES_HELP,
)
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
        if report.refused:
            raise SystemExit(EXIT_PARTLY_REFUSED)
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


@sync.command(
    "export-state",
    help="Sur le serveur : écrire le paquet (classes, contenus, accusés) pour un ordinateur. "
    "L'identifiant de l'ordinateur s'affiche avec « lycee-ia sync status » sur l'ordinateur et sur la page "
    "« Ordinateurs » du serveur ; ses 8 premiers caractères suffisent s'ils ne désignent qu'un ordinateur de l'élève."
    + EXIT_CODES_HELP,
)
@click.option("--device", "device_id", required=True, help="Identifiant de l'ordinateur (complet, ou ses 8 premiers caractères au moins).")
@click.option("--user", "username", required=True, help="Identifiant de l'élève.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_state(device_id: str, username: str, out: Path) -> None:
    from lycee_ia.accounts.services import get_user_by_username
    from lycee_ia.content.catalogue import get_catalogue
    from lycee_ia.sync.models import SyncDevice
    from lycee_ia.sync.server import state_bundle
    from lycee_ia.sync.signing import signing_key

    _require("server")
    prefix = device_id.strip()
    if len(prefix) < MIN_DEVICE_PREFIX:
        raise click.UsageError(
            f"--device : donnez l'identifiant complet de l'ordinateur, ou ses {MIN_DEVICE_PREFIX} premiers caractères au moins."
        )
    user = get_user_by_username(db.session, username)
    devices = list(
        db.session.scalars(
            select(SyncDevice)
            .where(
                SyncDevice.user_id == (user.id if user else -1),
                SyncDevice.device_id.startswith(prefix, autoescape=True),
            )
            .order_by(SyncDevice.device_id)
            .limit(2)
        )
    ) if user else []
    exact = [device for device in devices if device.device_id == prefix]
    if exact:
        devices = exact
    if not devices:
        raise click.ClickException(f"Aucun ordinateur de l'élève « {username} » n'a un identifiant commençant par « {prefix} ».")
    if len(devices) > 1:
        raise click.ClickException(
            f"Plusieurs ordinateurs de l'élève « {username} » ont un identifiant commençant par « {prefix} » : "
            "donnez plus de caractères (« lycee-ia sync status » sur l'ordinateur l'affiche en entier)."
        )
    device = devices[0]
    if not device.active:
        click.echo(
            f"L'inscription de l'ordinateur {device.device_id} pour « {username} » a été retirée : pas de paquet.", err=True
        )
        raise SystemExit(EXIT_NOT_ENROLLED)
    data = state_bundle(db.session, device, list(get_catalogue().modules.values()), signing_key(current_app.config["SECRET_KEY"]))
    out.write_bytes(data)
    click.echo(f"Paquet pour l'ordinateur {device.device_id} écrit dans {out} ({len(data)} octets).")
