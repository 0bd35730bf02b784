"""The class dashboard: students × assignments, read from the summaries only.

:func:`class_dashboard` costs the same few queries whatever the size of the
class and the number of assignments (students, assignments, group members,
the summary rows of the class's students for the assigned modules, and each
student's last activity); it never reads the event log.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module
from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.model import Question
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.quiz.snapshot import question_from_dict
from lycee_ia.teaching.models import Assignment, ClassGroup, Enrolment, GroupMember, SchoolClass
from lycee_ia.teaching.states import DONE_STATES, LABELS, RANKS, SHORT_LABELS, SYMBOLS, state_of
from lycee_ia.templating import format_date

DEFAULT_INACTIVE_DAYS = 7
FAILURES_FOR_HELP = 2


@dataclass(frozen=True)
class Cell:
    """One student in one assignment."""

    state: str  # see states.py; "" when the assignment is not for this student
    best_score: int | None  # percent
    overdue: bool
    failures: int = 0

    @property
    def assigned(self) -> bool:
        return bool(self.state)

    @property
    def label(self) -> str:
        return LABELS.get(self.state, "Non concerné")

    @property
    def short_label(self) -> str:
        return SHORT_LABELS.get(self.state, "Non concerné")

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.state, "–")

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


NOT_ASSIGNED = Cell(state="", best_score=None, overdue=False)


@dataclass
class Column:
    """An assignment, with its figures over the students it is for."""

    assignment: Assignment
    module: Module | None
    group_name: str | None
    is_open: bool
    targeted: int = 0
    done: int = 0
    median_score: int | None = None
    overdue: int = 0

    @property
    def title(self) -> str:
        return self.module.title if self.module else f"Module indisponible ({self.assignment.module_id})"

    @property
    def completion(self) -> int | None:
        return round(100 * self.done / self.targeted) if self.targeted else None


@dataclass(frozen=True)
class HelpReason:
    kind: str  # "failed", "overdue", "inactive"
    text: str


@dataclass
class StudentRow:
    id: int
    username: str
    first_name: str
    last_name: str
    cells: list[Cell]
    last_activity_at: datetime | None
    help: list[HelpReason] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @property
    def sort_name(self) -> tuple[str, str, str]:
        return (self.last_name.casefold(), self.first_name.casefold(), self.username)


@dataclass
class ClassDashboard:
    school_class: SchoolClass
    columns: list[Column]
    rows: list[StudentRow]
    sort: str
    descending: bool
    inactive_days: int
    now: datetime

    @property
    def needing_help(self) -> list[StudentRow]:
        return [row for row in self.rows if row.help]


def _percent(score: float | None) -> int | None:
    return None if score is None else round(score * 100)


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


SORT_KEYS = ("nom", "activite")


def parse_sort(value: str | None, columns: list[Column]) -> str:
    """``nom``, ``activite`` or ``d<assignment id>``; anything else sorts by name."""
    if value in SORT_KEYS:
        return value
    if value and value.startswith("d") and value[1:].isdigit():
        if any(c.assignment.id == int(value[1:]) for c in columns):
            return value
    return "nom"


def class_dashboard(
    session: Session,
    school_class: SchoolClass,
    modules: dict[str, Module],
    *,
    sort: str | None = None,
    descending: bool = False,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
    now: datetime | None = None,
) -> ClassDashboard:
    """Everything the class overview shows, in a fixed number of queries."""
    now = now or utcnow()
    enrolled = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id).scalar_subquery()
    students = session.execute(
        select(User.id, User.username, User.first_name, User.last_name)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.class_id == school_class.id, User.role == Role.STUDENT)
    ).all()
    assignments = session.execute(
        select(Assignment, ClassGroup.name)
        .outerjoin(ClassGroup, ClassGroup.id == Assignment.group_id)
        .where(Assignment.class_id == school_class.id)
        .order_by(Assignment.opens_at, Assignment.id)
    ).all()
    members: dict[int, set[int]] = {}
    if any(a.group_id is not None for a, _ in assignments):
        for group_id, user_id in session.execute(
            select(GroupMember.group_id, GroupMember.user_id)
            .join(ClassGroup, ClassGroup.id == GroupMember.group_id)
            .where(ClassGroup.class_id == school_class.id)
        ):
            members.setdefault(group_id, set()).add(user_id)
    progress: dict[tuple[int, str], tuple] = {}
    if assignments and students:
        assigned_modules = select(Assignment.module_id).where(Assignment.class_id == school_class.id).scalar_subquery()
        for row in session.execute(
            select(
                ModuleProgress.user_id,
                ModuleProgress.module_id,
                ModuleProgress.completed_at,
                ModuleProgress.quiz_attempts,
                ModuleProgress.quiz_failures,
                ModuleProgress.quiz_passed_at,
                ModuleProgress.quiz_best_score,
            ).where(ModuleProgress.user_id.in_(enrolled), ModuleProgress.module_id.in_(assigned_modules))
        ):
            progress[(row.user_id, row.module_id)] = row
    last_activity: dict[int, datetime] = {}
    if students:
        last_activity = dict(
            session.execute(
                select(ModuleProgress.user_id, func.max(ModuleProgress.last_activity_at))
                .where(ModuleProgress.user_id.in_(enrolled))
                .group_by(ModuleProgress.user_id)
            ).all()
        )

    columns = [
        Column(assignment=a, module=modules.get(a.module_id), group_name=group_name, is_open=a.opens_at <= now)
        for a, group_name in assignments
    ]
    inactive_since = now - timedelta(days=inactive_days)
    rows: list[StudentRow] = []
    scores: list[list[int]] = [[] for _ in columns]
    for student in students:
        cells = []
        reasons: list[HelpReason] = []
        # Since when an open assignment has waited for this student: inactivity
        # counts only once they have had N days to do something.
        waiting_since: datetime | None = None
        for index, column in enumerate(columns):
            a = column.assignment
            if a.group_id is not None and student.id not in members.get(a.group_id, ()):
                cells.append(NOT_ASSIGNED)
                continue
            row = progress.get((student.id, a.module_id))
            module = column.module
            state = state_of(row, module.quiz is not None if module else True)
            best = _percent(row.quiz_best_score) if row is not None else None
            failures = row.quiz_failures if row is not None else 0
            done = state in DONE_STATES
            overdue = a.due_at is not None and a.due_at < now and not done
            cells.append(Cell(state=state, best_score=best, overdue=overdue, failures=failures))
            column.targeted += 1
            column.done += done
            column.overdue += overdue
            if best is not None:
                scores[index].append(best)
            if not column.is_open:
                continue
            if not done and (waiting_since is None or a.opens_at < waiting_since):
                waiting_since = a.opens_at
            if failures >= FAILURES_FOR_HELP and not done:
                reasons.append(
                    HelpReason(
                        "failed",
                        f"{failures} échecs au quiz de « {column.title} »"
                        + (f" (meilleur score : {best} %)" if best is not None else ""),
                    )
                )
            if overdue:
                reasons.append(HelpReason("overdue", f"En retard : « {column.title} » était à faire pour le {format_date(a.due_at)}"))
        last = last_activity.get(student.id)
        if waiting_since is not None and waiting_since <= inactive_since and (last is None or last < inactive_since):
            if last is None:
                reasons.append(HelpReason("inactive", "Aucune activité enregistrée"))
            else:
                days = (now - last).days
                reasons.append(HelpReason("inactive", f"Aucune activité depuis {days} jours"))
        rows.append(
            StudentRow(
                id=student.id,
                username=student.username,
                first_name=student.first_name,
                last_name=student.last_name,
                cells=cells,
                last_activity_at=last,
                help=reasons,
            )
        )
    for column, values in zip(columns, scores):
        column.median_score = _median(values)

    sort = parse_sort(sort, columns)
    _sort_rows(rows, columns, sort, descending)
    return ClassDashboard(
        school_class=school_class,
        columns=columns,
        rows=rows,
        sort=sort,
        descending=descending,
        inactive_days=inactive_days,
        now=now,
    )


def _sort_rows(rows: list[StudentRow], columns: list[Column], sort: str, descending: bool) -> None:
    rows.sort(key=lambda r: r.sort_name)
    if sort == "nom":
        if descending:
            rows.reverse()
        return
    if sort == "activite":
        # Never active counts as the oldest; ties keep the name order.
        rows.sort(key=lambda r: r.last_activity_at or datetime.min, reverse=descending)
        return
    index = next(i for i, c in enumerate(columns) if c.assignment.id == int(sort[1:]))

    def key(row: StudentRow) -> tuple[int, int]:
        cell = row.cells[index]
        return (RANKS.get(cell.state, -1), cell.best_score if cell.best_score is not None else -1)

    rows.sort(key=key, reverse=descending)


# --- one student ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerLine:
    number: int
    question: Question | None
    question_id: str
    response: Any
    score: float
    success: bool
    duration: float | None


@dataclass
class AttemptReport:
    attempt: QuizAttempt
    answers: list[AnswerLine]

    @property
    def seconds(self) -> int | None:
        """Time spent answering: the sum of the time on each question, as the quiz pages measured it."""
        durations = [a.duration for a in self.answers if a.duration is not None]
        return round(sum(durations)) if durations else None

    @property
    def percent(self) -> int | None:
        return _percent(self.attempt.score)


@dataclass
class ModuleReport:
    module_id: str
    module: Module | None
    assignment: Assignment | None
    state: str
    sections: list[tuple[str, bool]]  # (title, read) in the module's order
    first_activity_at: datetime | None
    last_activity_at: datetime | None
    best_score: int | None
    attempts: list[AttemptReport]
    overdue: bool

    @property
    def title(self) -> str:
        return self.module.title if self.module else self.module_id

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.state]


def student_detail(
    session: Session, school_class: SchoolClass, student: User, modules: dict[str, Module], now: datetime | None = None
) -> list[ModuleReport]:
    """What one student of the class did: assigned modules first, then any other module they opened.

    Every attempt with each answer, its score and time, and the sections read.
    A fixed number of queries: assignments, groups, summaries, attempts,
    quiz answers, and older module versions.
    """
    now = now or utcnow()
    my_groups = set(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == student.id)))
    assignments = [
        a
        for a in session.scalars(
            select(Assignment).where(Assignment.class_id == school_class.id).order_by(Assignment.opens_at, Assignment.id)
        )
        if a.group_id is None or a.group_id in my_groups
    ]
    progress = {row.module_id: row for row in session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == student.id))}
    attempts = list(
        session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == student.id).order_by(QuizAttempt.started_at))
    )
    events = session.execute(
        select(
            LearningEvent.registration, LearningEvent.object_id, LearningEvent.module_version, LearningEvent.result
        ).where(
            LearningEvent.user_id == student.id,
            LearningEvent.verb == "answered",
            LearningEvent.registration.is_not(None),
        )
    ).all()
    wanted = {(a.module_id, a.module_version) for a in attempts} - {
        (m.id, m.version) for m in modules.values()
    }
    older: dict[tuple[str, str], dict[str, Question]] = {}
    if wanted:
        for snapshot in session.scalars(
            select(ModuleVersion).where(
                ModuleVersion.module_id.in_({m for m, _ in wanted}), ModuleVersion.version.in_({v for _, v in wanted})
            )
        ):
            quiz = snapshot.snapshot.get("quiz") or {}
            older[(snapshot.module_id, snapshot.version)] = {q["id"]: question_from_dict(q) for q in quiz.get("questions", [])}
    by_attempt: dict[Any, list] = {}
    for event in events:
        by_attempt.setdefault(event.registration, []).append(event)

    def questions_of(module_id: str, version: str) -> dict[str, Question]:
        module = modules.get(module_id)
        if module is not None and module.version == version and module.quiz:
            return {q.id: q for q in module.quiz.questions}
        return older.get((module_id, version), {})

    attempts_by_module: dict[str, list[AttemptReport]] = {}
    for attempt in attempts:
        questions = questions_of(attempt.module_id, attempt.module_version)
        order = {qid: n for n, qid in enumerate(attempt.ids, start=1)}
        lines = []
        for event in by_attempt.get(attempt.id, []):
            question_id = event.object_id.split("/", 1)[-1]
            result = event.result or {}
            duration = result.get("duration")
            lines.append(
                AnswerLine(
                    number=order.get(question_id, 0),
                    question=questions.get(question_id),
                    question_id=question_id,
                    response=result.get("response"),
                    score=float(result.get("score") or 0.0),
                    success=bool(result.get("success")),
                    duration=float(duration) if isinstance(duration, (int, float)) else None,
                )
            )
        lines.sort(key=lambda line: line.number)
        attempts_by_module.setdefault(attempt.module_id, []).append(AttemptReport(attempt, lines))

    reports = []
    shown: set[str] = set()
    module_ids = [a.module_id for a in assignments] + sorted(
        (set(progress) | set(attempts_by_module)) - {a.module_id for a in assignments}
    )
    by_module = {a.module_id: a for a in assignments}
    for module_id in module_ids:
        if module_id in shown:
            continue
        shown.add(module_id)
        module = modules.get(module_id)
        row = progress.get(module_id)
        state = state_of(row, module.quiz is not None if module else True)
        seen = set(row.seen()) if row is not None else set()
        assignment = by_module.get(module_id)
        reports.append(
            ModuleReport(
                module_id=module_id,
                module=module,
                assignment=assignment,
                state=state,
                sections=[(s.title, s.id in seen) for s in module.sections] if module else [],
                first_activity_at=row.first_activity_at if row else None,
                last_activity_at=row.last_activity_at if row else None,
                best_score=_percent(row.quiz_best_score) if row else None,
                attempts=attempts_by_module.get(module_id, []),
                overdue=bool(
                    assignment and assignment.due_at is not None and assignment.due_at < now and state not in DONE_STATES
                ),
            )
        )
    return reports
