"""Teaching pages: classes, students, groups, roster import, assignments, dashboard, exports.

Views parse, call a service, commit once, flash and redirect. Every view that
names a class goes through :func:`load_class` (the teacher's own classes
only); objects inside a class go through the ``*_in_class`` loaders, so a
teacher never reaches another class's student, group or assignment.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from lycee_ia.accounts.access import admin_required, roles_required
from lycee_ia.accounts.models import Role, School, User
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.errors import fail
from lycee_ia.quiz.grading import NotGradable, correct_answer
from lycee_ia.routing import small_int
from lycee_ia.teaching import services
from lycee_ia.teaching.analysis import load_item_analysis
from lycee_ia.teaching.dashboard import DEFAULT_INACTIVE_DAYS, class_dashboard, student_detail
from lycee_ia.teaching.exports import filename, item_rows, overview_rows, to_csv
from lycee_ia.teaching.forms import (
    AddTeacherForm,
    AdminClassForm,
    AssignmentForm,
    ClassForm,
    EditAssignmentForm,
    GroupForm,
    GroupMembersForm,
    JoinCodeForm,
    JoinForm,
    RosterForm,
    StudentForm,
)
from lycee_ia.teaching.models import Assignment, ClassGroup, SchoolClass
from lycee_ia.teaching.services import TeachingError
from lycee_ia.teaching.states import LABELS, SYMBOLS

bp = Blueprint("teaching", __name__, template_folder="templates")
teacher_required = roles_required(Role.TEACHER)
student_required = roles_required(Role.STUDENT)


# --- loaders ----------------------------------------------------------------------------------

def load_class(class_id: int) -> SchoolClass:
    """The current teacher's class ``class_id``; 404 for any other (missing or not theirs)."""
    school_class = services.get_class_for_teacher(db.session, current_user, class_id)
    if school_class is None:
        fail(404, "Cette classe n'existe pas, ou vous n'y enseignez pas.")
    return school_class


def load_student(school_class: SchoolClass, user_id: int) -> User:
    student = services.get_student_in_class(db.session, school_class, user_id)
    if student is None:
        fail(404, "Cet élève n'est pas dans cette classe.")
    return student


def load_group(school_class: SchoolClass, group_id: int) -> ClassGroup:
    group = services.get_group_in_class(db.session, school_class, group_id)
    if group is None:
        fail(404, "Ce groupe n'existe pas dans cette classe.")
    return group


def load_assignment(school_class: SchoolClass, assignment_id: int) -> Assignment:
    assignment = services.get_assignment_in_class(db.session, school_class, assignment_id)
    if assignment is None:
        fail(404, "Ce devoir n'existe pas dans cette classe.")
    return assignment


def load_any_class(class_id: int) -> SchoolClass:
    """Any class, for an administrator."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        fail(404, "Cette classe n'existe pas.")
    return school_class


def _modules():
    return get_catalogue().modules


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = small_int(request.args.get(name), low, high)
    return default if value is None else value


def _csv_response(content: bytes, name: str) -> Response:
    response = Response(content, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- classes ------------------------------------------------------------------------------------

@bp.route("/classes", methods=["GET", "POST"])
@teacher_required
def classes():
    form = ClassForm()
    status = 200
    if form.validate_on_submit():
        try:
            school_class = services.create_class(db.session, actor=current_user, name=form.name.data, school=current_user.school)
        except TeachingError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
            status = 400
        else:
            db.session.commit()
            flash(f"La classe « {school_class.name} » est créée. Ajoutez-y des élèves.", "success")
            return redirect(url_for("teaching.students", class_id=school_class.id))
    elif form.errors:
        status = 400
    mine = services.classes_of_teacher(db.session, current_user)
    counts = services.student_counts(db.session, [c.id for c in mine])
    return render_template("teaching/classes.html", classes=mine, counts=counts, form=form), status


@bp.route("/classes/<int:class_id>")
@teacher_required
def overview(class_id: int):
    school_class = load_class(class_id)
    dashboard = class_dashboard(
        db.session,
        school_class,
        _modules(),
        sort=request.args.get("tri"),
        descending=request.args.get("ordre") == "desc",
        inactive_days=_int_arg("jours", DEFAULT_INACTIVE_DAYS, 1, 365),
    )
    return render_template("teaching/overview.html", dashboard=dashboard, school_class=school_class, labels=LABELS, symbols=SYMBOLS)


@bp.route("/classes/<int:class_id>/imprimer")
@teacher_required
def print_overview(class_id: int):
    school_class = load_class(class_id)
    dashboard = class_dashboard(
        db.session, school_class, _modules(), inactive_days=_int_arg("jours", DEFAULT_INACTIVE_DAYS, 1, 365)
    )
    return render_template("teaching/print.html", dashboard=dashboard, school_class=school_class, labels=LABELS, symbols=SYMBOLS)


@bp.route("/classes/<int:class_id>/suivi.csv")
@teacher_required
def export_overview(class_id: int):
    school_class = load_class(class_id)
    dashboard = class_dashboard(
        db.session,
        school_class,
        _modules(),
        sort=request.args.get("tri"),
        descending=request.args.get("ordre") == "desc",
        inactive_days=_int_arg("jours", DEFAULT_INACTIVE_DAYS, 1, 365),
    )
    return _csv_response(to_csv(overview_rows(dashboard)), filename("suivi", school_class.name))


# --- students and groups -------------------------------------------------------------------------

def _student_form(school_class: SchoolClass, formdata=None, **values) -> StudentForm:
    form = StudentForm(formdata=formdata, **values)
    form.groups.choices = [SelectChoice(g.id, g.name) for g in services.groups_of(db.session, school_class)]
    return form


def _students_page(
    school_class: SchoolClass, group_form: GroupForm | None = None, status: int = 200, student_form: StudentForm | None = None
):
    students = services.students_of(db.session, school_class)
    groups = services.groups_of(db.session, school_class)
    members = services.group_members(db.session, school_class)
    group_names = {}
    for group in groups:
        for user_id in members.get(group.id, ()):
            group_names.setdefault(user_id, []).append(group.name)
    code_active = school_class.join_code is not None and (school_class.join_code_expires_at or utcnow()) > utcnow()
    removed = services.recently_removed(db.session, school_class)
    # Right after a removal: its « Annuler » button beside the message.
    wanted = small_int(request.args.get("retire"), 1, 2**31 - 1)
    just_removed = next((r for r in removed if r.user_id == wanted), None)
    return (
        render_template(
            "teaching/students.html",
            school_class=school_class,
            students=students,
            groups=groups,
            members=members,
            group_names=group_names,
            group_form=group_form or GroupForm(formdata=None),
            code_form=JoinCodeForm(formdata=None),
            code_active=code_active,
            student_form=student_form or _student_form(school_class),
            removed=removed,
            just_removed=just_removed,
        ),
        status,
    )


@bp.route("/classes/<int:class_id>/eleves")
@teacher_required
def students(class_id: int):
    return _students_page(load_class(class_id))


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>")
@teacher_required
def student(class_id: int, user_id: int):
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    reports = student_detail(db.session, school_class, student, _modules())
    return render_template("teaching/student.html", school_class=school_class, student=student, reports=reports)


def _confirmed() -> bool:
    """True only for the confirmation page's own form: a bare POST (an old button, a
    forged link, a double click on the list) shows the confirmation page instead."""
    return request.method == "POST" and request.form.get("confirm") == "1"


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/mot-de-passe", methods=["GET", "POST"])
@teacher_required
def reset_student_password(class_id: int, user_id: int):
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    if not _confirmed():
        return render_template(
            "confirm.html",
            title=f"Nouveau mot de passe pour {student.display_name} ?",
            consequences=[
                f"Un nouveau mot de passe provisoire sera créé pour {student.display_name} ({student.username}), "
                f"élève de la classe {school_class.name}.",
                "Son mot de passe actuel ne marchera plus et ses sessions ouvertes seront fermées. "
                "Il ou elle devra choisir un mot de passe personnel à la prochaine connexion.",
                "Le nouveau mot de passe s'affichera une seule fois, sur une fiche à imprimer ou à recopier.",
            ],
            action=url_for("teaching.reset_student_password", class_id=school_class.id, user_id=student.id),
            button="Créer le nouveau mot de passe",
            back=url_for("teaching.students", class_id=school_class.id),
            danger=False,
        )
    password = services.reset_student_password(db.session, actor=current_user, school_class=school_class, student=student)
    db.session.commit()
    # Shown once, in this response only (no-store): never kept anywhere in clear.
    return render_template(
        "teaching/slips.html", school_class=school_class, slips=[(student, password)], title="Nouveau mot de passe"
    )


@bp.route("/classes/<int:class_id>/eleves/ajouter", methods=["POST"])
@teacher_required
def add_student(class_id: int):
    school_class = load_class(class_id)
    form = _student_form(school_class, formdata=request.form)
    if form.validate():
        try:
            student, password = services.add_student(
                db.session,
                actor=current_user,
                school_class=school_class,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                group_ids=set(form.groups.data or ()),
            )
            db.session.commit()
        except TeachingError as error:
            db.session.rollback()
            form.first_name.errors = [*form.first_name.errors, str(error)]
        except IntegrityError:
            # Another account took this username at the same moment.
            db.session.rollback()
            form.first_name.errors = [*form.first_name.errors, "Un autre compte vient d'être créé avec cet identifiant : réessayez."]
        else:
            # The password is in this response only (no-store), never stored in clear.
            return render_template(
                "teaching/slips.html", school_class=school_class, slips=[(student, password)], title="Élève ajouté : sa fiche de connexion"
            )
    return _students_page(school_class, status=400, student_form=form)


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/modifier", methods=["GET", "POST"])
@teacher_required
def edit_student(class_id: int, user_id: int):
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    if request.method == "POST":
        form = _student_form(school_class, formdata=request.form)
        if form.validate():
            try:
                services.update_student(
                    db.session,
                    actor=current_user,
                    school_class=school_class,
                    student=student,
                    first_name=form.first_name.data,
                    last_name=form.last_name.data,
                    group_ids=set(form.groups.data or ()),
                )
                db.session.commit()
            except TeachingError as error:
                db.session.rollback()
                form.first_name.errors = [*form.first_name.errors, str(error)]
            else:
                flash(f"La fiche de {student.display_name} est enregistrée.", "success")
                return redirect(url_for("teaching.students", class_id=school_class.id))
        status = 400
    else:
        form = _student_form(
            school_class,
            first_name=student.first_name,
            last_name=student.last_name,
            groups=sorted(services.student_groups(db.session, school_class, student)),
        )
        status = 200
    return render_template("teaching/edit_student.html", school_class=school_class, student=student, form=form), status


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/fiche", methods=["GET", "POST"])
@teacher_required
def reprint_slip(class_id: int, user_id: int):
    """Reprint a lost slip: a confirmation first, since the old password stops working."""
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    if request.method == "POST":
        password = services.reset_student_password(db.session, actor=current_user, school_class=school_class, student=student)
        db.session.commit()
        # Shown once, in this response only (no-store): never kept anywhere in clear.
        return render_template(
            "teaching/slips.html", school_class=school_class, slips=[(student, password)], title="Fiche de connexion réimprimée"
        )
    return render_template("teaching/reprint.html", school_class=school_class, student=student)


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/rapport")
@teacher_required
def student_report(class_id: int, user_id: int):
    """A one-student report to print for a parents' meeting."""
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    reports = student_detail(db.session, school_class, student, _modules())
    return render_template(
        "teaching/report.html", school_class=school_class, student=student, reports=reports, now=utcnow()
    )


@bp.route("/classes/<int:class_id>/modules/<module_id>/apercu")
@login_required
def module_preview(class_id: int, module_id: str):
    """The module as students will read it, and its quiz with the answer key: teachers only.

    A student gets 404, as for a page that does not exist: nothing tells them an answer key is here.
    """
    if current_user.role == Role.STUDENT:
        fail(404, "Cette page n'existe pas.")
    if not current_user.has_role(Role.TEACHER):
        fail(403)
    g.personal_data = True
    school_class = load_class(class_id)
    module = _modules().get(module_id)
    if module is None or module.audience != "eleve":
        fail(404, "Ce module n'existe pas ou n'est pas disponible.")
    questions = []
    if module.quiz is not None:
        for question in module.quiz.questions:
            try:
                key = correct_answer(question)
            except NotGradable:
                key = None
            questions.append((question, key))
    return render_template("teaching/module_preview.html", school_class=school_class, module=module, questions=questions)


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/retirer", methods=["GET", "POST"])
@teacher_required
def remove_student(class_id: int, user_id: int):
    school_class = load_class(class_id)
    student = load_student(school_class, user_id)
    if not _confirmed():
        return render_template(
            "confirm.html",
            title=f"Retirer {student.display_name} de la classe ?",
            consequences=[
                f"{student.display_name} ({student.username}) ne fera plus partie de la classe {school_class.name} "
                "ni de ses groupes, et n'aura plus les modules donnés à la classe.",
                "Son compte reste ouvert et son travail reste enregistré.",
                "Vous pourrez annuler : le bouton « Annuler le retrait » de la liste des élèves, ou un nouvel import "
                "de la liste de la classe, le ou la remet dans la classe et dans ses groupes.",
            ],
            action=url_for("teaching.remove_student", class_id=school_class.id, user_id=student.id),
            button="Retirer de la classe",
            back=url_for("teaching.students", class_id=school_class.id),
            danger=True,
        )
    services.remove_student(db.session, actor=current_user, school_class=school_class, student=student)
    db.session.commit()
    flash(f"{student.display_name} ne fait plus partie de la classe. Son travail reste enregistré.", "success")
    return redirect(url_for("teaching.students", class_id=school_class.id, retire=student.id))


@bp.route("/classes/<int:class_id>/eleves/<int:user_id>/reintegrer", methods=["POST"])
@teacher_required
def restore_student(class_id: int, user_id: int):
    school_class = load_class(class_id)
    student = services.removed_student(db.session, school_class, user_id)
    if student is None:
        fail(404, "Cet élève n'a pas été retiré de cette classe.")
    services.restore_student(db.session, actor=current_user, school_class=school_class, student=student)
    db.session.commit()
    flash(f"{student.display_name} est de retour dans la classe, avec ses groupes.", "success")
    return redirect(url_for("teaching.students", class_id=school_class.id))


@bp.route("/classes/<int:class_id>/groupes", methods=["POST"])
@teacher_required
def new_group(class_id: int):
    school_class = load_class(class_id)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(db.session, actor=current_user, school_class=school_class, name=form.name.data)
        except TeachingError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Le groupe « {group.name} » est créé : choisissez ses élèves.", "success")
            return redirect(url_for("teaching.group", class_id=school_class.id, group_id=group.id))
    return _students_page(school_class, form, 400)


@bp.route("/classes/<int:class_id>/groupes/<int:group_id>", methods=["GET", "POST"])
@teacher_required
def group(class_id: int, group_id: int):
    school_class = load_class(class_id)
    group = load_group(school_class, group_id)
    students = services.students_of(db.session, school_class)
    form = GroupMembersForm()
    form.students.choices = [SelectChoice(s.id, s.display_name) for s in students]
    status = 200
    if form.validate_on_submit():
        services.set_group_members(
            db.session, actor=current_user, school_class=school_class, group=group, user_ids=set(form.students.data or [])
        )
        db.session.commit()
        flash(f"Le groupe « {group.name} » est enregistré.", "success")
        return redirect(url_for("teaching.students", class_id=school_class.id))
    elif form.errors:
        status = 400
    members = services.group_members(db.session, school_class).get(group.id, set())
    return render_template(
        "teaching/group.html", school_class=school_class, group=group, students=students, members=members, form=form
    ), status


@bp.route("/classes/<int:class_id>/groupes/<int:group_id>/supprimer", methods=["POST"])
@teacher_required
def delete_group(class_id: int, group_id: int):
    school_class = load_class(class_id)
    group = load_group(school_class, group_id)
    try:
        services.delete_group(db.session, actor=current_user, school_class=school_class, group=group)
    except TeachingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Le groupe « {group.name} » est supprimé ; ses élèves restent dans la classe.", "success")
    return redirect(url_for("teaching.students", class_id=school_class.id))


# --- join codes ---------------------------------------------------------------------------------

@bp.route("/classes/<int:class_id>/code", methods=["POST"])
@teacher_required
def join_code(class_id: int):
    school_class = load_class(class_id)
    form = JoinCodeForm()
    if not form.validate_on_submit():
        flash("Choisissez une durée de validité proposée.", "error")
        return redirect(url_for("teaching.students", class_id=school_class.id))
    code = services.new_join_code(db.session, actor=current_user, school_class=school_class, days=form.days.data)
    db.session.commit()
    flash(f"Nouveau code de la classe : {code}. L'ancien code ne fonctionne plus.", "success")
    return redirect(url_for("teaching.students", class_id=school_class.id))


@bp.route("/classes/<int:class_id>/code/revoquer", methods=["POST"])
@teacher_required
def revoke_code(class_id: int):
    school_class = load_class(class_id)
    services.revoke_join_code(db.session, actor=current_user, school_class=school_class)
    db.session.commit()
    flash("Le code de la classe est révoqué : plus personne ne peut s'en servir.", "success")
    return redirect(url_for("teaching.students", class_id=school_class.id))


@bp.route("/rejoindre", methods=["GET", "POST"])
@student_required
def join():
    form = JoinForm()
    status = 200
    if form.validate_on_submit():
        try:
            school_class = services.join_class(db.session, student=current_user, code=form.code.data)
        except TeachingError as error:
            db.session.rollback()
            form.code.errors = [str(error)]
            status = 400
        else:
            # Committed in both cases: a wrong code is counted.
            db.session.commit()
            if school_class is not None:
                flash(f"Tu as rejoint la classe « {school_class.name} ».", "success")
                return redirect(url_for("content.catalogue"))
            form.code.errors = ["Ce code ne correspond à aucune classe, ou il a expiré : vérifie-le auprès de ton enseignant."]
            status = 400
    elif form.errors:
        status = 400
    return render_template("teaching/join.html", form=form), status


# --- roster import ---------------------------------------------------------------------------------

@bp.route("/classes/<int:class_id>/importer", methods=["GET", "POST"])
@teacher_required
def import_roster(class_id: int):
    school_class = load_class(class_id)
    form = RosterForm()
    status = 200
    plan = None
    if form.validate_on_submit():
        upload = form.roster.data
        plan, pending = services.start_roster_import(
            db.session,
            actor=current_user,
            school_class=school_class,
            data=upload.read(),
            filename=upload.filename or "",
        )
        if pending is not None:
            db.session.commit()
            return redirect(url_for("teaching.import_preview", class_id=school_class.id, token=pending.id))
        db.session.rollback()
        status = 400
    elif form.errors:
        status = 400
    return render_template("teaching/import.html", school_class=school_class, form=form, plan=plan), status


@bp.route("/classes/<int:class_id>/importer/<token>", methods=["GET", "POST"])
@teacher_required
def import_preview(class_id: int, token: str):
    school_class = load_class(class_id)
    pending = services.get_roster_import(db.session, current_user, school_class, token)
    if pending is None:
        fail(404, "Cette importation n'existe pas, a déjà été faite ou a expiré : envoyez le fichier de nouveau.")
    if request.method == "POST":
        try:
            result = services.confirm_roster_import(db.session, actor=current_user, school_class=school_class, pending=pending)
            db.session.commit()
        except services.ImportRefused as refused:
            db.session.rollback()
            return render_template(
                "teaching/preview.html", school_class=school_class, plan=refused.plan, pending=pending, refused=True
            ), 409
        except IntegrityError:
            # Another import took one of these usernames at the same moment.
            db.session.rollback()
            flash("Un autre import vient de modifier les comptes : vérifiez l'aperçu, puis confirmez de nouveau.", "error")
            return redirect(url_for("teaching.import_preview", class_id=school_class.id, token=token))
        # The passwords are in this response only (no-store), never stored in clear.
        return render_template(
            "teaching/slips.html",
            school_class=school_class,
            slips=result.created,
            enrolled=result.enrolled,
            already=result.already,
            title="Élèves importés",
        )
    plan = services.plan_pending(db.session, actor=current_user, school_class=school_class, pending=pending)
    return render_template("teaching/preview.html", school_class=school_class, plan=plan, pending=pending, refused=False)


# --- assignments ----------------------------------------------------------------------------------------

def _assignment_choices(form, school_class: SchoolClass, groups: list[ClassGroup]) -> None:
    form.target.choices = [SelectChoice("classe", f"Toute la classe ({school_class.name})")] + [
        SelectChoice(f"g{g.id}", f"Groupe : {g.name}") for g in groups
    ]
    if getattr(form, "module", None) is not None:
        modules = sorted((m for m in _modules().values() if m.audience == "eleve"), key=lambda m: m.id)
        form.module.choices = [SelectChoice(m.id, m.title) for m in modules]


def _target_group(form, groups: list[ClassGroup]) -> ClassGroup | None:
    if form.target.data == "classe":
        return None
    return next(g for g in groups if f"g{g.id}" == form.target.data)


def _dates(form) -> tuple:
    opens_at = services.day_start(form.opens_on.data)
    due_at = services.day_end(form.due_on.data) if form.due_on.data else None
    return opens_at, due_at


@bp.route("/classes/<int:class_id>/devoirs/nouveau", methods=["GET", "POST"])
@teacher_required
def new_assignment(class_id: int):
    school_class = load_class(class_id)
    groups = services.groups_of(db.session, school_class)
    form = AssignmentForm()
    _assignment_choices(form, school_class, groups)
    if request.method == "GET":
        form.opens_on.data = services.local_day(utcnow())
        if request.args.get("module") in {choice.value for choice in form.module.choices}:
            form.module.data = request.args["module"]
    status = 200
    if form.validate_on_submit():
        opens_at, due_at = _dates(form)
        try:
            services.assign_module(
                db.session,
                actor=current_user,
                school_class=school_class,
                module=_modules()[form.module.data],
                group=_target_group(form, groups),
                opens_at=opens_at,
                due_at=due_at,
                note=form.note.data,
            )
        except TeachingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash("Le module est donné. Les élèves le verront en tête de leur liste de modules.", "success")
            return redirect(url_for("teaching.overview", class_id=school_class.id))
    elif form.errors:
        status = 400
    return render_template("teaching/assignment.html", school_class=school_class, form=form, assignment=None), status


@bp.route("/classes/<int:class_id>/devoirs/<int:assignment_id>", methods=["GET", "POST"])
@teacher_required
def edit_assignment(class_id: int, assignment_id: int):
    school_class = load_class(class_id)
    assignment = load_assignment(school_class, assignment_id)
    groups = services.groups_of(db.session, school_class)
    form = EditAssignmentForm()
    _assignment_choices(form, school_class, groups)
    if request.method == "GET":
        form.target.data = f"g{assignment.group_id}" if assignment.group_id else "classe"
        form.opens_on.data = services.local_day(assignment.opens_at)
        form.due_on.data = services.local_day(assignment.due_at) if assignment.due_at else None
        form.note.data = assignment.note
    status = 200
    if form.validate_on_submit():
        opens_at, due_at = _dates(form)
        try:
            services.update_assignment(
                db.session,
                actor=current_user,
                school_class=school_class,
                assignment=assignment,
                group=_target_group(form, groups),
                opens_at=opens_at,
                due_at=due_at,
                note=form.note.data,
            )
        except TeachingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash("Le devoir est modifié.", "success")
            return redirect(url_for("teaching.overview", class_id=school_class.id))
    elif form.errors:
        status = 400
    module = _modules().get(assignment.module_id)
    return render_template(
        "teaching/assignment.html", school_class=school_class, form=form, assignment=assignment, module=module
    ), status


@bp.route("/classes/<int:class_id>/devoirs/<int:assignment_id>/retirer", methods=["POST"])
@teacher_required
def withdraw_assignment(class_id: int, assignment_id: int):
    school_class = load_class(class_id)
    assignment = load_assignment(school_class, assignment_id)
    services.withdraw_assignment(db.session, actor=current_user, school_class=school_class, assignment=assignment)
    db.session.commit()
    flash("Le devoir est retiré. Ce que les élèves ont déjà fait reste enregistré.", "success")
    return redirect(url_for("teaching.overview", class_id=school_class.id))


def _analysis(school_class: SchoolClass, assignment: Assignment):
    module = _modules().get(assignment.module_id)
    if module is None:
        fail(404, "Ce module n'est plus disponible : son analyse ne peut pas être affichée.")
    if module.quiz is None:
        fail(404, "Ce module n'a pas de quiz.")
    analysis = load_item_analysis(
        db.session,
        school_class,
        assignment,
        module,
        scope=request.args.get("tentatives", "premieres"),
        order=request.args.get("ordre", "difficulte"),
    )
    return module, analysis


@bp.route("/classes/<int:class_id>/devoirs/<int:assignment_id>/analyse")
@teacher_required
def item_analysis(class_id: int, assignment_id: int):
    school_class = load_class(class_id)
    assignment = load_assignment(school_class, assignment_id)
    module, analysis = _analysis(school_class, assignment)
    return render_template(
        "teaching/analysis.html", school_class=school_class, assignment=assignment, module=module, analysis=analysis
    )


@bp.route("/classes/<int:class_id>/devoirs/<int:assignment_id>/analyse.csv")
@teacher_required
def export_items(class_id: int, assignment_id: int):
    school_class = load_class(class_id)
    assignment = load_assignment(school_class, assignment_id)
    module, analysis = _analysis(school_class, assignment)
    return _csv_response(to_csv(item_rows(analysis, module.title)), filename("analyse", school_class.name, module.id))


# --- administrators: classes and their teachers ----------------------------------------------------------

@bp.route("/admin/classes", methods=["GET", "POST"])
@admin_required
def admin_classes():
    form = AdminClassForm()
    schools = services.all_schools(db.session)
    form.school.choices = [SelectChoice(s.id, s.name) for s in schools]
    status = 200
    if form.validate_on_submit():
        try:
            school_class = services.create_class(
                db.session, actor=current_user, name=form.name.data, school=db.session.get(School, form.school.data)
            )
        except TeachingError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
            status = 400
        else:
            db.session.commit()
            flash(f"La classe « {school_class.name} » est créée : donnez-la à un ou plusieurs enseignants.", "success")
            return redirect(url_for("teaching.admin_class", class_id=school_class.id))
    elif form.errors:
        status = 400
    return render_template(
        "teaching/admin_classes.html", classes=services.all_classes(db.session), form=form, has_schools=bool(schools)
    ), status


def _admin_class_page(school_class: SchoolClass, form: AddTeacherForm, rename: ClassForm, status: int = 200):
    teachers = services.teachers_of(db.session, school_class)
    count = services.student_counts(db.session, [school_class.id]).get(school_class.id, 0)
    return render_template(
        "teaching/admin_class.html", school_class=school_class, teachers=teachers, count=count, form=form, rename=rename
    ), status


@bp.route("/admin/classes/<int:class_id>", methods=["GET", "POST"])
@admin_required
def admin_class(class_id: int):
    school_class = load_any_class(class_id)
    candidates = {t.id: t for t in services.teachers_to_add(db.session, school_class)}
    form = AddTeacherForm()
    form.teacher.choices = [SelectChoice(t.id, f"{t.display_name} ({t.username})") for t in candidates.values()]
    rename = ClassForm(formdata=None, name=school_class.name)
    status = 200
    if form.validate_on_submit():
        teacher = candidates[form.teacher.data]
        try:
            services.add_teacher(db.session, actor=current_user, school_class=school_class, teacher=teacher)
        except TeachingError as error:
            db.session.rollback()
            form.teacher.errors = [str(error)]
            status = 400
        else:
            db.session.commit()
            flash(f"{teacher.display_name} enseigne désormais dans la classe « {school_class.name} ».", "success")
            return redirect(url_for("teaching.admin_class", class_id=school_class.id))
    elif form.errors:
        if "teacher" in form.errors:
            form.teacher.errors = ["Choisissez un enseignant dans la liste."]
        status = 400
    return _admin_class_page(school_class, form, rename, status)


@bp.route("/admin/classes/<int:class_id>/renommer", methods=["POST"])
@admin_required
def admin_rename_class(class_id: int):
    school_class = load_any_class(class_id)
    rename = ClassForm()
    form = AddTeacherForm(formdata=None)
    form.teacher.choices = [
        SelectChoice(t.id, f"{t.display_name} ({t.username})") for t in services.teachers_to_add(db.session, school_class)
    ]
    if rename.validate_on_submit():
        old = school_class.name
        try:
            services.rename_class(db.session, actor=current_user, school_class=school_class, name=rename.name.data)
        except TeachingError as error:
            db.session.rollback()
            school_class = load_any_class(class_id)
            rename.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"La classe « {old} » s'appelle désormais « {school_class.name} ».", "success")
            return redirect(url_for("teaching.admin_class", class_id=school_class.id))
    return _admin_class_page(school_class, form, rename, 400)


@bp.route("/admin/classes/<int:class_id>/archiver", methods=["POST"])
@admin_required
def admin_archive_class(class_id: int):
    school_class = load_any_class(class_id)
    archived = request.form.get("archived") == "1"
    services.set_archived(db.session, actor=current_user, school_class=school_class, archived=archived)
    db.session.commit()
    if archived:
        flash(
            f"La classe « {school_class.name} » est archivée : ses enseignants ne la voient plus dans leurs listes ; "
            "tout est conservé.",
            "success",
        )
    else:
        flash(f"La classe « {school_class.name} » est de nouveau visible de ses enseignants.", "success")
    return redirect(url_for("teaching.admin_class", class_id=school_class.id))


@bp.route("/admin/classes/<int:class_id>/enseignants/<int:user_id>/retirer", methods=["POST"])
@admin_required
def admin_remove_teacher(class_id: int, user_id: int):
    school_class = load_any_class(class_id)
    teacher = db.session.get(User, user_id)
    if teacher is None:
        fail(404, "Ce compte n'existe pas.")
    try:
        services.remove_teacher(db.session, actor=current_user, school_class=school_class, teacher=teacher)
    except TeachingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{teacher.display_name} n'enseigne plus dans la classe « {school_class.name} ».", "success")
    return redirect(url_for("teaching.admin_class", class_id=school_class.id))


@bp.app_template_global("url_maker")
def url_maker(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """``url_maker('teaching.student', 'user_id', class_id=3)(42)`` is ``/classes/3/eleves/42``.

    The router builds one URL; the others replace the number in it. For pages
    that repeat one link per student or per assignment.
    """
    placeholder = "918273645"
    pattern = url_for(endpoint, **{name: int(placeholder)}, **values)
    return lambda value: pattern.replace(placeholder, str(int(value)))


@bp.app_template_filter("duration_fr")
def duration_fr(seconds: int | float | None) -> str:
    """``75`` -> ``1 min 15 s``."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}"
