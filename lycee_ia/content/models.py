"""Reading progress: a summary of the event log, one row per person and module."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lycee_ia.db import Base


class ModuleProgress(Base):
    """Derived from ``experienced`` and ``completed`` events, updated in their transaction."""

    __tablename__ = "module_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Section ids seen at least once, in the order first seen.
    sections_seen: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_section_id: Mapped[Optional[str]] = mapped_column(String(80))
    first_activity_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    completed_at: Mapped[Optional[datetime]]
    module_version: Mapped[Optional[str]] = mapped_column(String(64))

    def seen(self) -> list[str]:
        return list(self.sections_seen.get("ids", []))
