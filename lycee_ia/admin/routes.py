"""Administration: accounts and the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lycee_ia.accounts.access import admin_required
from lycee_ia.accounts.models import ROLE_LABELS, User
from lycee_ia.accounts.services import AccountError, create_user, reset_password, set_active
from lycee_ia.admin.forms import CreateUserForm
from lycee_ia.admin.labels import action_label
from lycee_ia.admin.models import AuditEntry
from lycee_ia.db import db
from lycee_ia.errors import fail
from lycee_ia.routing import small_int
from lycee_ia.templating import format_datetime

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PAGE_SIZE = 50


def _page_number() -> int:
    return small_int(request.args.get("page"), 1, 99_999) or 1


bp.add_app_template_filter(action_label, "action_label")


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        fail(404, "Ce compte n'existe pas.")
    return user


@bp.route("/")
@admin_required
def index():
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template("admin/index.html", counts=counts, role_labels=ROLE_LABELS)


def _accounts_statement(query: str, role: str):
    statement = select(User)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                User.username.like(pattern),
                func.lower(User.first_name).like(pattern),
                func.lower(User.last_name).like(pattern),
            )
        )
    if role in {r.value for r in ROLE_LABELS}:
        statement = statement.where(User.role == role)
    return statement


@bp.route("/comptes")
@admin_required
def users():
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = _page_number()
    statement = _accounts_statement(query, role)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    people = db.session.scalars(
        statement.order_by(User.username).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "admin/users.html",
        people=people,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=query,
        role=role,
        role_labels=ROLE_LABELS,
    )


@bp.route("/comptes.csv")
@admin_required
def export_users():
    """The accounts (with the list's filters) as a spreadsheet: never a password or its hash."""
    from lycee_ia.teaching.exports import filename, to_csv
    from lycee_ia.teaching.services import class_names_by_user

    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    people = db.session.scalars(
        _accounts_statement(query, role).options(selectinload(User.school)).order_by(User.username)
    ).all()
    classes = class_names_by_user(db.session)
    rows: list[list] = [[
        "Identifiant", "Prénom", "Nom", "Rôle", "État", "Adresse électronique", "Établissement", "Classes",
        "Créé le", "Créé le (ISO 8601)", "Dernière connexion", "Dernière connexion (ISO 8601)",
    ]]
    for person in people:
        rows.append([
            person.username,
            person.first_name,
            person.last_name,
            person.role_label,
            "Ouvert" if person.active else "Fermé",
            person.email or "",
            person.school.name if person.school else "",
            ", ".join(classes.get(person.id, [])),
            format_datetime(person.created_at),
            _iso(person.created_at),
            format_datetime(person.last_login_at) if person.last_login_at else "",
            _iso(person.last_login_at),
        ])
    response = Response(to_csv(rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename("comptes", query, role)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(moment) -> str:
    """UTC, ISO 8601, for a spreadsheet to sort (stored datetimes are naive UTC)."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else ""


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@admin_required
def create_account():
    form = CreateUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, password = create_user(
                db.session,
                actor=current_user,
                username=form.username.data,
                role=form.role.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data or "",
                email=form.email.data,
                school=current_user.school,
            )
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            # Shown once, in this response only (no-store): never kept anywhere in clear.
            return render_template("admin/password_slip.html", user=user, password=password, created=True)
    elif form.errors:
        status = 400
    return render_template("admin/create_user.html", form=form), status


@bp.route("/comptes/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    user = get_user_or_404(user_id)
    entries = db.session.scalars(
        select(AuditEntry).options(selectinload(AuditEntry.actor)).where(AuditEntry.target == user.username).order_by(AuditEntry.occurred_at.desc()).limit(20)
    ).all()
    from lycee_ia.teaching.services import classes_of_user

    return render_template("admin/user_detail.html", user=user, entries=entries, classes=classes_of_user(db.session, user))


@bp.route("/comptes/<int:user_id>/mot-de-passe", methods=["GET", "POST"])
@admin_required
def reset_user_password(user_id: int):
    user = get_user_or_404(user_id)
    if not (request.method == "POST" and request.form.get("confirm") == "1"):
        return render_template(
            "confirm.html",
            title=f"Nouveau mot de passe pour « {user.username} » ?",
            consequences=[
                f"Un nouveau mot de passe provisoire sera créé pour {user.display_name} ({user.role_label.lower()}).",
                "Son mot de passe actuel ne marchera plus et ses sessions ouvertes seront fermées ; "
                "il faudra choisir un mot de passe personnel à la prochaine connexion.",
                "Le nouveau mot de passe s'affichera une seule fois.",
            ],
            action=url_for("admin.reset_user_password", user_id=user.id),
            button="Créer le nouveau mot de passe",
            back=url_for("admin.user_detail", user_id=user.id),
            danger=False,
        )
    password = reset_password(db.session, actor=current_user, user=user)
    db.session.commit()
    return render_template("admin/password_slip.html", user=user, password=password, created=False)


@bp.route("/comptes/<int:user_id>/activation", methods=["GET", "POST"])
@admin_required
def toggle_active(user_id: int):
    user = get_user_or_404(user_id)
    wanted = request.values.get("active") == "1"
    # Closing asks first (a second page, no JavaScript needed); reopening acts at once.
    if not wanted and not (request.method == "POST" and request.form.get("confirm") == "1"):
        if not user.active:
            return redirect(url_for("admin.user_detail", user_id=user.id))
        return render_template(
            "confirm.html",
            title=f"Fermer le compte « {user.username} » ?",
            consequences=[
                f"{user.display_name} ({user.role_label.lower()}) ne pourra plus se connecter, "
                "et ses sessions ouvertes seront fermées.",
                "Rien n'est effacé : son travail et ses classes restent enregistrés. "
                "Vous pourrez rouvrir le compte depuis cette même page.",
            ],
            action=url_for("admin.toggle_active", user_id=user.id),
            hidden={"active": "0"},
            button="Fermer le compte",
            back=url_for("admin.user_detail", user_id=user.id),
            danger=True,
        )
    if request.method != "POST":
        return redirect(url_for("admin.user_detail", user_id=user.id))
    try:
        set_active(db.session, actor=current_user, user=user, active=wanted)
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Le compte « {user.username} » est {'ouvert' if wanted else 'fermé'}.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/journal")
@admin_required
def audit_log():
    page = _page_number()
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    entries = db.session.scalars(
        select(AuditEntry).options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "admin/audit_log.html", entries=entries, page=page, pages=max(1, -(-total // PAGE_SIZE))
    )
