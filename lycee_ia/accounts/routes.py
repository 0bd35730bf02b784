"""Sign in, sign out, and a person's own account."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lycee_ia.accounts.forms import ChangePasswordForm, LoginForm
from lycee_ia.accounts.services import AccountError, LoginThrottled, authenticate, change_own_password, end_sessions
from lycee_ia.accounts.throttle import wait_phrase
from lycee_ia.db import db, utcnow
from lycee_ia.templating import to_reader

bp = Blueprint("accounts", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        now = utcnow()
        try:
            user = authenticate(
                db.session,
                form.username.data,
                form.password.data,
                request.remote_addr,
                max_failures=config["LOGIN_MAX_FAILURES"],
                window=config["LOGIN_FAILURE_WINDOW"],
                address_max_failures=config["LOGIN_ADDRESS_MAX_FAILURES"],
                now=now,
            )
        except LoginThrottled as throttled:
            form.form_errors.append(
                "Trop de tentatives de connexion ont échoué. Par sécurité, patientez un peu : "
                f"réessayez {wait_phrase(throttled.retry_at, now)}."
            )
            status = 429
        else:
            db.session.commit()
            if user is None:
                form.form_errors.append("Identifiant ou mot de passe incorrect.")
                status = 401
            else:
                target = _safe_next(request.args.get("next"))
                # A fresh session at login: nothing planted before sign-in survives.
                session.clear()
                login_user(user)
                # Unchecked (the default, right for a shared computer): the cookie
                # ends with the browser. Checked: it lasts PERMANENT_SESSION_LIFETIME.
                session.permanent = bool(form.remember.data)
                session["sid"] = secrets.token_urlsafe(16)
                return redirect(target or url_for("main.home"))
    elif form.errors:
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # A copy of the cookie (another browser, a shared computer) dies with
        # this one: the token in every session id of this account changes.
        end_sessions(db.session.merge(current_user._get_current_object()))
        db.session.commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté. À bientôt !", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_own_password(db.session, current_user, form.current.data, form.new.data, form.confirm.data)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            # The session id changed with the password: sign in again in this browser.
            login_user(current_user._get_current_object())
            flash(to_reader("Ton mot de passe a été changé.", "Votre mot de passe a été changé."), "success")
            return redirect(url_for("main.home"))
    elif form.errors:
        status = 400
    return render_template("accounts/account.html", form=form), status
