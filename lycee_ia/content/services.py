"""Reading a module: recording what was seen, and each person's progress.

Views call these with the session and the reader; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.models import ModuleProgress
from lycee_ia.content.module import Module, Section
from lycee_ia.db import utcnow
from lycee_ia.events.services import NewEvent, RecordedEvent, on_event, record_events, summary_row

# Reloading the section one just read is not a new reading.
REREAD_WINDOW = timedelta(minutes=10)


def audiences_for(user: User) -> set[str]:
    """Which modules a person may open: students never see staff-only modules."""
    if user.role == Role.STUDENT:
        return {"eleve"}
    if user.role in (Role.STAFF, Role.TRAINER):
        return {"personnel", "eleve"}
    return {"eleve", "personnel"}


def can_read(user: User, module: Module) -> bool:
    return module.audience in audiences_for(user)


@dataclass(frozen=True)
class ProgressView:
    """A person's progress in one module, against its current sections."""

    state: str  # "not_started", "in_progress", "completed"
    percent: int
    seen: frozenset[str]
    last_section_id: str | None
    last_activity_at: datetime | None

    @property
    def label(self) -> str:
        return {"not_started": "Pas commencé", "in_progress": f"En cours ({self.percent} %)", "completed": "Terminé"}[self.state]


NOT_STARTED = ProgressView("not_started", 0, frozenset(), None, None)


def progress_view(module: Module, row: ModuleProgress | None) -> ProgressView:
    if row is None:
        return NOT_STARTED
    current = {s.id for s in module.sections}
    seen = frozenset(row.seen()) & current
    percent = round(100 * len(seen) / len(current)) if current else 0
    state = "completed" if row.completed_at is not None else "in_progress"
    return ProgressView(state, 100 if state == "completed" else percent, seen, row.last_section_id, row.last_activity_at)


def progress_rows(session: Session, user: User, modules: list[Module]) -> dict[str, ModuleProgress]:
    """The summary rows of ``user`` for ``modules`` (those that exist), in one query."""
    return {
        row.module_id: row
        for row in session.scalars(
            select(ModuleProgress).where(
                ModuleProgress.user_id == user.id, ModuleProgress.module_id.in_([m.id for m in modules])
            )
        )
    }


def progress_by_module(session: Session, user: User, modules: list[Module]) -> dict[str, ProgressView]:
    """Progress of ``user`` in each of ``modules``, in one query."""
    rows = progress_rows(session, user, modules)
    return {m.id: progress_view(m, rows.get(m.id)) for m in modules}


def resume_section(module: Module, progress: ProgressView) -> Section:
    """Where "Reprendre" leads: the first unseen section after the last one read."""
    if progress.last_section_id:
        ids = [s.id for s in module.sections]
        if progress.last_section_id in ids:
            start = ids.index(progress.last_section_id)
            for section in module.sections[start + 1 :] + module.sections[: start + 1]:
                if section.id not in progress.seen:
                    return section
            return module.sections[start]
    return module.sections[0]


def record_section_view(
    session: Session, user: User, module: Module, section: Section, now: datetime | None = None
) -> ProgressView:
    """Record that ``user`` read ``section``; also ``completed`` once every section is read.

    A reload of the section just read within a few minutes records nothing.
    Returns the reader's progress, this reading included.
    """
    now = now or utcnow()
    row = session.get(ModuleProgress, (user.id, module.id))
    if (
        row is not None
        and row.last_section_id == section.id
        and row.last_activity_at > now - REREAD_WINDOW
        and section.id in row.seen()
    ):
        return progress_view(module, row)
    events = [
        NewEvent(
            user_id=user.id,
            verb="experienced",
            object_type="section",
            object_id=f"{module.id}/{section.id}",
            module_id=module.id,
            module_version=module.version,
            occurred_at=now,
        )
    ]
    seen = set(row.seen()) if row is not None else set()
    seen.add(section.id)
    already_completed = row is not None and row.completed_at is not None
    if not already_completed and {s.id for s in module.sections} <= seen:
        events.append(
            NewEvent(
                user_id=user.id,
                verb="completed",
                object_type="module",
                object_id=module.id,
                module_id=module.id,
                module_version=module.version,
                result={"completion": True},
                occurred_at=now,
            )
        )
    record_events(session, events)
    return progress_view(module, session.get(ModuleProgress, (user.id, module.id)))


def progress_row(session: Session, event: RecordedEvent) -> ModuleProgress:
    """The summary row of the event's student and module, made at the event's time if new."""
    return summary_row(
        session,
        ModuleProgress,
        (event.user_id, event.module_id),
        lambda: ModuleProgress(
            user_id=event.user_id,
            module_id=event.module_id,
            sections_seen={"ids": []},
            first_activity_at=event.occurred_at,
            last_activity_at=event.occurred_at,
        ),
    )


@on_event("experienced")
def _on_section_experienced(session: Session, event: RecordedEvent) -> None:
    if event.object_type != "section" or not event.module_id:
        return
    row = progress_row(session, event)
    section_id = event.object_id.split("/", 1)[-1]
    seen = row.seen()
    if section_id not in seen:
        # A new dict, so that SQLAlchemy sees the change to the JSON column.
        row.sections_seen = {"ids": [*seen, section_id]}
    # Events from a laptop can arrive late and out of order: keep the newest.
    if event.occurred_at >= row.last_activity_at:
        row.last_activity_at = event.occurred_at
        row.last_section_id = section_id
        row.module_version = event.module_version
    row.first_activity_at = min(row.first_activity_at, event.occurred_at)


@on_event("completed")
def _on_module_completed(session: Session, event: RecordedEvent) -> None:
    if event.object_type != "module" or not event.module_id:
        return
    row = progress_row(session, event)
    if row.completed_at is None or event.occurred_at < row.completed_at:
        row.completed_at = event.occurred_at
    row.last_activity_at = max(row.last_activity_at, event.occurred_at)
