"""Quiz summaries and content snapshots, derived from the event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from lycee_ia.db import Base, utcnow


class ModuleVersion(Base):
    """The questions of one version of a module, keys included, as they were.

    An attempt is graded on the version it started on, and item analysis shows
    the stems and feedback of the versions students answered, even after the
    module changed.
    """

    __tablename__ = "module_versions"

    module_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    # {"quiz": {"settings": {...}, "questions": [...]}, "activities": [...], "sections": [[id, title], ...]}
    snapshot: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(Base):
    """One attempt at a module's quiz, summarised from its events.

    Its id is the ``registration`` of every event of the attempt. Events may
    arrive in any order (a laptop syncing late), so every field can be filled
    by whichever event comes first.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_module", "user_id", "module_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(100))
    module_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[Optional[datetime]]
    # "open", "passed" or "failed"
    status: Mapped[str] = mapped_column(String(10), default="open")
    question_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [...]} in the order asked
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # question id -> {"score": s, "correct": b}
    score: Mapped[Optional[float]]

    @property
    def ids(self) -> list[str]:
        return list(self.question_ids.get("ids", []))

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def next_question_id(self) -> str | None:
        return next((qid for qid in self.ids if qid not in self.answers), None)
