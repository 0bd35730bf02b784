"""Account services: creating people, signing in, passwords.

Plain functions taking the session and the acting user; they never commit.
Errors meant for the person at the keyboard carry a French message.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lycee_ia.accounts.models import Role, School, User, new_session_token
from lycee_ia.accounts.passwords import generate_password
from lycee_ia.accounts.throttle import MEMORY, DelayPolicy, forget, forget_old, record_failure, retry_at
from lycee_ia.admin.services import log_action
from lycee_ia.db import utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 200
NAME_MAX = 100

@functools.cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so that a wrong username
    takes as long as a wrong password and does not reveal who has an account.
    Made on first use: hashing is slow on purpose, and most processes never need it."""
    return generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


@dataclass(frozen=True)
class LoginThrottled(Exception):
    """Too many failures: no attempt is checked before ``retry_at`` (naive UTC)."""

    retry_at: datetime


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().lower()


def validate_username(username: str) -> str:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise AccountError(
            "L'identifiant doit faire de 2 à 64 caractères : lettres minuscules sans accent, "
            "chiffres, point, tiret ou tiret bas, en commençant par une lettre ou un chiffre."
        )
    return username


def validate_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Le mot de passe doit contenir au moins {PASSWORD_MIN} caractères.")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX} caractères.")
    return password


def clean_name(value: str, label: str, required: bool = True) -> str:
    value = " ".join(unicodedata.normalize("NFC", value or "").split())
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise AccountError(f"Le champ « {label} » contient des caractères non imprimables.")
    if required and not value:
        raise AccountError(f"Le champ « {label} » est obligatoire.")
    if len(value) > NAME_MAX:
        raise AccountError(f"Le champ « {label} » ne doit pas dépasser {NAME_MAX} caractères.")
    return value


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    session: Session,
    *,
    actor: User | None,
    username: str,
    role: Role | str,
    first_name: str,
    last_name: str = "",
    password: str | None = None,
    email: str | None = None,
    school: School | None = None,
    password_hash: str | None = None,
) -> tuple[User, str | None]:
    """Create an account. Returns the user and the generated password, if one was made.

    Without ``password``, a readable password is generated and the person must
    change it at first login. ``password_hash`` lets bulk loaders that share one
    password (the demo) hash it once.
    """
    username = validate_username(username)
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"Rôle inconnu : « {role} ».") from None
    first_name = clean_name(first_name, "Prénom")
    last_name = clean_name(last_name, "Nom", required=False)
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email)):
        raise AccountError("L'adresse électronique n'est pas valide.")
    if get_user_by_username(session, username) is not None:
        raise AccountError(f"L'identifiant « {username} » est déjà pris.")
    generated = None
    if password_hash is None:
        if password is None:
            password = generated = generate_password()
        password_hash = hash_password(validate_password(password))
    user = User(
        username=username,
        role=role.value,
        first_name=first_name,
        last_name=last_name,
        email=email,
        school=school,
        password_hash=password_hash,
        must_change_password=generated is not None,
    )
    session.add(user)
    session.flush()
    log_action(session, actor, "user.create", username, {"role": role.value})
    return user, generated


ADDRESS_MAX_FAILURES = 200
# An address's failures are mostly other people's typos (a school behind one
# NAT): they are forgotten sooner than an account's, which a success clears.
ADDRESS_MEMORY = timedelta(hours=1)


def _failure_keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", normalise_username(username)[:255])]
    if address:
        keys.append(("address", address[:255]))
    return keys


def _policies(max_failures: int, window: timedelta, address_max_failures: int | None) -> dict[str, DelayPolicy]:
    policies = {"account": DelayPolicy(free=max_failures, memory=window)}
    if address_max_failures:
        policies["address"] = DelayPolicy(free=address_max_failures, memory=min(window, ADDRESS_MEMORY))
    return policies


def check_throttle(
    session: Session,
    username: str,
    address: str | None,
    *,
    max_failures: int,
    window: timedelta,
    now: datetime,
    address_max_failures: int | None = ADDRESS_MAX_FAILURES,
) -> None:
    """Raise LoginThrottled while this account or this address must wait after its failures."""
    policies = _policies(max_failures, window, address_max_failures)
    for kind, key in _failure_keys(username, address):
        if kind in policies:
            at = retry_at(session, kind, key, policies[kind], now)
            if at is not None:
                raise LoginThrottled(retry_at=at)


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str | None,
    *,
    max_failures: int = 5,
    window: timedelta = MEMORY,
    address_max_failures: int | None = ADDRESS_MAX_FAILURES,
    now: datetime | None = None,
) -> User | None:
    """Check credentials; None when they are wrong. Raises LoginThrottled while a delay runs.

    After ``max_failures`` failures on an account (within ``window``), each
    further attempt waits a growing delay (see accounts.throttle); so does an
    address after ``address_max_failures`` (None or 0: addresses are not
    counted, as on a laptop where everyone is 127.0.0.1). An unknown username
    is counted and delayed exactly like an existing one. The caller commits in
    both cases, so that a failure counts even though the login did not succeed.
    """
    now = now or utcnow()
    check_throttle(
        session, username, address, max_failures=max_failures, window=window, now=now,
        address_max_failures=address_max_failures,
    )
    user = get_user_by_username(session, username) if len(username) <= 255 else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        valid = False
    else:
        valid = check_password_hash(user.password_hash, password) and user.active
    policies = _policies(max_failures, window, address_max_failures)
    if not valid:
        for kind, policy in policies.items():
            forget_old(session, (kind,), now, policy.memory)
        for kind, key in _failure_keys(username, address):
            if kind in policies:
                record_failure(session, kind, key, now)
        return None
    forget(session, "account", user.username)
    user.last_login_at = now
    return user


def end_sessions(user: User) -> None:
    """Every session cookie of this account stops working (sign-out, new password, closing)."""
    user.session_token = new_session_token()


def set_password(session: Session, user: User, new_password: str, *, must_change: bool = False) -> None:
    """Store a new password and end the account's other sessions."""
    user.password_hash = hash_password(validate_password(new_password))
    user.session_token = new_session_token()
    user.must_change_password = must_change
    # A new password, a new start: the delays earned by wrong guesses go.
    forget(session, "account", user.username)


def change_own_password(session: Session, user: User, current: str, new: str, confirm: str) -> None:
    """A person changes their own password; the current one is required."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("Le mot de passe actuel est incorrect.")
    if new != confirm:
        raise AccountError("Les deux nouveaux mots de passe ne sont pas identiques.")
    if new == current:
        raise AccountError("Le nouveau mot de passe doit être différent de l'actuel.")
    set_password(session, user, new)


def reset_password(session: Session, *, actor: User | None, user: User) -> str:
    """Give the account a new generated password, to be changed at next login.

    The reset is audited with the account's role: an administrator who resets a
    teacher's password could sign in as them, and the journal says so. The
    temporary password opens nothing but the account page until the owner
    chooses a new one, and the account's other sessions end.
    """
    password = generate_password()
    set_password(session, user, password, must_change=True)
    log_action(session, actor, "user.reset_password", user.username, {"role": Role(user.role).value})
    return password


def set_active(session: Session, *, actor: User | None, user: User, active: bool) -> None:
    """Open or close an account; closing ends its sessions."""
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
    user.active = active
    if not active:
        user.session_token = new_session_token()
    log_action(session, actor, "user.activate" if active else "user.deactivate", user.username)
