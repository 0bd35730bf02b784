"""The learning record log (DESIGN point 4): append-only, one row per event.

Each event is named by a UUID made where it happened (a laptop or the server),
so that moving events between instances is a set union. The shape follows
xAPI: actor (``user_id``), verb, object (``object_type``/``object_id`` and the
module version), result, context, timestamp.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from lycee_ia.db import Base, utcnow


class LearningEvent(Base):
    __tablename__ = "learning_events"
    __table_args__ = (
        Index("ix_learning_events_user_module", "user_id", "module_id", "occurred_at"),
        Index("ix_learning_events_module_verb", "module_id", "verb"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(200))
    module_id: Mapped[Optional[str]] = mapped_column(String(100))
    module_version: Mapped[Optional[str]] = mapped_column(String(64))
    result: Mapped[Optional[dict[str, Any]]]
    context: Mapped[Optional[dict[str, Any]]]
    # xAPI context.registration: the attempt (or other session of work) the
    # event belongs to, so that an attempt's events are found by an index.
    registration: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid, index=True)
    # When it happened, on this instance's timeline: the device's clock where
    # the event was made; on the server, the laptop's clock corrected by the
    # offset measured at sync (docs/ARCHITECTURE.md, "Clocks").
    occurred_at: Mapped[datetime]
    # The laptop's own reading, kept when the server placed the event elsewhere.
    device_occurred_at: Mapped[Optional[datetime]]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)  # this instance's clock


class InstanceSetting(Base):
    """Values this instance keeps about itself, such as its device id."""

    __tablename__ = "instance_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
