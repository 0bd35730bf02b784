"""``lycee-ia xapi ...``: export statements to a file, forward the queue to the LRS."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lycee_ia.xapi.statements import MISSING_PUBLIC_URL, XapiConfigError, builder_for

EXPORT_CHUNK = 1000


@click.group("xapi", cls=AppGroup, help="Traces d'apprentissage au format xAPI (entrepôt LRS, fichier).")
def xapi_group() -> None:
    pass


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"« {value} » n'est pas une date : écrivez-la AAAA-MM-JJ, par exemple 2026-09-01.",
                                 param_hint=option) from None


@xapi_group.command("export", help="Écrire les traces xAPI d'une période dans un fichier JSON Lines.")
@click.option("--from", "start", required=True, help="Premier jour (AAAA-MM-JJ, inclus).")
@click.option("--to", "end", required=True, help="Dernier jour (AAAA-MM-JJ, inclus).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier à écrire (.jsonl) ; il est remplacé s'il existe.")
@click.option("--by", "by", type=click.Choice(["timestamp", "stored"]), default="timestamp", show_default=True,
              help="timestamp : jours où les traces ont eu lieu ; stored : jours où le serveur les a reçues "
                   "(des exports successifs n'oublient alors aucune trace arrivée en retard d'un ordinateur portable).")
def export(start: str, end: str, out: Path, by: str) -> None:
    from lycee_ia.db import db
    from lycee_ia.events.models import LearningEvent

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise click.BadParameter("le dernier jour précède le premier.", param_hint="--to")
    lower = datetime.combine(first, time())
    upper = datetime.combine(last + timedelta(days=1), time())
    column = LearningEvent.occurred_at if by == "timestamp" else LearningEvent.recorded_at
    session = db.session
    config = current_app.config
    if not config.get("PUBLIC_URL"):
        raise click.ClickException(str(XapiConfigError(MISSING_PUBLIC_URL)))
    target = out.expanduser()
    if not target.parent.is_dir():
        raise click.ClickException(f"Le dossier « {target.parent} » n'existe pas.")
    # Written beside the target, readable by its owner only (learning records
    # of minors), then renamed: a failed export leaves no half file.
    fd, temporary = tempfile.mkstemp(prefix=".xapi-", suffix=".jsonl", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            query = (
                select(LearningEvent)
                .where(column >= lower, column < upper)
                .order_by(column, LearningEvent.id)
                .execution_options(yield_per=EXPORT_CHUNK)
            )
            for chunk in session.scalars(query).partitions(EXPORT_CHUNK):
                builder = builder_for(session, config, chunk)
                for event in chunk:
                    handle.write(json.dumps(builder.statement(event), ensure_ascii=False, separators=(",", ":")) + "\n")
                    count += 1
        os.replace(temporary, target)
    except XapiConfigError as error:
        os.unlink(temporary)
        raise click.ClickException(str(error)) from None
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    click.echo(f"{count} trace(s) xAPI écrite(s) dans {target} (du {first:%d/%m/%Y} au {last:%d/%m/%Y}).")


@xapi_group.command("forward", help="Envoyer à l'entrepôt xAPI (LRS) les traces en attente, puis s'arrêter.")
@click.option("--retry-rejected", is_flag=True, help="Remettre en attente les traces que l'entrepôt a refusées.")
@click.option("--queue-existing", is_flag=True,
              help="Mettre d'abord en attente toutes les traces déjà enregistrées (premier envoi vers un nouvel entrepôt).")
def forward(retry_rejected: bool, queue_existing: bool) -> None:
    from lycee_ia.db import db
    from lycee_ia.xapi.forwarder import LrsError, forward_all, pending_count, queue_events
    from lycee_ia.xapi.forwarder import retry_rejected as retry

    config = current_app.config
    if "server" not in (config.get("SYNC_ROLES") or ()) or config.get("MODE") == "laptop":
        raise click.ClickException(
            "Un ordinateur portable n'envoie pas de traces à l'entrepôt xAPI : elles y arrivent par le serveur du lycée."
        )
    if not config.get("LRS_URL"):
        raise click.ClickException("LYCEE_IA_LRS_URL manque : indiquez l'adresse de l'entrepôt xAPI (LRS).")
    session = db.session
    if retry_rejected:
        click.echo(f"{retry(session)} trace(s) refusée(s) remise(s) en attente.")
    if queue_existing:
        click.echo(f"{queue_events(session)} trace(s) mise(s) en attente.")
    session.commit()
    try:
        report = forward_all(session, config)
    except LrsError as error:
        raise click.ClickException(f"Envoi interrompu : {error} Les traces restent en attente.") from None
    except XapiConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{report.sent} trace(s) envoyée(s) à l'entrepôt xAPI.")
    if report.rejected:
        click.echo(f"{report.rejected} trace(s) refusée(s) par l'entrepôt : voyez le journal du serveur.")
    if report.busy:
        click.echo("Un autre serveur envoie déjà les traces : il continuera.")
    click.echo(f"En attente : {pending_count(session)}.")
