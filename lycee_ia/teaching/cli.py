"""``lycee-ia users import FILE.csv --class NAME``: the roster import from the command line.

The machine's operator acts as an administrator: the file may name any
student account (``actor`` None in the services and the audit log).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lycee_ia.db import db
from lycee_ia.routing import MAX_ID
from lycee_ia.teaching.models import SchoolClass
from lycee_ia.teaching.services import ImportRefused, import_roster, read_roster_for

ACTIONS = {"create": "à créer", "enrol": "compte existant, à inscrire", "already": "déjà dans la classe"}


@click.command("import", help="Importer les élèves d'une classe depuis un fichier CSV (aperçu, puis confirmation).")
@click.argument("path", metavar="FICHIER.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--class", "class_name", required=True, help="Nom de la classe à remplir (elle doit exister).")
@click.option("--school", "school_id", type=click.IntRange(1, MAX_ID), default=None, help="Numéro de l'établissement, si plusieurs classes portent ce nom.")
@click.option("--yes", is_flag=True, help="Importer sans demander de confirmation après l'aperçu.")
@with_appcontext
def import_roster_command(path: Path, class_name: str, school_id: int | None, yes: bool) -> None:
    session = db.session
    statement = select(SchoolClass).where(SchoolClass.name == class_name.strip())
    if school_id is not None:
        statement = statement.where(SchoolClass.school_id == school_id)
    candidates = session.scalars(statement).all()
    if not candidates:
        raise click.ClickException(f"Aucune classe « {class_name} » : créez-la d'abord (page Classes de l'administration).")
    if len(candidates) > 1:
        raise click.ClickException(f"Plusieurs classes s'appellent « {class_name} » : précisez l'établissement avec --school.")
    school_class = candidates[0]
    roster, plan = read_roster_for(session, school_class, path.read_bytes(), None)
    if plan.problems:
        for problem in plan.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Le fichier contient des erreurs : aucun élève n'a été importé.")
    click.echo(f"Classe « {school_class.name} » — fichier {roster.encoding}, séparateur « {roster.separator} ».")
    for student in plan.students:
        group = f" [{student.group}]" if student.group else ""
        click.echo(f"  ligne {student.line:>4}  {student.first_name} {student.last_name}{group} : {student.username} ({ACTIONS[student.action]})")
        if student.warning:
            click.echo(f"             attention : {student.warning}")
    for line, other in plan.ignored:
        click.echo(f"  ligne {line:>4}  ignorée : classe « {other} »")
    click.echo(
        f"{plan.count('create')} compte(s) à créer, {plan.count('enrol')} à inscrire, {plan.count('already')} déjà dans la classe."
    )
    if not yes and not _agrees(click.prompt("Importer ces élèves ? (oui/non)", default="non", show_default=False)):
        raise click.ClickException("Import annulé : rien n'a été modifié.")
    try:
        result = import_roster(session, actor=None, school_class=school_class, rows=roster.rows)
    except ImportRefused as refused:
        for problem in refused.plan.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(refused)) from None
    session.commit()
    click.echo(f"Import terminé : {len(result.created)} compte(s) créé(s), {len(result.enrolled)} inscrit(s).")
    if result.created:
        click.echo("Mots de passe provisoires (affichés une seule fois, à changer à la première connexion) :")
        for user, password in result.created:
            click.echo(f"  {user.display_name:<40} {user.username:<30} {password}")


def _agrees(answer: str) -> bool:
    """« oui », « o » (or « yes », « y »): the operator may answer in French or English."""
    return answer.strip().lower() in ("oui", "o", "yes", "y")
