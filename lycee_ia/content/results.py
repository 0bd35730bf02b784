"""What a learner has done, module by module: their results page and a student's home page.

Built from the summary rows (``ModuleProgress``) and the open assignments
(``teaching.services.assignments_for_student``); the states are those of
``teaching.states``. A fixed number of queries, whatever the number of modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lycee_ia.accounts.models import User
from lycee_ia.content.catalogue import in_curriculum_order, next_in_curriculum
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module, Section
from lycee_ia.content.services import ProgressView, audiences_for, progress_rows, progress_view, resume_section
from lycee_ia.teaching.services import StudentAssignment, assignments_for_student
from lycee_ia.teaching.states import DONE_STATES, state_of


@dataclass(frozen=True)
class ModuleResult:
    """One module as its learner sees it on « Mes résultats »."""

    module: Module
    state: str  # one of teaching.states.STATES
    progress: ProgressView
    best_percent: int | None  # best quiz score, in percent; None without a finished attempt
    attempts: int
    mastered_at: datetime | None
    last_activity_at: datetime | None

    @property
    def started(self) -> bool:
        return self.state != "not_started"


def _mastered_at(state: str, row: ModuleProgress | None) -> datetime | None:
    if row is None or state != "mastered":
        return None
    moments = [m for m in (row.completed_at, row.quiz_passed_at) if m is not None]
    return max(moments) if moments else None


def result_of(module: Module, row: ModuleProgress | None) -> ModuleResult:
    state = state_of(row, module.quiz is not None)
    best = row.quiz_best_score if row is not None else None
    return ModuleResult(
        module=module,
        state=state,
        progress=progress_view(module, row),
        best_percent=round(best * 100) if best is not None else None,
        attempts=row.quiz_attempts if row is not None else 0,
        mastered_at=_mastered_at(state, row),
        last_activity_at=row.last_activity_at if row is not None else None,
    )


def module_results(session: Session, user: User, modules: dict[str, Module]) -> list[ModuleResult]:
    """Every module ``user`` may read, in the curriculum's order, with their result (one query)."""
    readable = in_curriculum_order(m for m in modules.values() if m.audience in audiences_for(user))
    rows = progress_rows(session, user, readable)
    return [result_of(m, rows.get(m.id)) for m in readable]


@dataclass(frozen=True)
class HomeTask:
    """An assignment still to do, with where to go next."""

    assignment: StudentAssignment
    module: Module
    section: Section
    started: bool


@dataclass(frozen=True)
class StudentHome:
    todo: list[HomeTask]
    resume: ModuleResult | None  # the module in progress, most recently opened
    resume_section: Section | None
    mastered: list[ModuleResult]  # the most recently mastered first
    next_module: Module | None  # after the last module mastered, in the curriculum's order


def student_home(session: Session, user: User, modules: dict[str, Module]) -> StudentHome:
    """What a student's home page shows: assigned work first, then where to resume, then what is mastered."""
    results = module_results(session, user, modules)
    by_id = {r.module.id: r for r in results}
    assigned = assignments_for_student(session, user, modules)
    todo = []
    for assignment in assigned:
        result = by_id.get(assignment.module_id)
        if result is None or assignment.state in DONE_STATES:
            continue
        todo.append(HomeTask(assignment, result.module, resume_section(result.module, result.progress), result.started))
    in_progress = [r for r in results if r.state in ("reading", "quiz_failed", "quiz_passed")]
    resume = max(in_progress, key=lambda r: r.last_activity_at, default=None)
    mastered = sorted((r for r in results if r.state == "mastered"), key=lambda r: r.mastered_at or datetime.min, reverse=True)
    next_module = None
    if mastered:
        readable = [r.module for r in results]
        candidate = next_in_curriculum(readable, mastered[0].module)
        while candidate is not None and by_id[candidate.id].state == "mastered":
            candidate = next_in_curriculum(readable, candidate)
        next_module = candidate
    return StudentHome(
        todo=todo,
        resume=resume,
        resume_section=resume_section(resume.module, resume.progress) if resume else None,
        mastered=mastered,
        next_module=next_module,
    )
