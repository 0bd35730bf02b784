"""The queue of learning events waiting for the Learning Record Store (server mode)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from lycee_ia.db import Base, utcnow


class XapiOutbox(Base):
    """An event not yet delivered to the LRS as an xAPI statement.

    Filled in the transaction that records the event (a listener of
    ``record_events``), so no event is forgotten; a row leaves only when the
    LRS said it holds the statement, so a restart resumes where it stopped.
    The rows themselves are the cursor: unlike a high-water mark on a time or
    a sequence, it cannot skip an event whose transaction committed late.
    A statement the LRS refuses as invalid stays, marked ``rejected_at``, out
    of the way of the others.
    """

    __tablename__ = "xapi_outbox"

    seq: Mapped[int] = mapped_column(primary_key=True)  # order of queuing
    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("learning_events.id", ondelete="CASCADE"), unique=True
    )
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    rejected_at: Mapped[Optional[datetime]]
    error: Mapped[Optional[str]] = mapped_column(String(300))
