"""Accounts: people, roles, sign-in, passwords."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_login import LoginManager, current_user

from lycee_ia.accounts.models import Role, User
from lycee_ia.db import db
from lycee_ia.routing import MAX_ID, small_int
from lycee_ia.templating import to_reader

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"

# Pages a person who must change their password can still open.
_OPEN_WHEN_PASSWORD_MUST_CHANGE = {"accounts.account", "accounts.logout", "static", "main.health"}


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    number = small_int(user_id, 1, MAX_ID)
    if number is None or not token:
        return None
    user = db.session.get(User, number)
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def _require_new_password():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_WHEN_PASSWORD_MUST_CHANGE
    ):
        flash(to_reader("Choisis ton propre mot de passe avant de continuer.", "Choisissez votre propre mot de passe avant de continuer."), "info")
        return redirect(url_for("accounts.account"))
    return None


def init_app(app: Flask) -> None:
    from lycee_ia.accounts import cli, routes

    login_manager.init_app(app)
    app.register_blueprint(routes.bp)
    app.before_request(_require_new_password)
    app.cli.add_command(cli.users)


__all__ = ["Role", "User", "init_app", "login_manager"]
