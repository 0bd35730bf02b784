from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lycee_ia.accounts.models import Role
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.results import student_home
from lycee_ia.db import db
from lycee_ia.teaching.home import teacher_home
from lycee_ia.teaching.models import ClassTeacher, SchoolClass
from lycee_ia.teaching.states import LABELS as STATE_LABELS, SYMBOLS as STATE_SYMBOLS

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("main.home"))


@bp.route("/accueil")
@login_required
def home():
    classes = []
    if current_user.role == Role.STUDENT:
        return render_template(
            "main/student_home.html",
            home=student_home(db.session, current_user, get_catalogue().modules),
            labels=STATE_LABELS,
            symbols=STATE_SYMBOLS,
        )
    if current_user.role == Role.TEACHER:
        classes = db.session.scalars(
            select(SchoolClass)
            .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
            .where(ClassTeacher.user_id == current_user.id)
            .order_by(SchoolClass.name)
        ).all()
        news = teacher_home(db.session, current_user, list(classes), get_catalogue().modules)
        db.session.commit()  # the visit is recorded
        return render_template("main/teacher_home.html", home=news, classes=classes)
    return render_template("main/home.html", classes=classes)


@bp.route("/sante")
def health():
    """Liveness check for a supervisor or a reverse proxy: no database, no session."""
    return {"status": "ok"}
