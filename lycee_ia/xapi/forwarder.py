"""The forwarder: queued events go to the Learning Record Store as batches of statements.

Server mode only (laptops' events reach the LRS through the server). New
events are queued in ``xapi_outbox`` by a listener of ``record_events``, in
the transaction that records them. A round takes the oldest queued rows,
POSTs their statements to ``<LRS>/xAPI/statements`` and deletes the rows only
once the LRS answered that it holds them, all in one transaction:

- the LRS down, slow or answering an error: nothing is deleted, the same rows
  are sent again after a backoff; statements keep their ids (the events'), so
  a batch the LRS stored before its answer was lost is stored once;
- several app nodes or workers: on PostgreSQL a transaction-scoped advisory
  lock lets one of them send at a time, the others skip their round; on
  SQLite (one process) a lock of this process does the same;
- a statement refused as invalid (400, 422) is isolated by sending the batch one
  by one, then kept aside (``rejected_at``) so that it does not block the rest;
  ``lycee-ia xapi forward --retry-rejected`` queues it again.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import RecordedEvent, on_events_recorded
from lycee_ia.xapi.models import XapiOutbox
from lycee_ia.xapi.statements import XAPI_VERSION, statements_for

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "xapi" in ASCII, fixed for every node.
ADVISORY_KEY = 0x78617069
BACKOFF_START = 2.0
BACKOFF_MAX = 300.0
_process_lock = threading.Lock()


class LrsError(Exception):
    """The LRS could not be reached or did not accept a batch (French message)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# --- the queue ------------------------------------------------------------------------


@on_events_recorded
def queue_new_events(session: Session, events: list[RecordedEvent]) -> None:
    """Listener of ``record_events``: queue the new events when this instance forwards to an LRS."""
    if not (has_app_context() and current_app.config.get("XAPI_QUEUE")):
        return
    _queue(session, [event.id for event in events])


def _queue(session: Session, event_ids: list) -> int:
    if not event_ids:
        return 0
    dialect = session.get_bind().dialect.name
    insert_ = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    now = utcnow()
    statement = (
        insert_(XapiOutbox).on_conflict_do_nothing(index_elements=["event_id"]).returning(XapiOutbox.event_id)
    )
    count = 0
    for start in range(0, len(event_ids), 1000):
        chunk = [{"event_id": event_id, "queued_at": now} for event_id in event_ids[start : start + 1000]]
        count += len(session.execute(statement, chunk).scalars().all())
    return count


def queue_events(session: Session, start: datetime | None = None, end: datetime | None = None) -> int:
    """Queue the events recorded so far (between ``start`` and ``end`` if given); return how many were new."""
    query = select(LearningEvent.id).where(~LearningEvent.id.in_(select(XapiOutbox.event_id)))
    if start is not None:
        query = query.where(LearningEvent.occurred_at >= start)
    if end is not None:
        query = query.where(LearningEvent.occurred_at < end)
    query = query.order_by(LearningEvent.recorded_at, LearningEvent.id)
    return _queue(session, list(session.scalars(query)))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(XapiOutbox).where(XapiOutbox.rejected_at.is_(None))) or 0


def retry_rejected(session: Session) -> int:
    result = session.execute(
        update(XapiOutbox).where(XapiOutbox.rejected_at.is_not(None)).values(rejected_at=None, error=None)
    )
    return result.rowcount or 0


# --- the LRS ------------------------------------------------------------------------------


def statements_url(lrs_url: str) -> str:
    url = lrs_url.rstrip("/")
    if url.endswith("/xAPI/statements"):
        return url
    if url.endswith("/xAPI"):
        return url + "/statements"
    return url + "/xAPI/statements"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None  # credentials never follow a redirection elsewhere


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class LrsClient:
    url: str
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "LrsClient":
        return cls(
            statements_url(config["LRS_URL"]),
            config.get("LRS_USERNAME"),
            config.get("LRS_PASSWORD"),
            float(config.get("LRS_TIMEOUT") or 30),
        )

    def post(self, statements: list[dict[str, Any]]) -> int:
        """POST the statements; return the HTTP status (200/204), raise LrsError otherwise."""
        body = json.dumps(statements, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("X-Experience-API-Version", XAPI_VERSION)
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode("utf-8")).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            detail = error.read(300).decode("utf-8", "replace")
            raise LrsError(f"l'entrepôt xAPI a répondu {error.code} : {detail}", error.code) from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LrsError(f"l'entrepôt xAPI ne répond pas ({reason}).") from None


# --- one round ------------------------------------------------------------------------------


def _acquire(session: Session) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY}).scalar())
    return True


def _send(client: LrsClient, statements: list[dict[str, Any]]) -> dict[str, str]:
    """Deliver ``statements``; return {statement id: error} for those the LRS refused as invalid.

    A 409 (a statement with that id is there) counts as delivered. A 400 or
    422 (invalid) or 409 on a batch is sorted out one statement at a time. Any
    other error raises LrsError: nothing of the batch counts as delivered.
    """
    try:
        client.post(statements)
        return {}
    except LrsError as error:
        if error.status not in (400, 409, 422):
            raise
        if len(statements) > 1:
            refused: dict[str, str] = {}
            for statement in statements:
                refused.update(_send(client, [statement]))
            return refused
        if error.status == 409:
            log.warning("xAPI statement %s already in the LRS (409): counted as delivered", statements[0]["id"])
            return {}
        return {statements[0]["id"]: str(error)[:300]}


@dataclass
class RoundReport:
    sent: int = 0
    rejected: int = 0
    busy: bool = False  # another node held the lock


def forward_round(session: Session, config: Mapping[str, Any], client: LrsClient | None = None) -> RoundReport:
    """Send one batch of queued statements; commit. Raises LrsError (nothing delivered) on trouble."""
    client = client or LrsClient.from_config(config)
    batch_size = int(config.get("XAPI_BATCH_SIZE") or 200)
    with _process_lock:
        try:
            if not _acquire(session):
                session.rollback()
                return RoundReport(busy=True)
            rows = session.execute(
                select(XapiOutbox.seq, XapiOutbox.event_id)
                .where(XapiOutbox.rejected_at.is_(None))
                .order_by(XapiOutbox.seq)
                .limit(batch_size)
            ).all()
            if not rows:
                session.rollback()
                return RoundReport()
            events = {
                event.id: event
                for event in session.scalars(select(LearningEvent).where(LearningEvent.id.in_([r.event_id for r in rows])))
            }
            ordered = [events[r.event_id] for r in rows if r.event_id in events]
            statements = statements_for(session, config, ordered)
            refused = _send(client, statements) if statements else {}
            delivered = [r.seq for r in rows if str(r.event_id) not in refused]
            if delivered:
                session.execute(delete(XapiOutbox).where(XapiOutbox.seq.in_(delivered)))
            if refused:
                now = utcnow()
                for r in rows:
                    if str(r.event_id) in refused:
                        session.execute(
                            update(XapiOutbox)
                            .where(XapiOutbox.seq == r.seq)
                            .values(rejected_at=now, error=refused[str(r.event_id)])
                        )
                log.error("xAPI: the LRS refused %d statement(s) as invalid", len(refused))
            session.commit()
            return RoundReport(sent=len(delivered), rejected=len(refused))
        except BaseException:
            session.rollback()
            raise


def forward_all(session: Session, config: Mapping[str, Any], client: LrsClient | None = None) -> RoundReport:
    """Rounds until the queue is empty (or another node holds the lock); raises LrsError."""
    total = RoundReport()
    while True:
        report = forward_round(session, config, client)
        total.sent += report.sent
        total.rejected += report.rejected
        if report.busy:
            total.busy = True
            return total
        if report.sent + report.rejected == 0:
            return total


# --- the background thread -----------------------------------------------------------------


def backoff_delay(failures: int) -> float:
    base = min(BACKOFF_MAX, BACKOFF_START * 2 ** max(0, failures - 1))
    return base * random.uniform(0.8, 1.2)


class Forwarder:
    """A daemon thread forwarding rounds while there is work, pausing when idle, backing off on errors."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.failures = 0
        self.thread = threading.Thread(target=self._loop, name="lycee-ia-xapi", daemon=True)

    def start(self) -> "Forwarder":
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        config = self.app.config
        client = LrsClient.from_config(config)
        while not self.stop_event.is_set():
            delay = float(config.get("XAPI_INTERVAL") or 10)
            session = self.app.extensions["lycee_ia.db"]["sessionmaker"]()
            try:
                with self.app.app_context():
                    report = forward_round(session, config, client)
                self.failures = 0
                if report.sent or report.rejected:
                    delay = 0
            except LrsError as error:
                self.failures += 1
                delay = backoff_delay(self.failures)
                log.warning("xAPI forwarding failed (%s); next try in %.0f s", error, delay)
            except Exception:  # keep the thread alive; the next round retries
                self.failures += 1
                delay = backoff_delay(self.failures)
                log.exception("xAPI forwarding failed")
            finally:
                session.close()
            if delay:
                self.stop_event.wait(delay)


def start_forwarder(app: Flask) -> Forwarder | None:
    """Start the background forwarder when this server has an LRS (``lycee-ia serve``, gunicorn workers)."""
    if not app.config.get("LRS_URL") or "server" not in (app.config.get("SYNC_ROLES") or ()):
        return None
    forwarder = Forwarder(app).start()
    app.extensions["lycee_ia.xapi.forwarder"] = forwarder
    return forwarder
