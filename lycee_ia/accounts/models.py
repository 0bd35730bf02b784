"""Accounts: people, their schools and their roles."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lycee_ia.db import Base, new_uuid, utcnow


class Role(StrEnum):
    STUDENT = "eleve"
    TEACHER = "enseignant"
    STAFF = "personnel"
    TRAINER = "formateur"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.STUDENT: "Élève",
    Role.TEACHER: "Enseignant ou enseignante",
    Role.STAFF: "Personnel",
    Role.TRAINER: "Formateur ou formatrice",
    Role.ADMIN: "Administrateur ou administratrice",
}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Code UAI of a French school (7 digits and a letter), when known.
    uai: Mapped[Optional[str]] = mapped_column(String(8), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('eleve', 'enseignant', 'personnel', 'formateur', 'admin')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Global identity: the same person on a laptop and on the server.
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[Optional[str]] = mapped_column(String(254))  # never required for a student
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of the login session's identity: changing it (new password, reset,
    # deactivation) ends every other open session of this account.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]

    school: Mapped[Optional[School]] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: the id stored in the session cookie
        return f"{self.id}:{self.session_token}"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class LoginFailure(Base):
    """One failed login, kept 15 minutes, counted per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_kind_key_at", "kind", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
