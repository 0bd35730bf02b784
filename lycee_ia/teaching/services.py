"""Teaching services: classes, groups, students, join codes, assignments, roster imports.

Plain functions taking the session and the acting user; they never commit and
never read the request. A request that cannot be carried out raises
:class:`TeachingError` with a French message for the person at the keyboard.

Access is decided by the loaders at the top (``get_class_for_teacher`` and
the ``*_in_class`` functions): every view goes through them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lycee_ia.accounts import throttle
from lycee_ia.accounts.models import Role, School, User
from lycee_ia.accounts.services import clean_name, create_user, reset_password
from lycee_ia.admin.services import log_action
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module
from lycee_ia.db import utcnow
from lycee_ia.teaching.models import (
    Assignment,
    ClassGroup,
    ClassTeacher,
    Enrolment,
    GroupMember,
    RemovedEnrolment,
    RosterImport,
    SchoolClass,
)
from lycee_ia.teaching.roster import (
    Problem,
    RosterFile,
    RosterRow,
    _formula_problem,
    _name_problem,
    fold,
    read_roster,
    username_base,
)
from lycee_ia.teaching.states import DONE_STATES, due_for, state_of
from lycee_ia.templating import PARIS

NOTE_MAX = 1000
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I: read from a board
JOIN_CODE_LENGTH = 6
JOIN_CODE_DAYS = (1, 7, 30)
JOIN_POLICY = throttle.DelayPolicy(free=5)
IMPORT_LIFETIME = timedelta(hours=2)


class TeachingError(ValueError):
    """A teaching request that cannot be carried out; the message is for the user."""


# --- dates as teachers give them (a day, in Paris) ---------------------------------------

def day_start(day: date) -> datetime:
    """Midnight of ``day`` in Paris, as naive UTC."""
    return datetime.combine(day, time(0, 0), PARIS).astimezone(UTC).replace(tzinfo=None)


def day_end(day: date) -> datetime:
    """The last second of ``day`` in Paris, as naive UTC: work due that day is on time until then."""
    return datetime.combine(day, time(23, 59, 59), PARIS).astimezone(UTC).replace(tzinfo=None)


def local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(PARIS).date()


# --- loaders: the one place where access to a class is decided -----------------------------

def classes_of_teacher(session: Session, teacher: User) -> list[SchoolClass]:
    """The teacher's classes, archived ones left out (an administrator archives a class of past years)."""
    return list(
        session.scalars(
            select(SchoolClass)
            .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
            .where(ClassTeacher.user_id == teacher.id, SchoolClass.archived_at.is_(None))
            .order_by(SchoolClass.name)
        )
    )


def classes_of_user(session: Session, user: User) -> list[SchoolClass]:
    """The classes a student is in, or a teacher teaches, archived ones included (an administrator's view)."""
    link = Enrolment if user.role == Role.STUDENT else ClassTeacher
    return list(
        session.scalars(
            select(SchoolClass).join(link, link.class_id == SchoolClass.id).where(link.user_id == user.id).order_by(SchoolClass.name)
        )
    )


def class_names_by_user(session: Session) -> dict[int, list[str]]:
    """User id -> names of the classes they are in (students) or teach (teachers), in two queries."""
    names: dict[int, list[str]] = {}
    for link in (Enrolment, ClassTeacher):
        for user_id, name in session.execute(
            select(link.user_id, SchoolClass.name).join(SchoolClass, SchoolClass.id == link.class_id).order_by(SchoolClass.name)
        ):
            names.setdefault(user_id, []).append(name)
    return names


def get_class_for_teacher(session: Session, teacher: User, class_id: int) -> SchoolClass | None:
    """The class ``class_id`` if ``teacher`` teaches it; None otherwise (missing or not theirs)."""
    if teacher.role != Role.TEACHER:
        return None
    return session.scalar(
        select(SchoolClass)
        .join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
        .where(SchoolClass.id == class_id, ClassTeacher.user_id == teacher.id)
    )


def get_student_in_class(session: Session, school_class: SchoolClass, user_id: int) -> User | None:
    """A student enrolled in ``school_class``; None for anyone else."""
    return session.scalar(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.class_id == school_class.id, User.id == user_id, User.role == Role.STUDENT)
    )


def get_group_in_class(session: Session, school_class: SchoolClass, group_id: int) -> ClassGroup | None:
    return session.scalar(select(ClassGroup).where(ClassGroup.id == group_id, ClassGroup.class_id == school_class.id))


def get_assignment_in_class(session: Session, school_class: SchoolClass, assignment_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.id == assignment_id, Assignment.class_id == school_class.id)
    )


def get_roster_import(session: Session, actor: User, school_class: SchoolClass, token: str, now: datetime | None = None) -> RosterImport | None:
    """A pending import of ``actor`` for ``school_class``, if it exists and is recent."""
    if not token or len(token) > 43:
        return None
    pending = session.get(RosterImport, token)
    now = now or utcnow()
    if (
        pending is None
        or pending.class_id != school_class.id
        or pending.created_by_id != actor.id
        or pending.created_at < now - IMPORT_LIFETIME
    ):
        return None
    return pending


# --- classes and teachers ------------------------------------------------------------------

def _class_name(name: str) -> str:
    try:
        return clean_name(name, "Nom de la classe")
    except ValueError as error:
        raise TeachingError(str(error)) from None


def create_class(session: Session, *, actor: User | None, name: str, school: School | None) -> SchoolClass:
    """Create a class; a teacher who creates it teaches it."""
    name = _class_name(name)
    existing = session.scalar(
        select(SchoolClass).where(
            SchoolClass.name == name,
            SchoolClass.school_id == school.id if school is not None else SchoolClass.school_id.is_(None),
        )
    )
    if existing is not None:
        raise TeachingError(f"La classe « {name} » existe déjà dans cet établissement.")
    school_class = SchoolClass(name=name, school=school)
    session.add(school_class)
    session.flush()
    if actor is not None and actor.role == Role.TEACHER:
        session.add(ClassTeacher(class_id=school_class.id, user_id=actor.id))
    log_action(session, actor, "class.create", name, {"class_id": school_class.id})
    return school_class


def rename_class(session: Session, *, actor: User | None, school_class: SchoolClass, name: str) -> None:
    """Give the class a new name (unique in its school)."""
    name = _class_name(name)
    if name == school_class.name:
        return
    existing = session.scalar(
        select(SchoolClass.id).where(
            SchoolClass.name == name,
            SchoolClass.id != school_class.id,
            SchoolClass.school_id == school_class.school_id
            if school_class.school_id is not None
            else SchoolClass.school_id.is_(None),
        )
    )
    if existing is not None:
        raise TeachingError(f"La classe « {name} » existe déjà dans cet établissement.")
    old = school_class.name
    school_class.name = name
    log_action(session, actor, "class.rename", name, {"class_id": school_class.id, "old_name": old})


def set_archived(session: Session, *, actor: User | None, school_class: SchoolClass, archived: bool) -> None:
    """Archive a class (hidden from its teachers' lists, everything kept) or bring it back."""
    if archived == (school_class.archived_at is not None):
        return
    school_class.archived_at = utcnow() if archived else None
    log_action(
        session, actor, "class.archive" if archived else "class.unarchive", school_class.name, {"class_id": school_class.id}
    )


def teachers_to_add(session: Session, school_class: SchoolClass) -> list[User]:
    """The open teacher accounts of the class's school (or with no school) not teaching in it yet."""
    statement = (
        select(User)
        .where(
            User.role == Role.TEACHER,
            User.active.is_(True),
            User.id.not_in(select(ClassTeacher.user_id).where(ClassTeacher.class_id == school_class.id)),
        )
        .order_by(func.lower(User.last_name), func.lower(User.first_name), User.username)
    )
    if school_class.school_id is not None:
        statement = statement.where(or_(User.school_id == school_class.school_id, User.school_id.is_(None)))
    return list(session.scalars(statement))


def student_counts(session: Session, class_ids: list[int]) -> dict[int, int]:
    """Class id -> number of students, for a list of classes, in one query."""
    if not class_ids:
        return {}
    return dict(
        session.execute(
            select(Enrolment.class_id, func.count()).where(Enrolment.class_id.in_(class_ids)).group_by(Enrolment.class_id)
        ).all()
    )


@dataclass(frozen=True)
class ClassListing:
    """A class as administrators see it: no learning data, only who is in it."""

    school_class: SchoolClass
    school_name: str | None
    teachers: list[str]
    students: int


def all_schools(session: Session) -> list[School]:
    return list(session.scalars(select(School).order_by(School.name)))


def all_classes(session: Session) -> list[ClassListing]:
    """Every class with its school, its teachers' usernames and its number of students (three queries)."""
    rows = session.execute(
        select(SchoolClass, School.name).outerjoin(School, School.id == SchoolClass.school_id).order_by(School.name, SchoolClass.name)
    ).all()
    counts = dict(session.execute(select(Enrolment.class_id, func.count()).group_by(Enrolment.class_id)).all())
    teachers: dict[int, list[str]] = {}
    for class_id, username in session.execute(
        select(ClassTeacher.class_id, User.username).join(User, User.id == ClassTeacher.user_id).order_by(User.username)
    ):
        teachers.setdefault(class_id, []).append(username)
    return [
        ClassListing(school_class=c, school_name=name, teachers=teachers.get(c.id, []), students=counts.get(c.id, 0))
        for c, name in rows
    ]


def teachers_of(session: Session, school_class: SchoolClass) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(ClassTeacher, ClassTeacher.user_id == User.id)
            .where(ClassTeacher.class_id == school_class.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def add_teacher(session: Session, *, actor: User | None, school_class: SchoolClass, teacher: User) -> None:
    """Give the class to one more teacher (an administrator's action)."""
    if teacher.role != Role.TEACHER:
        raise TeachingError(f"Le compte « {teacher.username} » n'est pas un compte d'enseignant.")
    if session.get(ClassTeacher, (school_class.id, teacher.id)) is not None:
        raise TeachingError(f"{teacher.display_name} enseigne déjà dans cette classe.")
    session.add(ClassTeacher(class_id=school_class.id, user_id=teacher.id))
    log_action(session, actor, "class.add_teacher", teacher.username, {"class_id": school_class.id})


def remove_teacher(session: Session, *, actor: User | None, school_class: SchoolClass, teacher: User) -> None:
    link = session.get(ClassTeacher, (school_class.id, teacher.id))
    if link is None:
        raise TeachingError(f"{teacher.display_name} n'enseigne pas dans cette classe.")
    session.delete(link)
    log_action(session, actor, "class.remove_teacher", teacher.username, {"class_id": school_class.id})


# --- students --------------------------------------------------------------------------------

def students_of(session: Session, school_class: SchoolClass) -> list[User]:
    """The students of the class, by last name."""
    return list(
        session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.class_id == school_class.id, User.role == Role.STUDENT)
            .order_by(func.lower(User.last_name), func.lower(User.first_name), User.username)
        )
    )


def enrol(session: Session, school_class: SchoolClass, student: User, at: datetime | None = None) -> bool:
    """Put ``student`` in the class (since ``at``, now by default); False if already there.

    The date counts: work due before a student joined is due for them later
    (:func:`lycee_ia.teaching.states.due_for`). A student removed from this
    class earlier comes back as they were: same enrolment date, same groups
    (those that still exist).
    """
    if student.role != Role.STUDENT:
        raise TeachingError(f"Le compte « {student.username} » n'est pas un compte d'élève.")
    if session.get(Enrolment, (school_class.id, student.id)) is not None:
        return False
    trace = session.get(RemovedEnrolment, (school_class.id, student.id))
    if trace is not None:
        session.add(Enrolment(class_id=school_class.id, user_id=student.id, enrolled_at=trace.enrolled_at))
        wanted = {int(i) for i in (trace.groups or {}).get("ids", [])}
        for group_id in session.scalars(
            select(ClassGroup.id).where(ClassGroup.class_id == school_class.id, ClassGroup.id.in_(wanted))
        ):
            session.add(GroupMember(group_id=group_id, user_id=student.id))
        session.delete(trace)
        return True
    session.add(Enrolment(class_id=school_class.id, user_id=student.id, enrolled_at=at or utcnow()))
    return True


def remove_student(session: Session, *, actor: User | None, school_class: SchoolClass, student: User) -> None:
    """Take a student out of the class and its groups. Their learning events stay.

    A trace is kept (:class:`RemovedEnrolment`) so that :func:`restore_student`
    or a new import of the roster puts them back as they were.
    """
    enrolment = session.get(Enrolment, (school_class.id, student.id))
    group_ids = select(ClassGroup.id).where(ClassGroup.class_id == school_class.id)
    groups = sorted(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == student.id, GroupMember.group_id.in_(group_ids))
        )
    )
    if enrolment is not None:
        old = session.get(RemovedEnrolment, (school_class.id, student.id))
        if old is not None:
            session.delete(old)
            session.flush()
        session.add(
            RemovedEnrolment(
                class_id=school_class.id,
                user_id=student.id,
                enrolled_at=enrolment.enrolled_at,
                removed_by_id=actor.id if actor else None,
                groups={"ids": groups},
            )
        )
    session.execute(
        delete(GroupMember).where(GroupMember.user_id == student.id, GroupMember.group_id.in_(group_ids))
    )
    session.execute(delete(Enrolment).where(Enrolment.class_id == school_class.id, Enrolment.user_id == student.id))
    log_action(session, actor, "class.remove_student", student.username, {"class_id": school_class.id})


def removed_student(session: Session, school_class: SchoolClass, user_id: int) -> User | None:
    """A student taken out of this class and not back yet, or None."""
    trace = session.get(RemovedEnrolment, (school_class.id, user_id))
    return trace.student if trace is not None else None


def recently_removed(session: Session, school_class: SchoolClass, limit: int | None = 10) -> list[RemovedEnrolment]:
    """The removals from the class not undone yet, newest first (for the « Annuler » buttons)."""
    statement = (
        select(RemovedEnrolment)
        .where(RemovedEnrolment.class_id == school_class.id)
        .order_by(RemovedEnrolment.removed_at.desc())
    )
    return list(session.scalars(statement if limit is None else statement.limit(limit)))


def restore_student(session: Session, *, actor: User | None, school_class: SchoolClass, student: User) -> None:
    """Undo a removal: the student is back in the class and in their groups."""
    if session.get(RemovedEnrolment, (school_class.id, student.id)) is None:
        raise TeachingError("Cet élève n'a pas été retiré de cette classe.")
    enrol(session, school_class, student)
    log_action(session, actor, "class.restore_student", student.username, {"class_id": school_class.id})


def reset_student_password(session: Session, *, actor: User, school_class: SchoolClass, student: User) -> str:
    """A new temporary password for a student of the class (to print on a slip)."""
    if get_student_in_class(session, school_class, student.id) is None:
        raise TeachingError("Cet élève n'est pas dans cette classe.")
    return reset_password(session, actor=actor, user=student)


# --- one student by hand -------------------------------------------------------------------------

def _person_name(value: str | None, label: str) -> str:
    """A first or last name typed in a form, checked like a roster cell (TeachingError otherwise)."""
    raw = value or ""
    cleaned = " ".join(raw.split())
    problem = _formula_problem(raw, label) or _name_problem(cleaned, label)
    if problem:
        problem = problem.replace("la colonne", "le champ", 1)
        raise TeachingError(problem[0].upper() + problem[1:])
    return cleaned


def free_username(session: Session, first_name: str, last_name: str) -> str:
    """``prenom.nom``, or ``prenom.nom2``, ``prenom.nom3``… like a roster import."""
    base = username_base(first_name, last_name)
    taken = {user.username for user in _accounts_starting_with(session, {base})}
    username, number = base, 1
    while username in taken:
        number += 1
        username = f"{base}{number}"
    return username


def _class_groups(session: Session, school_class: SchoolClass, group_ids: set[int]) -> list[ClassGroup]:
    groups = [g for g in groups_of(session, school_class) if g.id in group_ids]
    if len(groups) != len(group_ids):
        raise TeachingError("Un des groupes choisis n'existe pas dans cette classe.")
    return groups


def add_student(
    session: Session,
    *,
    actor: User,
    school_class: SchoolClass,
    first_name: str,
    last_name: str,
    group_ids: set[int] | None = None,
) -> tuple[User, str]:
    """Create one student account in the class (named like an import), with a temporary password to print."""
    first = _person_name(first_name, "Prénom")
    last = _person_name(last_name, "Nom")
    groups = _class_groups(session, school_class, set(group_ids or ()))
    user, password = create_user(
        session,
        actor=actor,
        username=free_username(session, first, last),
        role=Role.STUDENT,
        first_name=first,
        last_name=last,
        school=school_class.school,
    )
    assert password is not None
    enrol(session, school_class, user)
    session.add_all(GroupMember(group_id=group.id, user_id=user.id) for group in groups)
    session.flush()
    log_action(session, actor, "class.add_student", user.username, {"class_id": school_class.id})
    return user, password


def update_student(
    session: Session,
    *,
    actor: User,
    school_class: SchoolClass,
    student: User,
    first_name: str,
    last_name: str,
    group_ids: set[int],
) -> None:
    """Correct a student's name and set their groups in this class (other classes' groups are left alone)."""
    if get_student_in_class(session, school_class, student.id) is None:
        raise TeachingError("Cet élève n'est pas dans cette classe.")
    first = _person_name(first_name, "Prénom")
    last = _person_name(last_name, "Nom")
    wanted = {g.id for g in _class_groups(session, school_class, set(group_ids))}
    class_group_ids = {g.id for g in groups_of(session, school_class)}
    current = set(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == student.id, GroupMember.group_id.in_(class_group_ids or {0}))
        )
    )
    if current - wanted:
        session.execute(
            delete(GroupMember).where(GroupMember.user_id == student.id, GroupMember.group_id.in_(current - wanted))
        )
    session.add_all(GroupMember(group_id=group_id, user_id=student.id) for group_id in sorted(wanted - current))
    student.first_name, student.last_name = first, last
    session.flush()
    log_action(session, actor, "class.update_student", student.username, {"class_id": school_class.id})


def student_groups(session: Session, school_class: SchoolClass, student: User) -> set[int]:
    class_group_ids = [g.id for g in groups_of(session, school_class)]
    if not class_group_ids:
        return set()
    return set(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == student.id, GroupMember.group_id.in_(class_group_ids))
        )
    )


# --- groups ------------------------------------------------------------------------------------

def groups_of(session: Session, school_class: SchoolClass) -> list[ClassGroup]:
    return list(
        session.scalars(select(ClassGroup).where(ClassGroup.class_id == school_class.id).order_by(ClassGroup.name))
    )


def group_members(session: Session, school_class: SchoolClass) -> dict[int, set[int]]:
    """Group id -> user ids, for every group of the class, in one query."""
    members: dict[int, set[int]] = {}
    for group_id, user_id in session.execute(
        select(GroupMember.group_id, GroupMember.user_id)
        .join(ClassGroup, ClassGroup.id == GroupMember.group_id)
        .where(ClassGroup.class_id == school_class.id)
    ):
        members.setdefault(group_id, set()).add(user_id)
    return members


def _find_group(session: Session, school_class: SchoolClass, name: str) -> ClassGroup | None:
    wanted = fold(name)
    return next((g for g in groups_of(session, school_class) if fold(g.name) == wanted), None)


def create_group(session: Session, *, actor: User | None, school_class: SchoolClass, name: str) -> ClassGroup:
    try:
        name = clean_name(name, "Nom du groupe")
    except ValueError as error:
        raise TeachingError(str(error)) from None
    if _find_group(session, school_class, name) is not None:
        raise TeachingError(f"Le groupe « {name} » existe déjà dans cette classe.")
    group = ClassGroup(class_id=school_class.id, name=name)
    session.add(group)
    session.flush()
    log_action(session, actor, "class.create_group", name, {"class_id": school_class.id})
    return group


def set_group_members(
    session: Session, *, actor: User | None, school_class: SchoolClass, group: ClassGroup, user_ids: set[int]
) -> None:
    """Make the group hold exactly ``user_ids`` (students of the class only)."""
    enrolled = set(session.scalars(select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)))
    unknown = user_ids - enrolled
    if unknown:
        raise TeachingError("Un des élèves choisis n'est pas dans cette classe.")
    current = set(session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id)))
    if current - user_ids:
        session.execute(
            delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id.in_(current - user_ids))
        )
    session.add_all(GroupMember(group_id=group.id, user_id=user_id) for user_id in sorted(user_ids - current))
    log_action(session, actor, "class.group_members", group.name, {"class_id": school_class.id, "count": len(user_ids)})


def delete_group(session: Session, *, actor: User | None, school_class: SchoolClass, group: ClassGroup) -> None:
    """Delete a group that no assignment targets (its students stay in the class)."""
    used = session.scalar(select(func.count()).select_from(Assignment).where(Assignment.group_id == group.id))
    if used:
        raise TeachingError(
            f"Le groupe « {group.name} » a des modules à faire : retirez-les ou donnez-les à la classe avant de supprimer le groupe."
        )
    session.delete(group)
    log_action(session, actor, "class.delete_group", group.name, {"class_id": school_class.id})


# --- join codes ---------------------------------------------------------------------------------

def normalise_join_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())[:JOIN_CODE_LENGTH * 2]


def new_join_code(
    session: Session, *, actor: User | None, school_class: SchoolClass, days: int = 7, now: datetime | None = None
) -> str:
    """Give the class a new join code valid ``days`` days; the previous one stops working."""
    if days not in JOIN_CODE_DAYS:
        raise TeachingError("Choisissez une durée de validité proposée.")
    now = now or utcnow()
    for _ in range(20):
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if session.scalar(select(SchoolClass.id).where(SchoolClass.join_code == code)) is None:
            break
    else:  # pragma: no cover - 32^6 codes
        raise TeachingError("Impossible de créer un code pour l'instant : réessayez.")
    school_class.join_code = code
    school_class.join_code_expires_at = now + timedelta(days=days)
    log_action(session, actor, "class.join_code", school_class.name, {"class_id": school_class.id, "days": days})
    return code


def revoke_join_code(session: Session, *, actor: User | None, school_class: SchoolClass) -> None:
    school_class.join_code = None
    school_class.join_code_expires_at = None
    log_action(session, actor, "class.revoke_join_code", school_class.name, {"class_id": school_class.id})


def join_class(session: Session, *, student: User, code: str, now: datetime | None = None) -> SchoolClass | None:
    """A student joins a class with its code; None when the code is wrong or expired.

    Wrong codes are counted, as failed logins are (the caller commits in both
    cases, so that a failure counts): a few are free, then each further one
    makes the next attempt wait longer (accounts.throttle), never a hard lock.
    """
    now = now or utcnow()
    if student.role != Role.STUDENT:
        raise TeachingError("Seul un compte d'élève peut rejoindre une classe avec un code.")
    key = f"user:{student.id}"
    retry = throttle.retry_at(session, "join", key, JOIN_POLICY, now)
    if retry is not None:
        raise TeachingError(
            f"Trop de codes erronés : par sécurité, attends avant de réessayer. Réessaie {throttle.wait_phrase(retry, now)}."
        )
    normalised = normalise_join_code(code)
    school_class = (
        session.scalar(select(SchoolClass).where(SchoolClass.join_code == normalised)) if normalised else None
    )
    if school_class is None or school_class.join_code_expires_at is None or school_class.join_code_expires_at < now:
        throttle.forget_old(session, ("join",), now, JOIN_POLICY.memory)
        throttle.record_failure(session, "join", key, now)
        return None
    if not enrol(session, school_class, student):
        raise TeachingError(f"Tu es déjà dans la classe « {school_class.name} ».")
    log_action(session, student, "class.join", school_class.name, {"class_id": school_class.id})
    return school_class


# --- assignments ------------------------------------------------------------------------------------

def _check_dates(opens_at: datetime, due_at: datetime | None) -> None:
    if due_at is not None and due_at < opens_at:
        raise TeachingError("La date limite doit venir après la date d'ouverture.")


def _clean_note(note: str | None) -> str:
    note = (note or "").strip().replace("\r\n", "\n")
    if len(note) > NOTE_MAX:
        raise TeachingError(f"Le mot aux élèves ne doit pas dépasser {NOTE_MAX} caractères.")
    return note


def _check_overlap(session: Session, school_class: SchoolClass, module_id: str, group: ClassGroup | None, exclude: int | None) -> None:
    """A module is given once to the class, or once to each of several groups: never twice to anyone."""
    others = session.scalars(
        select(Assignment).where(Assignment.class_id == school_class.id, Assignment.module_id == module_id, Assignment.id != (exclude or 0))
    ).all()
    for other in others:
        if other.group_id is None or group is None or other.group_id == group.id:
            raise TeachingError("Ce module est déjà donné à ces élèves : modifiez le devoir existant.")


def assign_module(
    session: Session,
    *,
    actor: User,
    school_class: SchoolClass,
    module: Module,
    group: ClassGroup | None,
    opens_at: datetime,
    due_at: datetime | None,
    note: str = "",
) -> Assignment:
    """Give ``module`` (and its quiz) to the class or one of its groups."""
    if module.audience != "eleve":
        raise TeachingError("Ce module est réservé aux personnels : il ne peut pas être donné à des élèves.")
    if group is not None and group.class_id != school_class.id:
        raise TeachingError("Ce groupe n'appartient pas à cette classe.")
    _check_dates(opens_at, due_at)
    _check_overlap(session, school_class, module.id, group, None)
    now = utcnow()
    assignment = Assignment(
        class_id=school_class.id,
        group_id=group.id if group else None,
        module_id=module.id,
        opens_at=opens_at,
        due_at=due_at,
        note=_clean_note(note),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(assignment)
    session.flush()
    log_action(session, actor, "assignment.create", module.id, {"class_id": school_class.id, "assignment_id": assignment.id})
    return assignment


def update_assignment(
    session: Session,
    *,
    actor: User,
    school_class: SchoolClass,
    assignment: Assignment,
    group: ClassGroup | None,
    opens_at: datetime,
    due_at: datetime | None,
    note: str = "",
) -> None:
    """Change who does an assignment, when, and the note; its module stays."""
    if group is not None and group.class_id != school_class.id:
        raise TeachingError("Ce groupe n'appartient pas à cette classe.")
    _check_dates(opens_at, due_at)
    _check_overlap(session, school_class, assignment.module_id, group, assignment.id)
    assignment.group_id = group.id if group else None
    assignment.opens_at = opens_at
    assignment.due_at = due_at
    assignment.note = _clean_note(note)
    assignment.updated_at = utcnow()
    log_action(session, actor, "assignment.update", assignment.module_id, {"class_id": school_class.id, "assignment_id": assignment.id})


def withdraw_assignment(session: Session, *, actor: User, school_class: SchoolClass, assignment: Assignment) -> None:
    """Withdraw an assignment. Only the assignment goes: events and progress stay."""
    log_action(session, actor, "assignment.withdraw", assignment.module_id, {"class_id": school_class.id, "assignment_id": assignment.id})
    session.delete(assignment)


def assignments_of_class(session: Session, school_class: SchoolClass) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.class_id == school_class.id).order_by(Assignment.opens_at, Assignment.id)
        )
    )


@dataclass(frozen=True)
class StudentAssignment:
    """An open assignment as its student sees it."""

    assignment_id: int
    module_id: str
    class_name: str
    opens_at: datetime
    due_at: datetime | None
    note: str
    state: str
    overdue: bool


def assignments_for_student(
    session: Session, student: User, modules: dict[str, Module], now: datetime | None = None
) -> list[StudentAssignment]:
    """The open assignments of ``student`` (class-wide or for one of their groups), soonest due first.

    A module given twice (two classes, two groups) appears once, with the
    earliest due date. Assignments of modules not in ``modules`` (removed from
    the catalogue) are left out.
    """
    if student.role != Role.STUDENT:
        return []
    now = now or utcnow()
    my_groups = select(GroupMember.group_id).where(GroupMember.user_id == student.id)
    rows = session.execute(
        select(Assignment, SchoolClass.name, Enrolment.enrolled_at)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .join(Enrolment, (Enrolment.class_id == Assignment.class_id) & (Enrolment.user_id == student.id))
        .where(
            or_(Assignment.group_id.is_(None), Assignment.group_id.in_(my_groups)),
            Assignment.opens_at <= now,
        )
    ).all()
    if not rows:
        return []
    progress = {
        row.module_id: row
        for row in session.scalars(
            select(ModuleProgress).where(
                ModuleProgress.user_id == student.id,
                ModuleProgress.module_id.in_({a.module_id for a, _, _ in rows}),
            )
        )
    }
    far = datetime.max
    best: dict[str, tuple[Assignment, str, datetime | None]] = {}
    for assignment, class_name, enrolled_at in rows:
        if assignment.module_id not in modules:
            continue
        due = due_for(assignment.opens_at, assignment.due_at, enrolled_at)
        kept = best.get(assignment.module_id)
        if kept is None or (due or far) < (kept[2] or far):
            best[assignment.module_id] = (assignment, class_name, due)
    result = []
    for assignment, class_name, due in best.values():
        state = state_of(progress.get(assignment.module_id), modules[assignment.module_id].quiz is not None)
        result.append(
            StudentAssignment(
                assignment_id=assignment.id,
                module_id=assignment.module_id,
                class_name=class_name,
                opens_at=assignment.opens_at,
                due_at=due,
                note=assignment.note,
                state=state,
                overdue=due is not None and due < now and state not in DONE_STATES,
            )
        )
    result.sort(key=lambda a: (a.state in DONE_STATES, a.due_at or far, a.module_id))
    return result



# --- roster import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedStudent:
    line: int
    first_name: str
    last_name: str
    action: str  # "create", "enrol" (existing account) or "already" (already in the class)
    username: str
    user_id: int | None = None
    group: str | None = None
    warning: str | None = None


@dataclass
class ImportPlan:
    students: list[PlannedStudent] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for s in self.students if s.action == action)


@dataclass(frozen=True)
class ImportResult:
    created: list[tuple[User, str]]  # with the generated password, shown once
    enrolled: list[User]
    already: int


def _like_prefix(base: str) -> str:
    return base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _accounts_starting_with(session: Session, bases: set[str]) -> list[User]:
    found: list[User] = []
    ordered = sorted(bases)
    for start in range(0, len(ordered), 50):
        chunk = ordered[start : start + 50]
        found.extend(
            session.scalars(select(User).where(or_(*(User.username.like(_like_prefix(b), escape="\\") for b in chunk))))
        )
    return found


UNAVAILABLE_IDENTIFIER = (
    "l'identifiant « {username} » n'est pas disponible pour cette classe : laissez la colonne « Identifiant » vide "
    "pour créer un compte, ou demandez à l'administrateur d'inscrire cet élève."
)


def may_enrol_anyone(actor: User | None) -> bool:
    """The machine's operator (``actor`` None, the command line) and administrators may enrol any student."""
    return actor is None or actor.role == Role.ADMIN


def _reachable_students(actor: User | None):
    """A statement of the students ``actor`` may name in an import, or None for anyone.

    A teacher reaches only the students already in one of their classes: an
    account elsewhere (another class, another school, a member of staff) is
    out of their reach, and the import treats it exactly like a username that
    does not exist.
    """
    statement = select(User).where(User.role == Role.STUDENT)
    if may_enrol_anyone(actor):
        return statement
    if actor.role != Role.TEACHER:
        return None
    mine = (
        select(Enrolment.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == Enrolment.class_id)
        .where(ClassTeacher.user_id == actor.id)
    )
    # A student taken out of one of the teacher's classes (and not back yet) is
    # still theirs to put back: re-importing the class's file re-enrols them.
    removed = (
        select(RemovedEnrolment.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == RemovedEnrolment.class_id)
        .where(ClassTeacher.user_id == actor.id)
    )
    return statement.where(or_(User.id.in_(mine), User.id.in_(removed)))


def _accounts_named(session: Session, usernames: set[str], actor: User | None) -> dict[str, User]:
    """The accounts among ``usernames`` that ``actor`` may name: every account for an
    operator or an administrator, the students of the teacher's classes otherwise."""
    found: dict[str, User] = {}
    if may_enrol_anyone(actor):
        statement = select(User)
    else:
        statement = _reachable_students(actor)
        if statement is None:
            return found
    ordered = sorted(usernames)
    for start in range(0, len(ordered), 500):
        for user in session.scalars(statement.where(User.username.in_(ordered[start : start + 500]))):
            found[user.username] = user
    return found


def plan_import(session: Session, school_class: SchoolClass, rows: list[RosterRow], actor: User | None) -> ImportPlan:
    """Decide, for each line, whether a student is created, enrolled, or already there.

    Existing accounts are found by the ``Identifiant`` column only, or by name
    among the students already in this class: a student of the same name
    elsewhere is never taken for this one without an identifier (two
    homonyms must not share an account); the preview warns instead.

    Who may name which account (``actor``): the command line's operator and
    administrators any student, and may give a new account the identifier of
    their choice; a teacher only the students already in one of their
    classes. Any other identifier given by a teacher, whether it exists or
    not, gets one neutral refusal: the file must not tell a teacher whether an
    account exists outside their classes, nor whose it is. No message names a
    stored name.
    """
    plan = ImportPlan()
    anyone = may_enrol_anyone(actor)
    in_class = students_of(session, school_class)
    by_name: dict[tuple[str, str], list[User]] = {}
    for student in in_class:
        by_name.setdefault((fold(student.first_name), fold(student.last_name)), []).append(student)
    enrolled_ids = {s.id for s in in_class}
    # Students removed from this class (and not back): the same name in the file is
    # the same person, re-enrolled with their groups rather than given a second account.
    removed_by_name: dict[tuple[str, str], list[User]] = {}
    for trace in recently_removed(session, school_class, limit=None):
        if trace.student.id not in enrolled_ids and trace.student.role == Role.STUDENT:
            removed_by_name.setdefault((fold(trace.student.first_name), fold(trace.student.last_name)), []).append(trace.student)
    given = _accounts_named(session, {r.username for r in rows if r.username}, actor)
    # Every account whose username starts like one we may generate: the
    # numbers to skip.
    similar = _accounts_starting_with(session, {username_base(r.first_name, r.last_name) for r in rows if not r.username})
    # Homonyms to warn about: students the actor may name, not in the class yet.
    reachable = _reachable_students(actor)
    reachable_ids = (
        None if anyone or reachable is None
        else set(session.scalars(reachable.with_only_columns(User.id)))
    )
    homonyms: dict[tuple[str, str], User] = {}
    for user in similar:
        if (
            user.role == Role.STUDENT
            and user.id not in enrolled_ids
            and (anyone or (reachable_ids is not None and user.id in reachable_ids))
        ):
            homonyms.setdefault((fold(user.first_name), fold(user.last_name)), user)
    taken = {u.username for u in similar} | set(given) | {r.username for r in rows if r.username}
    for row in rows:
        name = (fold(row.first_name), fold(row.last_name))
        if row.username:
            user = given.get(row.username)
            if user is None and not anyone:
                plan.problems.append(Problem(row.line, UNAVAILABLE_IDENTIFIER.format(username=row.username)))
            elif user is None:
                plan.students.append(PlannedStudent(row.line, row.first_name, row.last_name, "create", row.username, group=row.group))
            elif user.role != Role.STUDENT:
                # Only an operator or an administrator gets here (a teacher's lookup holds students only).
                plan.problems.append(Problem(row.line, f"l'identifiant « {row.username} » n'est pas celui d'un compte d'élève."))
            elif (fold(user.first_name), fold(user.last_name)) != name:
                plan.problems.append(
                    Problem(
                        row.line,
                        f"l'identifiant « {row.username} » est celui d'un élève dont le nom n'est pas "
                        f"{row.first_name} {row.last_name} : vérifiez cette ligne.",
                    )
                )
            else:
                action = "already" if user.id in enrolled_ids else "enrol"
                plan.students.append(PlannedStudent(row.line, row.first_name, row.last_name, action, user.username, user.id, row.group))
            continue
        same = by_name.get(name, []) or removed_by_name.get(name, [])
        if len(same) > 1:
            plan.problems.append(
                Problem(row.line, f"plusieurs élèves de la classe s'appellent {row.first_name} {row.last_name} : indiquez l'identifiant dans la colonne « Identifiant ».")
            )
            continue
        if same:
            action = "already" if same[0].id in enrolled_ids else "enrol"
            plan.students.append(PlannedStudent(row.line, row.first_name, row.last_name, action, same[0].username, same[0].id, row.group))
            continue
        base = username_base(row.first_name, row.last_name)
        username, number = base, 1
        while username in taken:
            number += 1
            username = f"{base}{number}"
        taken.add(username)
        warning = None
        twin = homonyms.get(name)
        if twin is not None:
            warning = (
                f"un compte d'élève au même nom existe déjà (« {twin.username} ») : si c'est la même personne, "
                "indiquez cet identifiant dans la colonne « Identifiant » au lieu d'en créer un nouveau."
            )
        plan.students.append(PlannedStudent(row.line, row.first_name, row.last_name, "create", username, group=row.group, warning=warning))
    plan.students.sort(key=lambda s: s.line)
    plan.problems.sort(key=lambda p: p.line)
    return plan


def _rows_to_json(roster: RosterFile) -> dict:
    return {
        "rows": [
            {"line": r.line, "first_name": r.first_name, "last_name": r.last_name, "username": r.username, "group": r.group}
            for r in roster.rows
        ],
        "ignored": [list(item) for item in roster.ignored],
        "encoding": roster.encoding,
        "separator": roster.separator,
    }


def rows_from_json(content: dict) -> list[RosterRow]:
    return [
        RosterRow(line=r["line"], first_name=r["first_name"], last_name=r["last_name"], username=r.get("username"), group=r.get("group"))
        for r in content.get("rows", [])
    ]


def read_roster_for(
    session: Session, school_class: SchoolClass, data: bytes, actor: User | None
) -> tuple[RosterFile, ImportPlan]:
    """Read a roster file for the class and plan its import by ``actor`` (nothing written)."""
    roster = read_roster(data, school_class.name)
    if not roster.ok:
        return roster, ImportPlan(problems=list(roster.problems), ignored=roster.ignored)
    plan = plan_import(session, school_class, roster.rows, actor)
    plan.ignored = roster.ignored
    return roster, plan


def start_roster_import(
    session: Session, *, actor: User, school_class: SchoolClass, data: bytes, filename: str, now: datetime | None = None
) -> tuple[ImportPlan, RosterImport | None]:
    """Read and check a roster file; keep its lines server-side for the confirmation.

    Returns the plan and, when the file is usable, the pending import whose
    random id the confirmation must name. Nothing else is written.
    """
    now = now or utcnow()
    roster, plan = read_roster_for(session, school_class, data, actor)
    if plan.problems:
        return plan, None
    session.execute(delete(RosterImport).where(RosterImport.created_at < now - IMPORT_LIFETIME))
    pending = RosterImport(
        id=secrets.token_urlsafe(32),
        class_id=school_class.id,
        created_by_id=actor.id,
        filename=(filename or "")[:255],
        content=_rows_to_json(roster),
        created_at=now,
    )
    session.add(pending)
    return plan, pending


def plan_pending(session: Session, *, actor: User, school_class: SchoolClass, pending: RosterImport) -> ImportPlan:
    plan = plan_import(session, school_class, rows_from_json(pending.content), actor)
    plan.ignored = [tuple(item) for item in pending.content.get("ignored", [])]
    return plan


class ImportRefused(TeachingError):
    """The roster has problems: nothing was imported. ``plan`` says which."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("Le fichier contient des erreurs : aucun élève n'a été importé.")
        self.plan = plan


def import_roster(session: Session, *, actor: User | None, school_class: SchoolClass, rows: list[RosterRow]) -> ImportResult:
    """Create, enrol and group the students of ``rows``: all of them, or none (ImportRefused)."""
    plan = plan_import(session, school_class, rows, actor)
    if plan.problems:
        raise ImportRefused(plan)
    groups = {fold(g.name): g for g in groups_of(session, school_class)}
    members = group_members(session, school_class)
    created: list[tuple[User, str]] = []
    enrolled: list[User] = []
    for planned in plan.students:
        if planned.action == "create":
            user, password = create_user(
                session,
                actor=actor,
                username=planned.username,
                role=Role.STUDENT,
                first_name=planned.first_name,
                last_name=planned.last_name,
                school=school_class.school,
            )
            assert password is not None
            created.append((user, password))
        else:
            user = session.get(User, planned.user_id)
            if planned.action == "enrol":
                enrolled.append(user)
        trace = session.get(RemovedEnrolment, (school_class.id, user.id))
        restored = {int(i) for i in (trace.groups or {}).get("ids", [])} if trace is not None else set()
        enrol(session, school_class, user)
        for group_id in restored:
            members.setdefault(group_id, set()).add(user.id)
        if planned.group:
            group = groups.get(fold(planned.group))
            if group is None:
                group = ClassGroup(class_id=school_class.id, name=planned.group)
                session.add(group)
                session.flush()
                groups[fold(planned.group)] = group
            if user.id not in members.get(group.id, set()):
                session.add(GroupMember(group_id=group.id, user_id=user.id))
                members.setdefault(group.id, set()).add(user.id)
    session.flush()
    log_action(
        session,
        actor,
        "class.import_roster",
        school_class.name,
        {"class_id": school_class.id, "created": len(created), "enrolled": len(enrolled), "already": plan.count("already")},
    )
    return ImportResult(created=created, enrolled=enrolled, already=plan.count("already"))


def confirm_roster_import(session: Session, *, actor: User, school_class: SchoolClass, pending: RosterImport) -> ImportResult:
    """Carry out a previewed import (checked again against the accounts as they are now)."""
    result = import_roster(session, actor=actor, school_class=school_class, rows=rows_from_json(pending.content))
    session.delete(pending)
    return result
