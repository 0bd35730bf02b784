"""The class dashboard: students × assignments, read from the summaries only.

:func:`class_dashboard` costs the same few queries whatever the size of the
class and the number of assignments (the students, their last activity, the
assignments, the group members when a group has work, and the summary rows
of the class's students for the assigned modules); it never reads the event
log.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module
from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.model import Question
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.quiz.services import first_answers
from lycee_ia.quiz.stored import attempt_question_ids, read_answer, readable_score, snapshot_questions
from lycee_ia.routing import MAX_ID, small_int
from lycee_ia.sync.models import SyncDevice
from lycee_ia.teaching.models import Assignment, ClassGroup, Enrolment, GroupMember, SchoolClass
from lycee_ia.teaching.states import DONE_STATES, LABELS, RANKS, SHORT_LABELS, SYMBOLS, due_for, state_from, state_of, with_open_quiz
from lycee_ia.templating import format_date

DEFAULT_INACTIVE_DAYS = 7
# What a student's page reads at most, whatever a laptop pushed.
MAX_ATTEMPTS_SHOWN = 200
MAX_ANSWERS_SHOWN = 10_000
FAILURES_FOR_HELP = 2


class Cell:
    """One student in one assignment: a state, the best quiz score, overdue or not.

    A grid has up to 35 × 12 of these, and there are only some thousand
    different ones: each is made once per process (:func:`cell`), with its
    HTML, so that drawing the grid is a lookup per cell instead of a dozen
    template expressions (the grid was most of the dashboard's time).
    """

    __slots__ = ("state", "best_score", "overdue", "css", "html", "td")

    def __init__(self, state: str, best_score: int | None, overdue: bool) -> None:
        self.state = state  # see states.py; "" when the assignment is not for this student
        self.best_score = best_score  # percent
        self.overdue = overdue
        self.css = f"st st-{state or 'na'}"
        if not state:
            html = Markup("Non concerné")
        else:
            html = Markup('<span aria-hidden="true">{}</span> {}').format(SYMBOLS[state], SHORT_LABELS[state])
            if best_score is not None:
                html += Markup(' <span class="cell-score">{} %</span>').format(best_score)
            if overdue:
                html += Markup(' <strong class="late"><span aria-hidden="true">⚠</span> En retard</strong>')
        self.html = html
        self.td = Markup('<td class="{}">{}</td>').format(self.css, html)

    @property
    def assigned(self) -> bool:
        return bool(self.state)

    @property
    def label(self) -> str:
        return LABELS.get(self.state, "Non concerné")

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


_cells: dict[tuple[str, int | None, bool], Cell] = {}


def cell(state: str, best_score: int | None, overdue: bool) -> Cell:
    """The shared Cell for these values (at most 5 × 102 × 2 + 1 of them)."""
    key = (state, best_score, overdue)
    found = _cells.get(key)
    if found is None:
        found = _cells[key] = Cell(state, best_score, overdue)
    return found


NOT_ASSIGNED = cell("", None, False)


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
    # How urgent the help is, compared largest first: how many kinds of
    # reason, then the most days late, repeated failures, days without activity.
    urgency: tuple[int, int, int, int] = (0, 0, 0, 0)
    # When a laptop of this student last reached the server, if one is enrolled.
    has_laptop: bool = False
    last_sync_at: datetime | None = None

    @property
    def sync_label(self) -> str:
        if self.last_sync_at is not None:
            return format_date(self.last_sync_at)
        return "Jamais synchronisé" if self.has_laptop else "Aucun ordinateur inscrit"

    @property
    def cells_html(self) -> Markup:
        """The row's cells as table cells (see :class:`Cell`); each is already safe HTML."""
        return Markup("".join(cell.td for cell in self.cells))

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
    # Whether a student of the class has a laptop that syncs: the grid then shows when each last did.
    shows_sync: bool = False

    @property
    def needing_help(self) -> list[StudentRow]:
        """The students to help, most urgent first (then in the grid's order)."""
        return sorted((row for row in self.rows if row.help), key=lambda row: row.urgency, reverse=True)


def _percent(score: float | None) -> int | None:
    score = readable_score(score)  # a stored summary may hold anything a laptop once sent
    return None if score is None else round(score * 100)


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


SORT_KEYS = ("nom", "activite")


def parse_sort(value: str | None, columns: list[Column]) -> str:
    """``nom``, ``activite`` or ``d<assignment id>``; anything else sorts by name."""
    if value in SORT_KEYS:
        return value
    if value and value.startswith("d") and (wanted := small_int(value[1:], 0, MAX_ID)) is not None:
        if any(c.assignment.id == wanted for c in columns):
            return value
    return "nom"

# --- the dashboard's queries, built once ------------------------------------------------------

_CLASS_ID = bindparam("class_id")
_ENROLLED = select(Enrolment.user_id).where(Enrolment.class_id == _CLASS_ID).scalar_subquery()
_STUDENTS = (
    select(User.id, User.username, User.first_name, User.last_name, Enrolment.enrolled_at)
    .join(Enrolment, Enrolment.user_id == User.id)
    .where(Enrolment.class_id == _CLASS_ID, User.role == Role.STUDENT)
)
# Each student's last activity in any module. A separate query: joined to the
# one above as a grouped subquery, SQLite plans it slower.
_LAST_ACTIVITY = (
    select(ModuleProgress.user_id, func.max(ModuleProgress.last_activity_at))
    .where(ModuleProgress.user_id.in_(_ENROLLED))
    .group_by(ModuleProgress.user_id)
)
# When each student's laptops last reached the server (sync, issue 7).
_LAST_SYNC = (
    select(SyncDevice.user_id, func.max(SyncDevice.last_seen_at))
    .where(SyncDevice.user_id.in_(_ENROLLED))
    .group_by(SyncDevice.user_id)
)
_ASSIGNMENTS = (
    select(Assignment, ClassGroup.name)
    .outerjoin(ClassGroup, ClassGroup.id == Assignment.group_id)
    .where(Assignment.class_id == _CLASS_ID)
    .order_by(Assignment.opens_at, Assignment.id)
)
_MEMBERS = (
    select(GroupMember.group_id, GroupMember.user_id)
    .join(ClassGroup, ClassGroup.id == GroupMember.group_id)
    .where(ClassGroup.class_id == _CLASS_ID)
)
# Whether a date is set is all the states need: no date is parsed.
_PROGRESS = select(
    ModuleProgress.user_id,
    ModuleProgress.module_id,
    ModuleProgress.completed_at.is_not(None),
    ModuleProgress.quiz_attempts,
    ModuleProgress.quiz_failures,
    ModuleProgress.quiz_passed_at.is_not(None),
    ModuleProgress.quiz_best_score,
).where(
    ModuleProgress.user_id.in_(_ENROLLED),
    ModuleProgress.module_id.in_(select(Assignment.module_id).where(Assignment.class_id == _CLASS_ID).scalar_subquery()),
)

# Quizzes begun and not handed in, for « Quiz commencé »: the same columns as a
# summary row, marked by the last one, read with the summaries in one query
# (the dashboard keeps its fixed number of queries).
_PROGRESS_AND_OPEN_QUIZZES = union_all(
    _PROGRESS.add_columns(literal(False).label("open_quiz")),
    select(
        QuizAttempt.user_id,
        QuizAttempt.module_id,
        literal(False),
        literal(0),
        literal(0),
        literal(False),
        cast(null(), ModuleProgress.__table__.c.quiz_best_score.type),
        literal(True),
    )
    .where(
        QuizAttempt.user_id.in_(_ENROLLED),
        QuizAttempt.status == "open",
        QuizAttempt.module_id.in_(select(Assignment.module_id).where(Assignment.class_id == _CLASS_ID).scalar_subquery()),
    )
    .distinct(),
)


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
    # Plain rows through the Core connection, from statements built once
    # (below): the ORM's bookkeeping and building the SQL cost more than
    # running it.
    connection = session.connection()
    key = {"class_id": school_class.id}
    students = connection.execute(_STUDENTS, key).all()
    last_activity: dict[int, datetime] = dict(connection.execute(_LAST_ACTIVITY, key).all()) if students else {}
    last_sync: dict[int, datetime | None] = dict(connection.execute(_LAST_SYNC, key).all()) if students else {}
    assignments = session.execute(_ASSIGNMENTS, key).all()
    members: dict[int, set[int]] = {}
    if any(a.group_id is not None for a, _ in assignments):
        for group_id, user_id in connection.execute(_MEMBERS, key).all():
            members.setdefault(group_id, set()).add(user_id)
    progress: dict[tuple[int, str], tuple[bool, int, int, bool, int | None]] = {}
    open_quizzes: set[tuple[int, str]] = set()
    if assignments and students:
        for user_id, module_id, completed, attempts, failures, passed, best, open_quiz in connection.execute(
            _PROGRESS_AND_OPEN_QUIZZES, key
        ).all():
            if open_quiz:
                open_quizzes.add((user_id, module_id))
            else:
                progress[(user_id, module_id)] = (bool(completed), attempts, failures, bool(passed), _percent(best))

    columns = [
        Column(assignment=a, module=modules.get(a.module_id), group_name=group_name, is_open=a.opens_at <= now)
        for a, group_name in assignments
    ]
    # What each column needs for every student, worked out once: the loop
    # below runs for every cell of the grid.
    plans = []
    for column in columns:
        a = column.assignment
        plans.append(
            (
                a.module_id,
                members.get(a.group_id, set()) if a.group_id is not None else None,
                column.module.quiz is not None if column.module else True,
                a.due_at,
                column.is_open,
                a.opens_at,
                column.title,
                f"« {column.title} » (à faire pour le {format_date(a.due_at)})" if a.due_at is not None else "",
            )
        )
    targeted = [0] * len(columns)
    done_counts = [0] * len(columns)
    overdue_counts = [0] * len(columns)
    scores: list[list[int]] = [[] for _ in columns]
    inactive_since = now - timedelta(days=inactive_days)
    rows: list[StudentRow] = []
    for student_id, username, first_name, last_name, enrolled_at in students:
        last = last_activity.get(student_id)
        cells = []
        failed: list[str] = []
        late: list[str] = []
        most_days_late = most_failures = 0
        # Since when an open assignment has waited for this student: inactivity
        # counts only once they have had N days to do something.
        waiting_since: datetime | None = None
        for index, (module_id, group, has_quiz, due_at, is_open, opens_at, title, overdue_text) in enumerate(plans):
            if group is not None and student_id not in group:
                cells.append(NOT_ASSIGNED)
                continue
            targeted[index] += 1
            summary = progress.get((student_id, module_id))
            if summary is None:
                state, best, failures = "not_started", None, 0
            else:
                completed, attempts, failures, passed, best = summary
                state = state_from(completed, attempts, passed, has_quiz)
                if best is not None:
                    scores[index].append(best)
            if open_quizzes and (student_id, module_id) in open_quizzes:
                state = with_open_quiz(state, True)
            if state in DONE_STATES:
                done_counts[index] += 1
                cells.append(cell(state, best, False))
                continue
            due = due_for(opens_at, due_at, enrolled_at)
            past_due = due is not None and due < now
            cells.append(cell(state, best, past_due))
            if past_due:
                overdue_counts[index] += 1
            if not is_open:
                continue
            # Waiting for this student since the later of the opening and their arrival.
            since = opens_at if enrolled_at is None or enrolled_at <= opens_at else enrolled_at
            if waiting_since is None or since < waiting_since:
                waiting_since = since
            if failures >= FAILURES_FOR_HELP:
                most_failures = max(most_failures, failures)
                failed.append(
                    f"« {title} » ({failures} échecs" + (f", meilleur score : {best} %)" if best is not None else ")")
                )
            if past_due:
                most_days_late = max(most_days_late, (now - due).days + 1)
                late.append(overdue_text)
        # One reason of each kind per student, naming every module concerned.
        reasons: list[HelpReason] = []
        if failed:
            reasons.append(HelpReason("failed", "Échecs répétés au quiz : " + ", ".join(failed)))
        if late:
            reasons.append(HelpReason("overdue", "En retard : " + ", ".join(late)))
        idle_days = 0
        if waiting_since is not None and waiting_since <= inactive_since and (last is None or last < inactive_since):
            idle_days = (now - (last or waiting_since)).days
            if last is None:
                reasons.append(HelpReason("inactive", "Aucune activité enregistrée"))
            else:
                reasons.append(HelpReason("inactive", f"Aucune activité depuis {(now - last).days} jours"))
        rows.append(
            StudentRow(
                id=student_id,
                username=username,
                first_name=first_name,
                last_name=last_name,
                cells=cells,
                last_activity_at=last,
                help=reasons,
                urgency=(len(reasons), most_days_late, most_failures, idle_days),
                has_laptop=student_id in last_sync,
                last_sync_at=last_sync.get(student_id),
            )
        )
    for index, column in enumerate(columns):
        column.targeted = targeted[index]
        column.done = done_counts[index]
        column.overdue = overdue_counts[index]
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
        shows_sync=bool(last_sync),
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
    unreadable: bool = False  # a stored row that does not fit its question: shown as « réponse illisible »


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
    # Bounded reads, whatever a laptop pushed: the latest attempts, one answer per attempt and question.
    attempts = list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == student.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id)
            .limit(MAX_ATTEMPTS_SHOWN)
        )
    )[::-1]
    shown_attempts = (
        select(QuizAttempt.id)
        .where(QuizAttempt.user_id == student.id)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id)
        .limit(MAX_ATTEMPTS_SHOWN)
        .scalar_subquery()
    )
    ranked = first_answers(LearningEvent.user_id == student.id, LearningEvent.registration.in_(shown_attempts))
    events = session.execute(
        select(ranked.c.registration, ranked.c.object_id, ranked.c.module_version, ranked.c.result)
        .where(ranked.c.rank == 1)
        .limit(MAX_ANSWERS_SHOWN)
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
            older[(snapshot.module_id, snapshot.version)] = snapshot_questions(snapshot.snapshot)
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
        order = {qid: n for n, qid in enumerate(attempt_question_ids(attempt), start=1)}
        lines = []
        for event in by_attempt.get(attempt.id, []):
            question_id = (event.object_id or "").split("/", 1)[-1]
            question = questions.get(question_id)
            stored = read_answer(event.result, question)
            lines.append(
                AnswerLine(
                    number=order.get(question_id, 0),
                    question=question,
                    question_id=question_id,
                    response=stored.response if stored else None,
                    score=stored.score if stored else 0.0,
                    success=stored.success if stored else False,
                    duration=stored.duration if stored else None,
                    unreadable=stored is None,
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
        state = with_open_quiz(
            state_of(row, module.quiz is not None if module else True),
            any(report.attempt.status == "open" for report in attempts_by_module.get(module_id, [])),
        )
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

