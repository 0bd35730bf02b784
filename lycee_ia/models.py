"""One import point for every model, so that Alembic sees every table."""

from lycee_ia.accounts.models import LoginFailure, Role, School, User
from lycee_ia.admin.models import AuditEntry
from lycee_ia.content.models import ModuleProgress
from lycee_ia.db import Base
from lycee_ia.events.models import InstanceSetting, LearningEvent
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.sync.models import SyncAccount, SyncDevice, SyncMirror, SyncOutbox, SyncQuota
from lycee_ia.teaching.models import (
    Assignment,
    ClassGroup,
    ClassTeacher,
    Enrolment,
    GroupMember,
    RosterImport,
    SchoolClass,
)
from lycee_ia.xapi.models import XapiOutbox

__all__ = [
    "Assignment",
    "AuditEntry",
    "Base",
    "ClassGroup",
    "ClassTeacher",
    "Enrolment",
    "GroupMember",
    "InstanceSetting",
    "LearningEvent",
    "LoginFailure",
    "ModuleProgress",
    "ModuleVersion",
    "QuizAttempt",
    "Role",
    "RosterImport",
    "School",
    "SchoolClass",
    "SyncAccount",
    "SyncDevice",
    "SyncMirror",
    "SyncQuota",
    "SyncOutbox",
    "User",
    "XapiOutbox",
]
