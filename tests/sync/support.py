"""Helpers of the sync tests: laptops, events, and looking at both sides."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from lycee_ia.accounts.models import User
from lycee_ia.db import db, utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, record_events
from lycee_ia.sync.models import SyncOutbox

ROOT = Path(__file__).resolve().parents[2]
QUIZ_FIXTURES = ROOT / "tests" / "quiz" / "fixtures" / "quiz-exemple"
LYCEE_IA = [sys.executable, "-m", "lycee_ia"]


@dataclass
class LaptopHandle:
    app: object
    folder: Path
    courses: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of this laptop as a process of its own (``lycee-ia ...``)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_") and k != "DATABASE_URL"}
        env.update({"LYCEE_IA_DATA_DIR": str(self.folder), "LYCEE_IA_COURSES_DIR": str(self.courses), **extra})
        return env

    def cli(self, *args: str, faketime: str | None = None, check: bool = True, **extra: str) -> subprocess.CompletedProcess:
        """Run ``lycee-ia ARGS`` as this laptop, in a process (under faketime if asked)."""
        command = [*LYCEE_IA, *args]
        if faketime:
            command = ["faketime", "-f", faketime, *command]
        result = subprocess.run(command, env=self.env(**extra), cwd=ROOT, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"lycee-ia {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def user(self, username: str) -> User:
        with self.app.app_context():
            return db.session.scalar(select(User).where(User.username == username))

    def make_events(self, username: str, count: int, *, start: datetime | None = None, module: str = "quiz-exemple") -> list[uuid.UUID]:
        """Record ``count`` reading events for ``username`` on this laptop; return their ids."""
        start = start or utcnow()
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            events = [
                NewEvent(
                    user_id=user.id,
                    verb="experienced",
                    object_type="section",
                    object_id=f"{module}/s{i % 3}",
                    module_id=module,
                    module_version="1",
                    occurred_at=start + timedelta(seconds=i),
                )
                for i in range(count)
            ]
            record_events(db.session, events)
            db.session.commit()
            return [event.id for event in events]

    def event_ids(self, username: str | None = None) -> set[uuid.UUID]:
        with self.app.app_context():
            query = select(LearningEvent.id)
            if username:
                query = query.join(User, User.id == LearningEvent.user_id).where(User.username == username)
            return set(db.session.scalars(query))

    def acked(self) -> set[uuid.UUID]:
        """Events the laptop took off its queue: those the server acknowledged."""
        with self.app.app_context():
            queued = set(db.session.scalars(select(SyncOutbox.event_id)))
            return set(db.session.scalars(select(LearningEvent.id))) - queued


def server_event_ids(session, username: str | None = None) -> set[uuid.UUID]:
    query = select(LearningEvent.id)
    if username:
        query = query.join(User, User.id == LearningEvent.user_id).where(User.username == username)
    session.expire_all()
    ids = set(session.scalars(query))
    session.rollback()  # on SQLite, an open transaction would block the server's requests
    return ids
