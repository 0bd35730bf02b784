"""Classes, their teachers, students and groups; assignments; roster imports in progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lycee_ia.accounts.models import School, User
from lycee_ia.db import Base, utcnow


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_classes_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A short code a student with an account types to join the class; None when
    # there is none (never made, or revoked). Unique while it exists.
    join_code: Mapped[Optional[str]] = mapped_column(String(12), unique=True)
    join_code_expires_at: Mapped[Optional[datetime]]
    # Set when an administrator archives the class: hidden from teachers' lists, kept for the record.
    archived_at: Mapped[Optional[datetime]]

    school: Mapped[Optional[School]] = relationship()


class ClassTeacher(Base):
    __tablename__ = "class_teachers"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)

    teacher: Mapped[User] = relationship()


class Enrolment(Base):
    """A student in a class. Removing it never touches the student's learning events."""

    __tablename__ = "enrolments"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[User] = relationship()


class RemovedEnrolment(Base):
    """The trace of a student taken out of a class, so that the removal can be undone.

    Keeps the enrolment date and the groups the student was in; re-adding the
    student (by hand, by the « Annuler » button or by re-importing the roster)
    restores both. Deleted when the student is back.
    """

    __tablename__ = "removed_enrolments"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    enrolled_at: Mapped[datetime]
    removed_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"ids": [group id, ...]}
    groups: Mapped[dict[str, Any]]

    student: Mapped[User] = relationship(foreign_keys=[user_id])


class ClassGroup(Base):
    """A group inside a class ("Demi-groupe A"); its members are students of the class."""

    __tablename__ = "class_groups"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_class_groups_class_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("class_groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Assignment(Base):
    """A module (and its quiz) given to a class, or to one group of it.

    Withdrawing deletes this row only: learning events and the summaries
    derived from them stay.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    # None: the whole class.
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("class_groups.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(100))
    opens_at: Mapped[datetime]
    due_at: Mapped[Optional[datetime]]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Optional[ClassGroup]] = relationship()


class RosterImport(Base):
    """A roster file read and checked, waiting for the teacher's confirmation.

    Holds the cleaned lines (never a password) between the preview and the
    confirmation, so that the confirmation does not trust anything the
    browser sends back but this row's random id. Deleted once confirmed;
    older ones are dropped when a new import starts.
    """

    __tablename__ = "roster_imports"
    __table_args__ = (Index("ix_roster_imports_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # None for the command line, which never stores an import.
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    # {"rows": [{"line": n, "first_name": ..., "last_name": ..., "username": ..., "group": ...}, ...],
    #  "ignored": [[line, class name], ...]}
    content: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeacherVisit(Base):
    """When a teacher last opened their home page, for « what changed since your last visit »."""

    __tablename__ = "teacher_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The end of the visit before the current one: the home shows what changed since then.
    previous_visit_at: Mapped[Optional[datetime]]
    # The last time the home page was shown; a gap of more than an hour starts a new visit,
    # so reloading the page does not wipe the news.
    last_seen_at: Mapped[datetime]
