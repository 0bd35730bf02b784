"""Progressive delays after failed attempts (sign-in, join codes), counted in the database.

There is no hard lock: the first failures of a key (an account, an address,
a student typing join codes) are free, then each further failure makes the
next attempt wait longer — 30 s, 1 min, 2 min, 4 min... up to 15 minutes.
Once the delay has passed, one attempt is checked again, and a right password
works. An attacker can slow an account down, never lock its owner out for
good, and on a laptop (every account behind 127.0.0.1) failures on one
account cost nothing to the others.

Failures live in ``login_failures`` (so the count holds across server workers
and nodes) and are forgotten after ``memory`` (a day by default: an attacker
who waits out every delay gets about a hundred guesses a day, not a fresh set
of free failures every hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import LoginFailure

FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
MEMORY = timedelta(hours=24)


@dataclass(frozen=True)
class DelayPolicy:
    """``free`` failures cost nothing; then the delay doubles from ``first_delay`` up to ``max_delay``."""

    free: int
    first_delay: timedelta = FIRST_DELAY
    max_delay: timedelta = MAX_DELAY
    memory: timedelta = MEMORY

    def delay(self, failures: int) -> timedelta | None:
        """The wait imposed after ``failures`` failures (within ``memory``), or None."""
        if failures < self.free:
            return None
        steps = failures - self.free
        if steps >= 30:  # 2**30 times anything sensible is past the cap
            return self.max_delay
        return min(self.first_delay * 2**steps, self.max_delay)


def retry_at(session: Session, kind: str, key: str, policy: DelayPolicy, now: datetime) -> datetime | None:
    """When the next attempt for this key may be checked, if that is later than ``now``."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.occurred_at)).where(
            LoginFailure.kind == kind, LoginFailure.key == key, LoginFailure.occurred_at > now - policy.memory
        )
    ).one()
    delay = policy.delay(count)
    if delay is None or last is None:
        return None
    at = last + delay
    return at if at > now else None


def record_failure(session: Session, kind: str, key: str, now: datetime) -> None:
    session.add(LoginFailure(kind=kind, key=key, occurred_at=now))


def forget_old(session: Session, kinds: tuple[str, ...], now: datetime, memory: timedelta) -> None:
    """Delete the failures of these kinds that no longer count."""
    session.execute(delete(LoginFailure).where(LoginFailure.kind.in_(kinds), LoginFailure.occurred_at <= now - memory))


def forget(session: Session, kind: str, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.kind == kind, LoginFailure.key == key))


def wait_phrase(retry: datetime, now: datetime) -> str:
    """« à partir de 16 h 05 (dans 2 minutes) », or « dans 30 secondes » for short waits."""
    from lycee_ia.templating import format_time

    seconds = max(1, int((retry - now).total_seconds() + 0.999))
    if seconds < 60:
        return f"dans {seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = (seconds + 59) // 60
    # The minute shown is never before the real time: 16 h 05 min 30 s shows as 16 h 06.
    shown = retry.replace(second=0, microsecond=0)
    if shown < retry:
        shown += timedelta(minutes=1)
    return f"à partir de {format_time(shown)} (dans {minutes} minute{'s' if minutes > 1 else ''})"
