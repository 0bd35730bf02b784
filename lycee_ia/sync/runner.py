"""Running a laptop's sync: the edge where HTTP exchanges and commits happen.

Like a view, the runner calls the services of laptop.py and commits; unlike a
view, it must never hold the SQLite write lock while it waits for the
network, so every step opens a short transaction, commits, and only then
talks to the server. The order makes any interruption harmless:

1. read a batch of queued events (and close the transaction);
2. send it; the server commits, then answers with the ids it holds;
3. take exactly those ids off the queue, commit.

Two requests may be in flight (the next batch is packed and sent while the
server records the previous one); each answer acknowledges only its own batch.

A cut between 2 and 3 leaves the events pending: they are sent again and the
server, which already holds them, answers "held" once more. Then the state
(roster, classes, module versions) is pulled and new module versions installed.

Background sync is a daemon thread started by ``lycee-ia serve`` on a laptop
(never by the app factory): every account is tried every SYNC_INTERVAL
seconds after a success, with exponential backoff (30 s doubling to one hour,
with jitter) after a failure.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from lycee_ia.content.catalogue import get_catalogue, mark_installed, reload_catalogue, synced_modules_dir
from lycee_ia.db import utcnow
from lycee_ia.events.services import get_device_id
from lycee_ia.quiz.services import ensure_module_version
from lycee_ia.sync import laptop, signing
from lycee_ia.sync.client import ServerRefused, ServerUnreachable, SyncClient
from lycee_ia.sync.models import SyncAccount
from lycee_ia.sync.wire import format_time

log = logging.getLogger(__name__)

BACKOFF_START = 30
PIPELINE = 2  # push requests in flight at once
BACKOFF_MAX = 3600
Progress = Callable[[int, int], None]

_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(user_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(user_id, threading.Lock())


class SyncBusy(Exception):
    """A sync of this account is already running in this process."""


@dataclass
class SyncReport:
    user_id: int
    pushed: int = 0
    acknowledged: int = 0
    refused: int = 0
    pending: int = 0
    state_changed: bool = False
    installed: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    error: str | None = None
    revoked: bool = False  # the server said this laptop's enrolment is withdrawn

    @property
    def ok(self) -> bool:
        return self.error is None


def device_key(app: Flask) -> signing.Ed25519PrivateKey:
    return signing.signing_key(app.config["SECRET_KEY"])


def _session(app: Flask) -> Session:
    return app.extensions["lycee_ia.db"]["sessionmaker"]()


def backoff_delay(failures: int) -> float:
    """Seconds before the next try after ``failures`` failures in a row (with jitter)."""
    base = min(BACKOFF_MAX, BACKOFF_START * 2 ** max(0, failures - 1))
    return base * random.uniform(0.8, 1.2)


def sync_account(app: Flask, user_id: int, progress: Progress | None = None, *, wait: bool = True) -> SyncReport:
    """Push, acknowledge, pull and install for one enrolled student. Never raises for network trouble."""
    lock = _lock_for(user_id)
    if not lock.acquire(blocking=wait):
        raise SyncBusy()
    try:
        return _sync_account(app, user_id, progress)
    finally:
        lock.release()


def _sync_account(app: Flask, user_id: int, progress: Progress | None) -> SyncReport:
    report = SyncReport(user_id=user_id)
    batch_size = min(500, int(app.config.get("SYNC_BATCH_SIZE", 500)))
    with _session(app) as session:
        account = session.get(SyncAccount, user_id)
        if account is None:
            report.error = "Ce compte n'est relié à aucun serveur."
            return report
        client = SyncClient(account.server_url, account.token, timeout=app.config.get("SYNC_TIMEOUT", 20))
        user = account.user
        cursor = account.state_cursor
        server_key = account.server_key
        total = laptop.pending_count(session, [user_id])
        session.commit()
    try:
        done = 0
        if progress:
            progress(0, total)
        for batch, answer in _push_pipeline(app, client, user, batch_size):
            with _session(app) as session:
                acknowledged = laptop.acknowledge(session, answer.get("held") or [], batch)
                session.commit()
            report.pushed += len(batch)
            report.acknowledged += acknowledged
            report.refused += len(answer.get("refused") or [])
            done += len(batch)
            if progress:
                progress(min(done, total), total)
        state = client.state(cursor, sent_at=format_time(utcnow()), key=device_key(app))
        if state.get("changed"):
            with _session(app) as session:
                account = session.get(SyncAccount, user_id)
                laptop.apply_state(session, account, state)
                session.commit()
            report.state_changed = True
            report.installed = update_modules(app, client, server_key, state.get("modules") or [])
    except ServerRefused as error:
        report.error = error.message
        if error.code in ("revoked", "bad_token"):
            report.revoked = True
            _mark(app, user_id, report, revoked=True)
            return report
    except ServerUnreachable as error:
        report.error = str(error)
    except laptop.LaptopSyncError as error:
        report.error = str(error)
    report.bytes_sent = client.bytes_sent
    _mark(app, user_id, report)
    return report


def _push_pipeline(app: Flask, client: SyncClient, user, batch_size: int):
    """Yield (batch, answer) for every queued batch, in queue order.

    Up to PIPELINE requests are in flight, so the laptop reads and packs the
    next batch while the server records the previous one. Each batch is read
    in its own short transaction (the lock is never held across the network).
    An error stops the pipeline: answers not yet taken are dropped, and their
    events stay queued, to be sent again.
    """
    after = None
    exhausted = False
    inflight: deque = deque()
    with ThreadPoolExecutor(max_workers=PIPELINE, thread_name_prefix="lycee-ia-push") as pool:
        try:
            while True:
                while not exhausted and len(inflight) < PIPELINE:
                    with _session(app) as session:
                        batch = laptop.pending_events(session, user, batch_size, after)
                        session.commit()
                    if not batch:
                        exhausted = True
                        break
                    after = batch[-1].seq
                    exhausted = len(batch) < batch_size
                    payload = [pending.wire for pending in batch]
                    inflight.append((batch, pool.submit(client.push, payload, format_time(utcnow()))))
                if not inflight:
                    return
                batch, future = inflight.popleft()
                yield batch, future.result()
        finally:
            for _, future in inflight:
                future.cancel()


def _mark(app: Flask, user_id: int, report: SyncReport, revoked: bool = False) -> None:
    now = utcnow()
    with _session(app) as session:
        account = session.get(SyncAccount, user_id)
        if account is None:
            return
        account.last_attempt_at = now
        if report.ok:
            account.last_sync_at = now
            account.failures = 0
            account.last_error = None
            account.next_attempt_at = now + timedelta(seconds=app.config.get("SYNC_INTERVAL", 300))
        else:
            account.failures += 1
            account.last_error = (report.error or "")[:300]
            account.next_attempt_at = now + timedelta(seconds=backoff_delay(account.failures))
        if revoked:
            account.revoked = True
        report.pending = laptop.pending_count(session, [user_id])
        session.commit()


def update_modules(app: Flask, client: SyncClient, server_key: str, published: list) -> list[str]:
    """Download and install every published module version this laptop does not have."""
    root = synced_modules_dir(app)
    if root is None:
        return []
    with app.app_context():
        catalogue = get_catalogue(app)
        wanted = [
            entry for entry in published
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("version"), str)
            and (entry["id"] not in catalogue.modules or catalogue.modules[entry["id"]].content_hash != entry.get("content_hash"))
        ]
        archives = [(entry, client.module_archive(entry["id"], entry["version"])) for entry in wanted]
        return install_archives(app, [(entry, data) for entry, data in archives], server_key)


def install_archives(app: Flask, archives: list[tuple[dict | None, bytes]], server_key: str) -> list[str]:
    """Check and install module archives; keep a snapshot of each replaced version first."""
    root = synced_modules_dir(app)
    if root is None or not archives:
        return []
    installed = []
    catalogue = get_catalogue(app)
    for expected, data in archives:
        checked = laptop.check_module_archive(data, server_key, expected)
        current = catalogue.modules.get(checked.module_id)
        if current is not None and current.content_hash == checked.content_hash:
            continue
        if current is not None:
            # Attempts started on the old version are graded and shown with it.
            with _session(app) as session:
                ensure_module_version(session, current)
                session.commit()
        laptop.install_module(checked, root)
        installed.append(checked.module_id)
    if installed:
        mark_installed(root)
        reload_catalogue(app)
    return installed


def sync_all(app: Flask, progress: Progress | None = None) -> list[SyncReport]:
    with _session(app) as session:
        user_ids = [a.user_id for a in laptop.enrolled_accounts(session) if not a.revoked]
    return [sync_account(app, user_id, progress) for user_id in user_ids]


def run_due(app: Flask, now: datetime | None = None) -> list[SyncReport]:
    """Sync every account whose next try is due (the background thread's step)."""
    now = now or utcnow()
    with _session(app) as session:
        due = [
            a.user_id for a in laptop.enrolled_accounts(session)
            if not a.revoked and (a.next_attempt_at is None or a.next_attempt_at <= now)
        ]
    reports = []
    for user_id in due:
        try:
            reports.append(sync_account(app, user_id, wait=False))
        except SyncBusy:
            continue
    return reports


def start_background_sync(app: Flask, tick: float = 5.0) -> threading.Thread:
    """A daemon thread that runs ``run_due`` every ``tick`` seconds, for ``lycee-ia serve``."""

    def loop() -> None:
        while True:
            try:
                run_due(app)
            except Exception:  # keep the thread alive whatever happens; the next tick retries
                log.exception("background sync failed")
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="lycee-ia-sync", daemon=True)
    thread.start()
    return thread


def local_device_id(app: Flask) -> str:
    """This laptop's device id, in a short transaction of its own.

    Never call it while a session of this thread holds an open transaction
    (a view's ``db.session`` after its first query): on SQLite every
    transaction takes the write lock, and this one would wait for it in vain.
    """
    with _session(app) as session:
        device_id = get_device_id(session)
        session.commit()
    return device_id


def enrolment_server_url(app: Flask, proposed: str | None) -> str:
    """The server address an enrolment may use; ServerUrlError or LaptopSyncError (French) otherwise.

    Fixed at deployment (``SERVER_URL``), else pinned by the laptop's first
    enrolment; only a laptop never enrolled takes the address proposed (a
    form, a command), and then only ``https://`` (or a server on this machine).
    """
    from lycee_ia.sync.urls import normalise_server_url

    configured = app.config.get("SERVER_URL")
    if configured:
        return normalise_server_url(configured)
    with _session(app) as session:
        pinned = laptop.pinned_server(session)
        session.commit()
    if pinned is not None:
        if proposed and proposed.strip() and normalise_server_url(proposed) != pinned.url:
            raise laptop.LaptopSyncError(
                f"Adresse du serveur : cet ordinateur est relié au serveur {pinned.url} ; "
                "il ne s'inscrit qu'auprès de celui-ci."
            )
        return pinned.url
    return normalise_server_url(proposed or "")


def enrol_laptop(app: Flask, server_url: str | None, username: str, password: str, label: str = ""):
    """Enrol this laptop for a student: the server checks the password and issues a token.

    The address is checked first (:func:`enrolment_server_url`), so a password
    never leaves for an address the laptop would not accept. The answer is
    then checked in full by ``laptop.adopt_enrolment``; when the laptop refuses
    it, it tells the server, which withdraws the enrolment it just made.

    Raises ServerUrlError, ServerUnreachable, ServerRefused or LaptopSyncError
    (French messages). Returns the local user, ready to sign in offline.
    """
    import platform

    server_url = enrolment_server_url(app, server_url)
    device_id = local_device_id(app)
    key = device_key(app)
    client = SyncClient(server_url, timeout=app.config.get("SYNC_TIMEOUT", 20))
    answer = client.enrol(
        username=username,
        password=password,
        device_id=device_id,
        public_key=signing.public_key_hex(key),
        label=(label or platform.node())[:100],
        laptop_time=format_time(utcnow()),
    )
    token, server_key, state = answer.get("token"), answer.get("server_key"), answer.get("state")
    if not isinstance(token, str) or not isinstance(server_key, str) or not isinstance(state, dict):
        _withdraw(app, server_url, token)
        raise ServerUnreachable("Réponse du serveur illisible : est-ce bien l'adresse du serveur Lycée IA ?")
    try:
        with _session(app) as session:
            user = laptop.adopt_enrolment(
                session, server_url=server_url, token=token, server_key=server_key, state=state,
                password=password, username=username,
            )
            session.commit()
            user_id = user.id
    except laptop.LaptopSyncError:
        _withdraw(app, server_url, token)
        raise
    try:
        update_modules(app, SyncClient(server_url, token, timeout=app.config.get("SYNC_TIMEOUT", 20)), server_key, state.get("modules") or [])
    except (ServerUnreachable, ServerRefused, laptop.LaptopSyncError) as error:
        log.warning("modules not updated at enrolment: %s", error)
    with _session(app) as session:
        from lycee_ia.accounts.models import User

        return session.get(User, user_id)


def _withdraw(app: Flask, server_url: str, token: object) -> None:
    """Tell the server that this laptop did not keep the enrolment it just answered (best effort)."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return
    try:
        SyncClient(server_url, token, timeout=app.config.get("SYNC_TIMEOUT", 20)).withdraw()
    except (ServerUnreachable, ServerRefused) as error:
        log.warning("enrolment refused here but not withdrawn on the server: %s", error)
