from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lycee_ia.accounts.models import ROLE_LABELS, Role, User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.results import module_results, student_home
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
    if current_user.role in (Role.STAFF, Role.TRAINER):
        return _adult_learner_home()
    if current_user.role == Role.ADMIN:
        return _admin_home()
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


def _adult_learner_home():
    """Staff and trainers: their modules in progress, what they mastered, what comes next."""
    modules = get_catalogue().modules
    home = student_home(db.session, current_user, modules)
    results = module_results(db.session, current_user, modules)
    # Nothing mastered yet: the first module of the curriculum not started is what comes next.
    # (the modules written for staff first, then the students' ones, which staff may read too).
    unstarted = [r.module for r in results if not r.started]
    first = None
    if not home.mastered:
        first = next((m for m in unstarted if m.audience == "personnel"), None) or next(iter(unstarted), None)
    in_progress = [r for r in results if r.state in ("reading", "quiz_failed", "quiz_passed")]
    return render_template(
        "main/adult_home.html",
        home=home,
        in_progress=in_progress,
        first=first,
        count=len(results),
        labels=STATE_LABELS,
        symbols=STATE_SYMBOLS,
    )


def _admin_home():
    """Administrators: the numbers that need a look, and where to act."""
    from lycee_ia.admin.models import AuditEntry

    catalogue = get_catalogue()
    accounts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    closed = db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(False)))
    classes = db.session.scalar(select(func.count()).select_from(SchoolClass).where(SchoolClass.archived_at.is_(None)))
    archived = db.session.scalar(select(func.count()).select_from(SchoolClass).where(SchoolClass.archived_at.is_not(None)))
    no_teacher = db.session.scalar(
        select(func.count())
        .select_from(SchoolClass)
        .where(SchoolClass.archived_at.is_(None), SchoolClass.id.not_in(select(ClassTeacher.class_id)))
    )
    latest = db.session.scalars(
        select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()).limit(5)
    ).all()
    return render_template(
        "main/admin_home.html",
        accounts=accounts,
        total=sum(accounts.values()),
        closed=closed,
        role_labels=ROLE_LABELS,
        classes=classes,
        archived=archived,
        no_teacher=no_teacher,
        modules=len(catalogue.modules),
        broken=len(catalogue.broken),
        warned=sum(1 for problems in catalogue.problems.values() if problems),
        latest=latest,
    )
