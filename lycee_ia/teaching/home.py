"""The teacher's home page: each class with what changed since the last visit.

Who finished an assigned module since then, who needs help now (the class
overview's own list), and what is due before the end of the week (Paris time).
A visit is a run of home pages less than an hour apart: reloading the page does
not wipe the news; coming back the next morning does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module
from lycee_ia.db import utcnow
from lycee_ia.teaching.dashboard import ClassDashboard, Column, StudentRow, class_dashboard
from lycee_ia.teaching.models import Assignment, Enrolment, SchoolClass, TeacherVisit
from lycee_ia.templating import PARIS

VISIT_GAP = timedelta(hours=1)
FIRST_VISIT_DAYS = 7  # with no earlier visit, the news of the last week
MAX_FINISHED_SHOWN = 12


@dataclass
class Finished:
    student_id: int
    name: str
    module_title: str
    at: datetime


@dataclass
class ClassNews:
    school_class: SchoolClass
    dashboard: ClassDashboard
    finished: list[Finished] = field(default_factory=list)
    due_this_week: list[Column] = field(default_factory=list)

    @property
    def students(self) -> int:
        return len(self.dashboard.rows)

    @property
    def needing_help(self) -> list[StudentRow]:
        return self.dashboard.needing_help


@dataclass
class TeacherHome:
    since: datetime
    first_visit: bool
    classes: list[ClassNews]


def record_visit(session: Session, teacher: User, now: datetime | None = None) -> datetime | None:
    """Note this home page; return the end of the previous visit (None on the very first one)."""
    now = now or utcnow()
    visit = session.get(TeacherVisit, teacher.id)
    if visit is None:
        session.add(TeacherVisit(user_id=teacher.id, previous_visit_at=None, last_seen_at=now))
        return None
    if now - visit.last_seen_at > VISIT_GAP:
        visit.previous_visit_at = visit.last_seen_at
    visit.last_seen_at = max(visit.last_seen_at, now)
    return visit.previous_visit_at


def end_of_week(now: datetime) -> datetime:
    """Sunday 23:59:59 of the current week in Paris, as naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(PARIS)
    sunday = local.date() + timedelta(days=6 - local.weekday())
    return datetime.combine(sunday, time(23, 59, 59), PARIS).astimezone(UTC).replace(tzinfo=None)


def _finished_since(
    session: Session, class_ids: list[int], modules: dict[str, Module], since: datetime
) -> dict[int, list[Finished]]:
    """Students of these classes who reached « quiz passed » or « mastered » in an assigned module since ``since``."""
    if not class_ids:
        return {}
    assigned = exists().where(
        Assignment.class_id == Enrolment.class_id, Assignment.module_id == ModuleProgress.module_id
    )
    rows = session.execute(
        select(
            Enrolment.class_id,
            User.id,
            User.first_name,
            User.last_name,
            User.username,
            ModuleProgress.module_id,
            ModuleProgress.quiz_passed_at,
            ModuleProgress.completed_at,
        )
        .join(User, User.id == Enrolment.user_id)
        .join(ModuleProgress, ModuleProgress.user_id == Enrolment.user_id)
        .where(
            Enrolment.class_id.in_(class_ids),
            User.role == Role.STUDENT,
            assigned,
            or_(ModuleProgress.quiz_passed_at >= since, ModuleProgress.completed_at >= since),
        )
    ).all()
    found: dict[int, list[Finished]] = {}
    for class_id, user_id, first, last, username, module_id, passed_at, completed_at in rows:
        module = modules.get(module_id)
        has_quiz = module.quiz is not None if module else True
        at = passed_at if has_quiz else completed_at
        if at is None or at < since:
            continue
        title = module.title if module else f"Module indisponible ({module_id})"
        name = f"{first} {last}".strip() or username
        found.setdefault(class_id, []).append(Finished(user_id, name, title, at))
    for items in found.values():
        items.sort(key=lambda f: f.at, reverse=True)
    return found


def teacher_home(
    session: Session, teacher: User, classes: list[SchoolClass], modules: dict[str, Module], now: datetime | None = None
) -> TeacherHome:
    """Each class's news since the teacher's last visit; records this visit."""
    now = now or utcnow()
    previous = record_visit(session, teacher, now)
    since = previous if previous is not None else now - timedelta(days=FIRST_VISIT_DAYS)
    finished = _finished_since(session, [c.id for c in classes], modules, since)
    week_end = end_of_week(now)
    news = []
    for school_class in classes:
        dashboard = class_dashboard(session, school_class, modules, now=now)
        due = [
            column
            for column in dashboard.columns
            if column.is_open and column.assignment.due_at is not None and now <= column.assignment.due_at <= week_end
        ]
        due.sort(key=lambda column: column.assignment.due_at)
        news.append(ClassNews(school_class, dashboard, finished.get(school_class.id, []), due))
    return TeacherHome(since=since, first_visit=previous is None, classes=news)
