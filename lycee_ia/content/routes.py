"""Reading modules: the catalogue, a module, its sections, its media, a print view."""

from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, g, render_template, send_file
from flask_login import current_user, login_required

from lycee_ia.accounts.access import admin_required
from lycee_ia.accounts.models import Role
from lycee_ia.content.catalogue import curriculum_key, get_catalogue
from lycee_ia.content.module import MEDIA_DIR, MEDIA_TYPES, Module, media_path
from lycee_ia.content.results import module_results
from lycee_ia.content.services import (
    audiences_for,
    can_read,
    progress_by_module,
    record_section_view,
    resume_section,
)
from lycee_ia.db import db
from lycee_ia.errors import fail
from lycee_ia.teaching.services import assignments_for_student
from lycee_ia.teaching.states import LABELS as ASSIGNMENT_STATE_LABELS, SYMBOLS as ASSIGNMENT_STATE_SYMBOLS

bp = Blueprint("content", __name__, template_folder="templates")

# An SVG opened on its own must not run script in our origin.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def get_module_or_404(module_id: str) -> Module:
    """The served module ``module_id`` if the current user may read it; 404 or 403 otherwise."""
    module = get_catalogue().modules.get(module_id)
    if module is None:
        fail(404, "Ce module n'existe pas ou n'est pas disponible.")
    if not can_read(current_user, module):
        fail(403, "Ce module est réservé aux personnels de l'éducation.")
    g.personal_data = True
    return module


@bp.route("/modules")
@login_required
def catalogue():
    catalogue = get_catalogue()
    modules = sorted(
        (m for m in catalogue.modules.values() if m.audience in audiences_for(current_user)),
        key=lambda m: (m.audience != ("eleve" if current_user.role == Role.STUDENT else "personnel"), curriculum_key(m.id)),
    )
    progress = progress_by_module(db.session, current_user, modules)
    broken = list(catalogue.broken.values()) if current_user.role == Role.ADMIN else []
    # A student's assigned work comes first, with its due date and state.
    assigned = assignments_for_student(db.session, current_user, catalogue.modules)
    assigned_ids = {a.module_id for a in assigned}
    return render_template(
        "content/catalogue.html",
        modules=[m for m in modules if m.id not in assigned_ids],
        assigned=assigned,
        all_modules=catalogue.modules,
        progress=progress,
        broken=broken,
        state_labels=ASSIGNMENT_STATE_LABELS,
        state_symbols=ASSIGNMENT_STATE_SYMBOLS,
    )


@bp.route("/modules/<module_id>")
@login_required
def module(module_id: str):
    module = get_module_or_404(module_id)
    progress = progress_by_module(db.session, current_user, [module])[module.id]
    assigned = next(
        (a for a in assignments_for_student(db.session, current_user, {module.id: module}) if a.module_id == module.id), None
    )
    return render_template(
        "content/module.html",
        module=module,
        progress=progress,
        resume=resume_section(module, progress),
        assigned=assigned,
        state_labels=ASSIGNMENT_STATE_LABELS,
        state_symbols=ASSIGNMENT_STATE_SYMBOLS,
    )


@bp.route("/mes-resultats")
@login_required
def results():
    g.personal_data = True
    return render_template(
        "content/results.html",
        results=module_results(db.session, current_user, get_catalogue().modules),
        state_labels=ASSIGNMENT_STATE_LABELS,
        state_symbols=ASSIGNMENT_STATE_SYMBOLS,
    )


@bp.route("/modules/<module_id>/partie/<section_id>")
@login_required
def section(module_id: str, section_id: str):
    module = get_module_or_404(module_id)
    section = module.section(section_id)
    if section is None:
        fail(404, "Cette partie n'existe pas dans ce module.")
    progress = record_section_view(db.session, current_user, module, section)
    db.session.commit()
    index = section.number - 1
    return render_template(
        "content/section.html",
        module=module,
        section=section,
        progress=progress,
        previous=module.sections[index - 1] if index > 0 else None,
        following=module.sections[index + 1] if index + 1 < len(module.sections) else None,
    )


@bp.route("/modules/<module_id>/imprimer")
@login_required
def printable(module_id: str):
    module = get_module_or_404(module_id)
    return render_template("content/print.html", module=module)


@bp.route("/modules/<module_id>/kit")
@login_required
def kit(module_id: str):
    """The printable teacher kit: teachers, staff, trainers and administrators; students get 404."""
    if current_user.role == Role.STUDENT:
        # As for a module that does not exist: a student learns nothing of the kits.
        fail(404, "Ce module n'existe pas ou n'est pas disponible.")
    module = get_module_or_404(module_id)
    if module.kit is None:
        fail(404, "Ce module n'a pas encore de fiche pour l'enseignant.")
    return render_template("content/kit.html", module=module, kit=module.kit)


@bp.app_template_global()
def teacher_kits() -> list[Module]:
    """The served modules with a teacher kit the current person may open (none for students)."""
    if not current_user.is_authenticated or current_user.role == Role.STUDENT:
        return []
    modules = get_catalogue().modules.values()
    return sorted((m for m in modules if m.kit is not None and can_read(current_user, m)), key=lambda m: m.id)


@bp.route("/modules/<module_id>/media/<path:filename>")
@login_required
def media(module_id: str, filename: str):
    module = get_module_or_404(module_id)
    path = media_path(module.folder, f"{MEDIA_DIR}/{filename}")
    if path is None:
        abort(404)
    g.cacheable = True
    response = send_file(
        path, mimetype=MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0], max_age=365 * 24 * 3600
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if path.suffix.lower() == ".svg":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    response.cache_control.private = True
    response.cache_control.public = False
    return response


@bp.route("/admin/modules")
@admin_required
def status():
    catalogue = get_catalogue()
    return render_template(
        "content/status.html",
        modules=sorted(catalogue.modules.values(), key=lambda m: curriculum_key(m.id)),
        broken=sorted(catalogue.broken.values(), key=lambda b: b.id),
        warnings=catalogue.problems,
        root=catalogue.root,
    )
