"""``lycee-ia users ...``: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lycee_ia.accounts.models import Role
from lycee_ia.accounts.services import AccountError, create_user, get_user_by_username, reset_password
from lycee_ia.db import db


@click.group(cls=AppGroup, help="Gérer les comptes.")
def users() -> None:
    pass


@users.command("create", help="Créer un compte. Sans --password, un mot de passe est généré et affiché.")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True, help="Rôle du compte.")
@click.option("--first-name", required=True, help="Prénom.")
@click.option("--last-name", default="", help="Nom (facultatif).")
@click.option("--email", default=None, help="Adresse électronique (facultative, jamais requise pour un élève).")
@click.option("--password", is_flag=True, help="Saisir le mot de passe au clavier au lieu de le générer.")
def create(username: str, role: str, first_name: str, last_name: str, email: str | None, password: bool) -> None:
    chosen = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True) if password else None
    try:
        user, generated = create_user(
            db.session,
            actor=None,
            username=username,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            password=chosen,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Compte « {user.username} » créé ({user.role_label}).")
    if generated:
        click.echo(f"Mot de passe provisoire, à changer à la première connexion : {generated}")


@users.command("reset-password", help="Donner un nouveau mot de passe provisoire à un compte.")
@click.argument("username")
def reset(username: str) -> None:
    user = get_user_by_username(db.session, username)
    if user is None:
        raise click.ClickException(f"Aucun compte « {username} ».")
    password = reset_password(db.session, actor=None, user=user)
    db.session.commit()
    click.echo(f"Nouveau mot de passe provisoire de « {user.username} » : {password}")
