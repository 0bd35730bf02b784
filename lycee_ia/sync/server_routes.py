"""Server pages for teachers and administrators: enrolled laptops, revocation, USB bundles."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lycee_ia.accounts.access import roles_required
from lycee_ia.accounts.models import Role
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db
from lycee_ia.errors import fail
from lycee_ia.sync import server
from lycee_ia.sync.forms import ActionForm, BundleForm
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.signing import signing_key

bp = Blueprint("sync_server", __name__, template_folder="templates")

MAX_BUNDLE_UPLOAD = 64 * 1024 * 1024
teacher_or_admin = roles_required(Role.TEACHER, Role.ADMIN)


def get_device_or_404(device_id: int) -> SyncDevice:
    """A laptop enrolment the current teacher (of the student's class) or administrator may act on."""
    device = db.session.get(SyncDevice, device_id)
    if device is None:
        fail(404, "Cet ordinateur n'est pas inscrit sur ce serveur.")
    if not server.can_manage(db.session, current_user, device.user_id):
        fail(403, "Cet élève n'est dans aucune de vos classes.")
    return device


@bp.route("/ordinateurs")
@teacher_or_admin
def devices():
    return render_template(
        "sync/devices.html",
        devices=server.devices_visible_to(db.session, current_user),
        action=ActionForm(),
        upload=BundleForm(),
        report=None,
    )


@bp.route("/ordinateurs/<int:device_id>/retirer", methods=["POST"])
@teacher_or_admin
def revoke(device_id: int):
    device = get_device_or_404(device_id)
    if ActionForm().validate_on_submit():
        server.revoke_device(db.session, actor=current_user, device=device)
        db.session.commit()
        flash(f"L'ordinateur de {device.user.display_name} est retiré : il ne peut plus se synchroniser.", "success")
    return redirect(url_for("sync_server.devices"))


@bp.route("/ordinateurs/<int:device_id>/autoriser", methods=["POST"])
@teacher_or_admin
def allow_re_enrolment(device_id: int):
    """A withdrawn laptop may enrol this student again (the student gives their password there)."""
    device = get_device_or_404(device_id)
    if ActionForm().validate_on_submit() and not device.active:
        name = device.user.display_name
        server.allow_re_enrolment(db.session, actor=current_user, device=device)
        db.session.commit()
        flash(f"{name} peut de nouveau inscrire cet ordinateur, avec son mot de passe.", "success")
    return redirect(url_for("sync_server.devices"))


@bp.route("/ordinateurs/<int:device_id>/paquet")
@teacher_or_admin
def state_bundle(device_id: int):
    device = get_device_or_404(device_id)
    if not device.active:
        fail(403, "Cet ordinateur a été retiré : aucun paquet ne lui est préparé.")
    data = server.state_bundle(
        db.session, device, list(get_catalogue().modules.values()), signing_key(current_app.config["SECRET_KEY"])
    )
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="lycee-ia-serveur-{device.user.username}.lia"'},
    )


@bp.route("/ordinateurs/importer", methods=["POST"])
@teacher_or_admin
def import_bundle():
    request.max_content_length = MAX_BUNDLE_UPLOAD
    form = BundleForm()
    status = 200
    report = None
    if form.validate_on_submit():
        data = form.bundle.data.read(MAX_BUNDLE_UPLOAD + 1)
        try:
            report = server.import_events_bundle(db.session, data, actor=current_user)
        except server.SyncError as error:
            db.session.rollback()
            form.bundle.errors = [error.message]
            status = 400
        else:
            db.session.commit()
    else:
        status = 400
    return render_template(
        "sync/devices.html",
        devices=server.devices_visible_to(db.session, current_user),
        action=ActionForm(),
        upload=form,
        report=report,
    ), status
