"""Wrong join codes bring growing delays, as wrong passwords do, never a lock (issue 11, item 9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lycee_ia.accounts.models import User
from lycee_ia.db import utcnow
from lycee_ia.teaching.services import TeachingError, create_class, join_class, new_join_code


def test_wrong_join_codes_delay_the_student_more_and_more_then_the_right_code_works(db_session, make_user):
    teacher = db_session.get(User, make_user("enseignant").id)
    student = db_session.get(User, make_user("eleve").id)
    other = db_session.get(User, make_user("eleve").id)
    now = utcnow()
    school_class = create_class(db_session, actor=teacher, name="2nde B", school=None)
    code = new_join_code(db_session, actor=teacher, school_class=school_class, days=7, now=now)
    db_session.commit()
    for _ in range(5):
        assert join_class(db_session, student=student, code="ZZZZZZ", now=now) is None
    waits = []
    for _ in range(4):
        with pytest.raises(TeachingError, match="Trop de codes erronés") as refused:
            join_class(db_session, student=student, code=code, now=now)
        message = str(refused.value)
        assert "Réessaie " in message
        # The student waits exactly as long as the message says, then guesses wrong again.
        seconds = 30 * 2 ** len(waits)
        assert join_class_blocked_until(db_session, student, code, now, seconds)
        waits.append(seconds)
        now += timedelta(seconds=seconds)
        assert join_class(db_session, student=student, code="ZZZZZZ", now=now) is None
    # Another student is not concerned by these failures.
    assert join_class(db_session, student=other, code=code, now=now) == school_class
    with pytest.raises(TeachingError, match="Trop de codes erronés"):
        join_class(db_session, student=student, code=code, now=now + timedelta(seconds=479))
    assert join_class(db_session, student=student, code=code, now=now + timedelta(seconds=480)) == school_class


def join_class_blocked_until(session, student, code, now, seconds) -> bool:
    """Refused one second before ``now + seconds``; the caller then moves the clock there."""
    try:
        join_class(session, student=student, code=code, now=now + timedelta(seconds=seconds - 1))
    except TeachingError:
        return True
    return False
