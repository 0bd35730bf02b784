"""What one enrolled laptop may push: a rate per minute and caps per day, counted in the database.

Design (issue 11, item 7): per enrolled laptop (one :class:`SyncDevice` row,
i.e. one laptop and one student), at most ``SYNC_PUSHES_PER_MINUTE`` pushes
in a fixed one-minute window, and per UTC day at most
``SYNC_NEW_EVENTS_PER_DAY`` new events and ``SYNC_BYTES_PER_DAY`` bytes of
request bodies (after decompression). A single request is already capped
(500 events, ``MAX_BODY`` bytes), so a push that starts under the daily caps
ends at most one request above them. Only new events count towards the
event cap: a laptop that resends what the server holds (after a lost answer)
uses none of it, and a month-long backlog (a few thousand events) fits in a
day. Over a limit, the push is refused with 429, ``Retry-After`` and a French
message, before anything is read or written; the laptop keeps its events and
tries again later.

The counters live in ``sync_quotas``, so that every app node counts the same
pushes. The check locks the row (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite writes one transaction at a time) and its count is committed at once,
so a push that fails later (a bad body) still counts; bytes and new events
are added by atomic UPDATEs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lycee_ia.sync.models import SyncDevice, SyncQuota

WINDOW = timedelta(minutes=1)


class QuotaExceeded(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)


def _row(session: Session, device: SyncDevice) -> SyncQuota:
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    # Made once, without a race between two nodes: INSERT ... ON CONFLICT DO NOTHING, then lock it.
    session.execute(
        insert(SyncQuota)
        .values(device_pk=device.id, window_pushes=0, day_new_events=0, day_bytes=0)
        .on_conflict_do_nothing(index_elements=["device_pk"])
    )
    return session.scalars(
        select(SyncQuota).where(SyncQuota.device_pk == device.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _until_tomorrow(now: datetime) -> int:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    return int((tomorrow - now).total_seconds()) + 1


def start_push(session: Session, device: SyncDevice, config: dict[str, Any], now: datetime) -> None:
    """Count one push of ``device``; QuotaExceeded when over the rate or a daily cap. Flushes, never commits."""
    quota = _row(session, device)
    if quota.day != now.date():
        quota.day, quota.day_new_events, quota.day_bytes = now.date(), 0, 0
    if quota.day_new_events >= config["SYNC_NEW_EVENTS_PER_DAY"] or quota.day_bytes >= config["SYNC_BYTES_PER_DAY"]:
        raise QuotaExceeded(
            "Cet ordinateur a envoyé aujourd'hui plus de traces que le serveur n'en accepte en un jour : "
            "elles restent sur l'ordinateur et partiront demain.",
            _until_tomorrow(now),
        )
    if quota.window_start is None or now >= quota.window_start + WINDOW or now < quota.window_start:
        quota.window_start, quota.window_pushes = now, 0
    if quota.window_pushes >= config["SYNC_PUSHES_PER_MINUTE"]:
        wait = int((quota.window_start + WINDOW - now).total_seconds()) + 1
        raise QuotaExceeded("Trop d'envois en peu de temps : l'ordinateur réessaiera dans une minute.", wait)
    quota.window_pushes += 1
    session.flush()


def count_bytes(session: Session, device: SyncDevice, size: int) -> None:
    """Add the bytes of a request body (an atomic UPDATE: pushes of one laptop may overlap)."""
    session.execute(
        update(SyncQuota).where(SyncQuota.device_pk == device.id).values(day_bytes=SyncQuota.day_bytes + size)
    )


def count_new_events(session: Session, device: SyncDevice, new: int) -> None:
    """Add the events a push recorded for the first time, in the push's own transaction."""
    if new:
        session.execute(
            update(SyncQuota)
            .where(SyncQuota.device_pk == device.id)
            .values(day_new_events=SyncQuota.day_new_events + new)
        )
