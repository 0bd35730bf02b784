"""Sync: enrolled laptops (server side) and what a laptop keeps about its server.

Server side: one :class:`SyncDevice` per student and laptop, holding the hash
of the device token and the laptop's public key. Laptop side: one
:class:`SyncAccount` per enrolled student, the queue of events the server has
not acknowledged yet (:class:`SyncOutbox`) and the mapping of server rows to local ones
(:class:`SyncMirror`). Each instance only ever fills its own side's tables.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lycee_ia.accounts.models import User
from lycee_ia.db import Base, utcnow


class SyncDevice(Base):
    """Server side: a laptop enrolled for one student; revocable."""

    __tablename__ = "sync_devices"
    __table_args__ = (UniqueConstraint("device_id", "user_id", name="uq_sync_devices_device_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)  # the laptop's own id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the bearer token: a token is 256 random bits, so a fast hash
    # is enough and lets the server find the row by it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, hex: checks the laptop's USB bundles
    label: Mapped[str] = mapped_column(String(100), default="")
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[Optional[datetime]]
    # Server clock minus laptop clock at the last contact, in seconds.
    clock_offset: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[Optional[datetime]]
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SyncQuota(Base):
    """Server side: what one enrolled laptop pushed lately, for the rate limit and the daily caps.

    Kept in the database, not in an app node's memory: every node behind the
    load balancer counts the same pushes (DESIGN point 11).
    """

    __tablename__ = "sync_quotas"

    device_pk: Mapped[int] = mapped_column(ForeignKey("sync_devices.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[Optional[datetime]]  # the current minute of pushes
    window_pushes: Mapped[int] = mapped_column(default=0)
    day: Mapped[Optional[date]]  # UTC day the daily counters are for
    day_new_events: Mapped[int] = mapped_column(default=0)
    day_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncAccount(Base):
    """Laptop side: a student enrolled on this laptop, and the state of their sync."""

    __tablename__ = "sync_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    server_url: Mapped[str] = mapped_column(String(300))
    # The bearer token the server issued. It only lets this laptop push this
    # student's events and read their roster; the server can revoke it.
    token: Mapped[str] = mapped_column(String(100))
    server_key: Mapped[str] = mapped_column(String(64))  # the server's Ed25519 public key, pinned at enrolment
    state_cursor: Mapped[Optional[str]] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sync_at: Mapped[Optional[datetime]]  # last complete sync (laptop clock)
    last_attempt_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(String(300))
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Optional[datetime]]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class SyncOutbox(Base):
    """Laptop side: an event of an enrolled student that the server has not acknowledged.

    Filled in the transaction that records the event; a row leaves only when
    the server said it holds the event. The queue makes the work of a sync
    proportional to what waits, not to the whole log (a no-op sync stays cheap
    on a laptop holding a year of events).
    """

    __tablename__ = "sync_outbox"
    # AUTOINCREMENT on SQLite: a position is given once, even after the queue was empty.
    __table_args__ = (Index("ix_sync_outbox_user_seq", "user_id", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(primary_key=True)  # order of recording, for keyset paging
    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("learning_events.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class SyncMirror(Base):
    """Laptop side: which local row stands for a server row (a class, a group, an assignment)."""

    __tablename__ = "sync_mirror"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    local_id: Mapped[int]
