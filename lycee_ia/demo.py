"""Demo data: one school, its people, a class with groups, assignments and some work done.

Loaded only when asked for. The class's learning history is made through the
same services as real reading and answering (with dates in the past), so the
teacher's dashboard and item analysis show what they would show in a class.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, School, User
from lycee_ia.accounts.services import create_user, get_user_by_username, hash_password
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module
from lycee_ia.content.services import record_section_view
from lycee_ia.db import utcnow
from lycee_ia.quiz.grading import correct_answer, format_number
from lycee_ia.quiz.model import Question
from lycee_ia.quiz.services import answer_in_attempt, start_attempt
from lycee_ia.teaching.models import Assignment, ClassGroup, ClassTeacher, Enrolment, GroupMember, SchoolClass

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
DEMO_GROUPS = ("Demi-groupe A", "Demi-groupe B")
DEMO_CLASS_FORMED_DAYS_AGO = 60
# (module id, group index or None, opens in days from now, due in days from now or None)
DEMO_ASSIGNMENTS = (
    ("e1-ia-autour-de-moi", None, -21, -7),
    ("e3-ia-generative-hallucinations", None, -10, 4),
    ("e4-verifier-sourcer-declarer", 0, -3, 11),
    ("e7-mes-donnees-mes-droits", None, 5, 19),
)
# Work done, per module: (module id, students eleveNN with NN in this range,
# most quiz attempts). eleve01 to eleve03 and the last ones stay untouched:
# clean accounts to try, and inactive students for "Élèves à aider".
DEMO_WORK = (
    ("e1-ia-autour-de-moi", range(4, 21), 3),
    ("e3-ia-generative-hallucinations", range(4, 12), 1),
)


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
    # The class was formed at the start of the term, before any of its assignments.
    since = utcnow() - timedelta(days=DEMO_CLASS_FORMED_DAYS_AGO)
    session.add_all(
        Enrolment(class_id=school_class.id, user_id=student.id, enrolled_at=since)
        for student in students
        if student.id not in enrolled
    )
    session.flush()
    _demo_teaching(session, school_class, teacher, students)
    return DemoSummary(created=created, accounts=demo_accounts())


def _demo_teaching(session: Session, school_class: SchoolClass, teacher: User, students: list[User]) -> None:
    """Groups, assignments and past work, each made once."""
    groups = []
    for index, name in enumerate(DEMO_GROUPS):
        group = session.scalar(select(ClassGroup).where(ClassGroup.class_id == school_class.id, ClassGroup.name == name))
        if group is None:
            group = ClassGroup(class_id=school_class.id, name=name)
            session.add(group)
            session.flush()
            half = len(students) // 2
            members = students[:half] if index == 0 else students[half:]
            session.add_all(GroupMember(group_id=group.id, user_id=s.id) for s in members)
        groups.append(group)
    modules = get_catalogue().modules
    now = utcnow()
    if session.scalar(select(func.count()).select_from(Assignment).where(Assignment.class_id == school_class.id)) == 0:
        for module_id, group_index, opens, due in DEMO_ASSIGNMENTS:
            if module_id not in modules:
                continue
            session.add(
                Assignment(
                    class_id=school_class.id,
                    group_id=groups[group_index].id if group_index is not None else None,
                    module_id=module_id,
                    opens_at=now + timedelta(days=opens),
                    due_at=now + timedelta(days=due) if due is not None else None,
                    note="Lis tout le module avant de passer le quiz." if opens < -7 else "",
                    created_by_id=teacher.id,
                )
            )
        session.flush()
    if session.scalar(
        select(func.count()).select_from(ModuleProgress).where(ModuleProgress.user_id.in_([s.id for s in students]))
    ):
        return
    rng = random.Random(20261126)
    opening = {module_id: opens for module_id, _, opens, _ in DEMO_ASSIGNMENTS}
    for module_id, numbers, max_attempts in DEMO_WORK:
        module = modules.get(module_id)
        if module is None or module.quiz is None:
            continue
        for student in students:
            if int(student.username[-2:]) in numbers:
                start = now + timedelta(days=opening[module_id] + 1)
                _demo_work(session, rng, student, module, start, max_attempts)


def _demo_work(session: Session, rng: random.Random, student: User, module: Module, start: datetime, max_attempts: int) -> None:
    """One student's plausible history in a module: some reading, zero to three quiz attempts."""
    ability = 0.35 + 0.6 * rng.random()
    when = start + timedelta(hours=rng.randint(0, 96))
    read = len(module.sections) if rng.random() < 0.75 else rng.randint(1, len(module.sections))
    for section in module.sections[:read]:
        when += timedelta(minutes=rng.randint(2, 8))
        record_section_view(session, student, module, section, now=when)
    if read < len(module.sections) and rng.random() < 0.6:
        return
    for _ in range(min(max_attempts, rng.choice((1, 1, 1, 2, 2, 3)))):
        when += timedelta(hours=rng.randint(1, 30))
        attempt = start_attempt(session, student, module, now=when)
        for question_id in attempt.ids:
            question = module.question(question_id)
            if question is None:
                continue
            when += timedelta(seconds=rng.randint(15, 90))
            answer = correct_answer(question) if rng.random() < ability else _wrong_answer(question, rng)
            answer_in_attempt(session, student, module, attempt, question_id, answer, duration=rng.randint(10, 80), now=when)
        if attempt.status == "passed":
            break
        ability = min(0.98, ability + 0.2)  # they read the feedback


def _wrong_answer(question: Question, rng: random.Random) -> Any:
    """A wrong answer as students give them: the most tempting distractor more often than the others."""
    kind = question.type
    if kind == "single":
        wrong = [c.id for c in question.choices if not c.correct]
        return wrong[0] if rng.random() < 0.6 else rng.choice(wrong)
    if kind == "multiple":
        right = [c.id for c in question.choices if c.correct]
        wrong = [c.id for c in question.choices if not c.correct]
        picked = right[1:] if len(right) > 1 and rng.random() < 0.5 else list(right)
        if wrong:
            picked.append(wrong[0] if rng.random() < 0.6 else rng.choice(wrong))
        return picked
    if kind == "truefalse":
        return not question.answer
    if kind == "short":
        foreseen = [a.text for a in question.anticipated if a.text]
        return foreseen[0] if foreseen and rng.random() < 0.7 else "je ne sais pas"
    if kind == "numeric":
        foreseen = [a.value for a in question.anticipated if a.value is not None]
        if foreseen and rng.random() < 0.7:
            return format_number(foreseen[0])
        return format_number(float(rng.randint(1, 10_000)))
    if kind == "ordering":
        order = [item.id for item in question.items]
        order[0], order[1] = order[1], order[0]
        return order
    if kind == "matching":
        key = correct_answer(question)
        lefts = list(key)
        if len(lefts) > 1:
            key[lefts[0]], key[lefts[1]] = key[lefts[1]], key[lefts[0]]
        return key
    return correct_answer(question)
