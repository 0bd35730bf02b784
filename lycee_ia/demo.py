"""Demo data: one school, its people and a class, loaded only when asked for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, School, User
from lycee_ia.accounts.services import create_user, get_user_by_username, hash_password
from lycee_ia.teaching.models import ClassTeacher, Enrolment, SchoolClass

DEMO_PASSWORD = "lycee-ia-demo"
DEMO_SCHOOL = "Lycée de démonstration"
DEMO_CLASS = "2nde 3"

# (username, role, first name, last name)
STAFF_ACCOUNTS = [
    ("prof.demo", Role.TEACHER, "Claire", "Dubois"),
    ("personnel.demo", Role.STAFF, "Karim", "Benali"),
    ("formateur.demo", Role.TRAINER, "Sophie", "Lemaire"),
    ("admin.demo", Role.ADMIN, "Marc", "Girard"),
]
STUDENT_FIRST_NAMES = (
    "Léa Hugo Chloé Lucas Manon Nathan Inès Louis Jade Gabriel Camille Adam "
    "Zoé Raphaël Lina Arthur Emma Noah Sarah Jules Louise Yanis Anaïs Théo"
).split()
# Students are shown by first name and an initial: the demo collects no more
# than a real class would need.
STUDENT_INITIALS = "MBRLPDCGFTHVNSAJKEOWUQYZ"


@dataclass(frozen=True)
class DemoSummary:
    created: int
    accounts: list[tuple[str, str]]


def demo_accounts() -> list[tuple[str, str]]:
    """The demo accounts as (username, role label), for printing."""
    rows = [(username, role.label) for username, role, _, _ in STAFF_ACCOUNTS]
    rows.append(("eleve01 … eleve24", Role.STUDENT.label))
    return rows


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) == 0


def has_demo(session: Session) -> bool:
    return get_user_by_username(session, "prof.demo") is not None


def load_demo(session: Session) -> DemoSummary:
    """Create whatever part of the demo is missing; running it twice changes nothing."""
    school = session.scalar(select(School).where(School.name == DEMO_SCHOOL))
    if school is None:
        school = School(name=DEMO_SCHOOL)
        session.add(school)
        session.flush()
    # Every demo account shares one documented password: hash it once.
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0

    def ensure(username: str, role: Role, first: str, last: str) -> User:
        nonlocal created
        user = get_user_by_username(session, username)
        if user is None:
            user, _ = create_user(
                session,
                actor=None,
                username=username,
                role=role,
                first_name=first,
                last_name=last,
                school=school,
                password_hash=password_hash,
            )
            created += 1
        return user

    people = {username: ensure(username, role, first, last) for username, role, first, last in STAFF_ACCOUNTS}
    students = [
        ensure(f"eleve{number:02d}", Role.STUDENT, first, f"{STUDENT_INITIALS[number - 1]}.")
        for number, first in enumerate(STUDENT_FIRST_NAMES, start=1)
    ]
    school_class = session.scalar(
        select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == DEMO_CLASS)
    )
    if school_class is None:
        school_class = SchoolClass(school=school, name=DEMO_CLASS)
        session.add(school_class)
        session.flush()
    teacher = people["prof.demo"]
    if session.get(ClassTeacher, (school_class.id, teacher.id)) is None:
        session.add(ClassTeacher(class_id=school_class.id, user_id=teacher.id))
    enrolled = set(session.scalars(select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)))
    session.add_all(
        Enrolment(class_id=school_class.id, user_id=student.id) for student in students if student.id not in enrolled
    )
    session.flush()
    return DemoSummary(created=created, accounts=demo_accounts())
