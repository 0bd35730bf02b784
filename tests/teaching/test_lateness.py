"""Lateness counts from when a student joined the class, and the help list is ordered by urgency."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lycee_ia.accounts.models import Role
from lycee_ia.accounts.services import create_user
from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.teaching import services
from lycee_ia.teaching.dashboard import class_dashboard
from lycee_ia.teaching.models import Assignment, SchoolClass
from lycee_ia.teaching.states import due_for
from tests.conftest import _test_hash
from tests.helpers import login, page_text

OPENS = datetime(2026, 11, 2, 8, 0)
DUE = datetime(2026, 11, 16, 8, 0)


def test_due_for_a_student_who_was_there_is_the_assignments_date():
    assert due_for(OPENS, DUE, OPENS - timedelta(days=30)) == DUE
    assert due_for(OPENS, DUE, OPENS) == DUE
    assert due_for(OPENS, None, OPENS + timedelta(days=3)) is None
    assert due_for(OPENS, DUE, None) == DUE


def test_a_student_who_joined_later_gets_the_time_the_class_had():
    joined = datetime(2026, 11, 20, 9, 30)  # after the due date
    assert due_for(OPENS, DUE, joined) == datetime(2026, 12, 4, 8, 0)  # 18 whole days later
    assert due_for(OPENS, DUE, OPENS + timedelta(days=1)) == DUE + timedelta(days=1)
    # The same day as the opening: the class's date stands.
    assert due_for(OPENS, DUE, OPENS + timedelta(hours=15)) == DUE


def _newcomer(session, school_class, username="nouveau.n", at=None):
    user, _ = create_user(
        session, actor=None, username=username, role=Role.STUDENT, first_name="Nour", last_name="Nouveau",
        password_hash=_test_hash(),
    )
    services.enrol(session, school_class, user, at=at)
    return user


def _past_due(app, world, opens_days=-10, due_days=-2):
    with app.app_context():
        assignment = db.session.get(Assignment, world.assignment_id)
        assignment.group_id = None  # the whole class
        assignment.opens_at = utcnow() + timedelta(days=opens_days)
        assignment.due_at = utcnow() + timedelta(days=due_days)
        db.session.commit()


def test_a_student_added_today_is_neither_late_nor_idle_on_the_dashboard(app, world):
    _past_due(app, world)
    with app.app_context():
        session = db.session
        school_class = session.get(SchoolClass, world.class_a)
        newcomer = _newcomer(session, school_class)
        session.commit()
        dashboard = class_dashboard(session, school_class, get_catalogue().modules)
        rows = {row.id: row for row in dashboard.rows}
        assert rows[newcomer.id].help == []
        assert not any(cell.overdue for cell in rows[newcomer.id].cells)
        # The student who was there all along is late, and idle.
        assert {reason.kind for reason in rows[world.student.id].help} == {"overdue", "inactive"}
        assert [row.id for row in dashboard.needing_help] == [world.student.id]


def test_a_student_added_today_sees_their_own_due_date_and_no_overdue_warning(app, client, world):
    _past_due(app, world)
    with app.app_context():
        session = db.session
        newcomer = _newcomer(session, session.get(SchoolClass, world.class_a))
        session.commit()
        mine = services.assignments_for_student(session, newcomer, get_catalogue().modules)
        assert [a.overdue for a in mine] == [False]
        assert mine[0].due_at > utcnow() + timedelta(days=7)  # the class had 8 days
    login(client, "nouveau.n")
    assert "En retard" not in page_text(client.get("/modules"))


def test_a_student_added_long_ago_is_late_as_before(app, world):
    _past_due(app, world)
    with app.app_context():
        session = db.session
        school_class = session.get(SchoolClass, world.class_a)
        veteran = _newcomer(session, school_class, "ancien.a", at=utcnow() - timedelta(days=30))
        session.commit()
        rows = {row.id: row for row in class_dashboard(session, school_class, get_catalogue().modules).rows}
        assert "overdue" in {reason.kind for reason in rows[veteran.id].help}


def test_students_needing_help_are_listed_most_urgent_first(app, client, world):
    """Late for longer and idle comes before late for a day; names do not decide."""
    with app.app_context():
        session = db.session
        school_class = session.get(SchoolClass, world.class_a)
        now = utcnow()
        session.get(Assignment, world.assignment_id).group_id = None
        # Two students; Zoé's work is due for longer (she arrived first).
        zoe = _newcomer(session, school_class, "zoe.z", at=now - timedelta(days=40))
        zoe.first_name, zoe.last_name = "Zoé", "Zola"
        adam = _newcomer(session, school_class, "adam.a", at=now - timedelta(days=9))
        adam.first_name, adam.last_name = "Adam", "Abel"
        assignment = session.get(Assignment, world.assignment_id)
        assignment.opens_at = now - timedelta(days=10)
        assignment.due_at = now - timedelta(days=8)
        session.commit()
        dashboard = class_dashboard(session, school_class, get_catalogue().modules)
        order = [row.id for row in dashboard.needing_help]
        # Zoé: late 8 days and idle; Adam joined a day after it opened: due a day later, late 7 days.
        assert order.index(zoe.id) < order.index(adam.id)
        assert [row.id for row in dashboard.rows].index(adam.id) < [row.id for row in dashboard.rows].index(zoe.id)
    login(client, world.teacher.username)
    html = page_text(client.get(f"/classes/{world.class_a}"))
    help_list = re.sub(r"<[^>]+>", "", html.split('<ul class="help-list">')[1].split("</ul>")[0])
    assert help_list.index("Zoé Zola") < help_list.index("Adam Abel")
