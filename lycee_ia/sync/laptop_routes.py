"""Laptop pages: enrol with the school server, see and run the sync, USB bundles."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from lycee_ia.accounts.access import roles_required
from lycee_ia.accounts.models import Role
from lycee_ia.db import db
from lycee_ia.events.services import get_device_id
from lycee_ia.sync import laptop
from lycee_ia.sync.client import ServerRefused, ServerUnreachable
from lycee_ia.sync.forms import ActionForm, BundleForm, EnrolForm
from lycee_ia.sync.models import SyncAccount
from lycee_ia.sync.runner import device_key, enrol_laptop, install_archives, sync_account
from lycee_ia.sync.urls import ServerUrlError

bp = Blueprint("sync_laptop", __name__, template_folder="templates")

MAX_BUNDLE_UPLOAD = 64 * 1024 * 1024


@bp.before_app_request
def _password_lives_on_the_server():
    """An enrolled student's password is the server's: it is changed there, not here.

    Changed here only, it would be undone by the next sync (and would not
    open the student's account on the server or on another laptop).
    """
    if request.endpoint != "accounts.account" or not current_user.is_authenticated:
        return None
    account = db.session.get(SyncAccount, current_user.id)
    if account is None:
        return None
    return render_template("sync/password.html", account=account), 200 if request.method == "GET" else 409


@bp.route("/synchronisation")
@roles_required(Role.STUDENT)
def status():
    account = db.session.get(SyncAccount, current_user.id)
    pending = laptop.pending_count(db.session, [current_user.id]) if account else 0
    return render_template(
        "sync/status.html", account=account, pending=pending, action=ActionForm(), upload=BundleForm()
    )


@bp.route("/synchronisation/inscription", methods=["GET", "POST"])
def enrol():
    # The address is fixed at deployment, or pinned by the laptop's first
    # enrolment: the form proposes one only on a laptop never enrolled.
    pinned = laptop.pinned_server(db.session)
    fixed = current_app.config.get("SERVER_URL") or (pinned.url if pinned else None)
    form = EnrolForm()
    if request.method == "GET" and fixed:
        form.server_url.data = fixed
    status = 200
    if form.validate_on_submit():
        # Every transaction takes SQLite's write lock: end the request's own
        # (opened by the user loader) before the enrolment opens its short ones.
        db.session.rollback()
        try:
            # A posted address other than the pinned one is refused, not silently replaced.
            proposed = current_app.config.get("SERVER_URL") or form.server_url.data or fixed
            user = enrol_laptop(current_app._get_current_object(), proposed, form.username.data, form.password.data)
        except ServerUrlError as error:
            if fixed:  # the address field is not shown: say it above the form
                form.form_errors.append(f"Adresse du serveur : {error}")
            else:
                form.server_url.errors = [f"Adresse du serveur : {error}"]
            status = 400
        except ServerRefused as error:
            form.form_errors.append(error.message)
            status = 400 if error.status < 500 else 502
        except ServerUnreachable as error:
            form.form_errors.append(
                f"{error} Vérifie la connexion à Internet ou au réseau du lycée, et l'adresse du serveur, puis réessaie. "
                "Une fois inscrit, tu pourras travailler sans réseau."
            )
            status = 503
        except laptop.LaptopSyncError as error:
            form.form_errors.append(str(error))
            status = 400
        else:
            session.clear()
            login_user(user)
            session.permanent = True
            session["sid"] = secrets.token_urlsafe(16)
            flash("Cet ordinateur est inscrit : tu pourras te connecter ici même sans réseau.", "success")
            return redirect(url_for("main.home"))
    elif form.errors:
        status = 400
    return render_template("sync/enrol.html", form=form, configured=fixed), status


@bp.route("/synchronisation/maintenant", methods=["POST"])
@roles_required(Role.STUDENT)
def sync_now():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("sync_laptop.status"))
    if db.session.get(SyncAccount, current_user.id) is None:
        flash("Cet ordinateur n'est pas inscrit auprès du serveur du lycée pour ton compte.", "error")
        return redirect(url_for("sync_laptop.status"))
    user_id = current_user.id
    db.session.rollback()  # the sync opens its own short transactions
    # If the background sync is running for this student, wait for it, then sync:
    # the button always ends with a definite answer.
    report = sync_account(current_app._get_current_object(), user_id, wait=True)
    if report.ok:
        flash(f"Synchronisation réussie : {report.acknowledged} trace(s) envoyée(s), {report.pending} en attente.", "success")
    else:
        flash(f"La synchronisation n'a pas abouti : {report.error} Tes traces restent sur cet ordinateur.", "error")
    return redirect(url_for("sync_laptop.status"))


@bp.route("/synchronisation/paquet", methods=["POST"])
@roles_required(Role.STUDENT)
def export():
    form = ActionForm()
    if not form.validate_on_submit() or db.session.get(SyncAccount, current_user.id) is None:
        return redirect(url_for("sync_laptop.status"))
    data, _ = laptop.export_bundle(
        db.session, device_key(current_app._get_current_object()), get_device_id(db.session), user_ids=[current_user.id]
    )
    db.session.commit()
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="lycee-ia-traces-{current_user.username}.lia"'},
    )


@bp.route("/synchronisation/importer", methods=["POST"])
@roles_required(Role.STUDENT)
def import_state():
    request.max_content_length = MAX_BUNDLE_UPLOAD
    form = BundleForm()
    if not form.validate_on_submit():
        flash(" ".join(form.bundle.errors) or "Le formulaire a expiré : réessayez.", "error")
        return redirect(url_for("sync_laptop.status"))
    data = form.bundle.data.read(MAX_BUNDLE_UPLOAD + 1)
    app = current_app._get_current_object()
    try:
        result = laptop.import_state_bundle(db.session, data, get_device_id(db.session))
        if result.user.id != current_user.id:
            raise laptop.LaptopSyncError("Paquet refusé : ce paquet est celui d'un autre élève.")
        server_key = db.session.get(SyncAccount, current_user.id).server_key
        db.session.commit()
        installed = install_archives(app, [(None, archive) for archive in result.archives], server_key)
    except laptop.LaptopSyncError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("sync_laptop.status"))
    flash(f"Paquet du serveur importé : {result.acknowledged} trace(s) confirmée(s), {len(installed)} module(s) mis à jour.", "success")
    return redirect(url_for("sync_laptop.status"))


# A laptop has no « Ordinateurs » page (laptops are managed on the school's server):
# registered only where the server's page is not, so that the address explains itself
# instead of answering 404.
elsewhere_bp = Blueprint("sync_laptop_info", __name__, template_folder="templates")


@elsewhere_bp.route("/ordinateurs")
@login_required
def devices_elsewhere():
    return render_template("sync/devices_elsewhere.html", student=current_user.role == Role.STUDENT)
