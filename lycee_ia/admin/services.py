"""Administrative actions are logged, with who did what to whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lycee_ia.accounts.models import User
from lycee_ia.admin.models import AuditEntry


def log_action(
    session: Session, actor: User | None, action: str, target: str = "", details: dict[str, Any] | None = None
) -> AuditEntry:
    """Add an entry to the audit log (``actor`` None for the command line)."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, target=target, details=details)
    session.add(entry)
    return entry
