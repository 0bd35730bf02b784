"""Laptop side of sync: enrolled accounts, pending events, acknowledgements, state, content.

Plain functions taking the session; they flush but never commit. The runner
(runner.py) and the views call them between their HTTP exchanges and commit
at the edge. Only what the server said it holds is ever marked acknowledged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import String, delete, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import hash_password, normalise_username
from lycee_ia.content.module import MAX_MEDIA_BYTES, MEDIA_TYPES, build_module, content_hash
from lycee_ia.content.problems import Problems
from lycee_ia.content.source import MODULE_ID_RE
from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import RecordedEvent, on_events_recorded
from lycee_ia.sync import signing
from lycee_ia.sync.models import SyncAccount, SyncMirror, SyncOutbox
from lycee_ia.sync.wire import BUNDLE_FORMAT, format_time, parse_time
from lycee_ia.teaching.models import Assignment, ClassGroup, Enrolment, GroupMember, SchoolClass

MAX_MODULE_FILES = 300
MAX_TEXT_BYTES = 1024 * 1024
MAX_MODULE_BYTES = 30 * 1024 * 1024
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
PREVIOUS_DIR = ".previous"
STAGING_PREFIX = ".staging-"


class LaptopSyncError(Exception):
    """Something the laptop refuses; the message is French."""


def _insert_ignore(session: Session, model: type, rows: list[dict[str, Any]], key: str) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    for start in range(0, len(rows), 500):
        session.execute(insert(model).values(rows[start : start + 500]).on_conflict_do_nothing(index_elements=[key]))


# --- accounts -------------------------------------------------------------------------------


def enrolled_accounts(session: Session) -> list[SyncAccount]:
    return list(session.scalars(select(SyncAccount).order_by(SyncAccount.user_id)))


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,100}$")
SERVER_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class PinnedServer:
    """The school server this laptop is tied to: the address and key of its first enrolment."""

    url: str
    key: str


def pinned_server(session: Session) -> PinnedServer | None:
    """The server of the laptop's first enrolment still kept here, or None (never enrolled)."""
    account = session.scalar(select(SyncAccount).order_by(SyncAccount.enrolled_at, SyncAccount.user_id).limit(1))
    return PinnedServer(account.server_url, account.server_key) if account else None


def pinned_key_for(session: Session, server_url: str) -> str | None:
    """The server key pinned for this address by an earlier enrolment, if any."""
    return session.scalar(
        select(SyncAccount.server_key).where(SyncAccount.server_url == server_url)
        .order_by(SyncAccount.enrolled_at, SyncAccount.user_id).limit(1)
    )


def _refuse(detail: str) -> LaptopSyncError:
    return LaptopSyncError(f"Inscription refusée : {detail} Rien n'a été changé sur cet ordinateur.")


def adopt_enrolment(
    session: Session,
    *,
    server_url: str,
    token: str,
    server_key: str,
    state: dict[str, Any],
    password: str,
    username: str | None = None,
    now: datetime | None = None,
) -> User:
    """Keep on this laptop the student the server just enrolled.

    The local account carries the server's global UUID and a verifier of the
    password typed now, so the student can sign in here offline afterwards.

    The answer is only a proposal (the address may not be the school's server,
    or someone may answer in its place), so it is checked in full:
    - the token and the server key are well-formed, and the key is the one
      pinned for this address by an earlier enrolment;
    - the profile is a student's, with a well-formed UUID and user name (the
      one typed, when given);
    - an account that already exists here under that UUID is taken over only
      if it is a student's, and either is already enrolled with this same
      server and key, or the password typed is its local password too.
    Anything else raises LaptopSyncError before a single row changes.
    """
    now = now or utcnow()
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise _refuse("la réponse du serveur est illisible (jeton).")
    if not isinstance(server_key, str) or not SERVER_KEY_RE.match(server_key):
        raise _refuse("la réponse du serveur est illisible (clé du serveur).")
    pinned = pinned_key_for(session, server_url)
    if pinned is not None and not hmac.compare_digest(pinned, server_key):
        raise _refuse(
            "ce serveur ne présente pas la clé connue de cet ordinateur : ce n'est peut-être pas le serveur du lycée."
        )
    profile = state.get("user") if isinstance(state, dict) else None
    if not isinstance(profile, dict):
        raise _refuse("la réponse du serveur est illisible (profil).")
    try:
        user_uuid = uuid.UUID(str(profile.get("uuid")))
    except ValueError:
        raise _refuse("la réponse du serveur est illisible (profil).") from None
    if profile.get("role") != Role.STUDENT.value:
        raise _refuse("seuls les comptes élèves s'inscrivent sur cet ordinateur.")
    answered = profile.get("username")
    if not isinstance(answered, str) or not USERNAME_RE.match(answered):
        raise _refuse("la réponse du serveur est illisible (identifiant).")
    if username is not None and answered != normalise_username(username):
        raise _refuse("le serveur a répondu pour un autre compte que le tien.")
    user = session.scalar(select(User).where(User.uuid == user_uuid))
    if user is None:
        clash = session.scalar(select(User).where(User.username == answered))
        if clash is not None:
            raise LaptopSyncError(
                f"Un autre compte « {answered} » existe déjà sur cet ordinateur : "
                "demande à un administrateur de le renommer avant d'inscrire cet élève."
            )
        user = User(uuid=user_uuid, username=answered, first_name="", role=Role.STUDENT.value, password_hash="")
        session.add(user)
    else:
        if user.role != Role.STUDENT.value:
            raise _refuse("ce compte de cet ordinateur n'est pas un compte élève.")
        existing = session.get(SyncAccount, user.id)
        same_server = (
            existing is not None
            and existing.server_url == server_url
            and hmac.compare_digest(existing.server_key, server_key)
        )
        if not same_server and not (user.password_hash and check_password_hash(user.password_hash, password)):
            raise _refuse(
                "un compte de cet ordinateur porte déjà ce nom d'élève et n'est pas relié à ce serveur ; "
                "tape le mot de passe de ce compte sur cet ordinateur, ou demande à un administrateur."
            )
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.active = True
    session.flush()
    account = session.get(SyncAccount, user.id)
    first_enrolment = account is None
    if account is None:
        account = SyncAccount(user_id=user.id, enrolled_at=now)
        session.add(account)
    account.server_url = server_url
    account.token = token
    account.server_key = server_key
    if first_enrolment:
        session.flush()
        queue_all_events_of(session, user.id)
    account.revoked = False
    account.failures = 0
    account.last_error = None
    account.next_attempt_at = None
    apply_state(session, account, state)
    return user


# --- pending events and acknowledgements ------------------------------------------------------------


@on_events_recorded
def _queue_for_the_server(session: Session, events: list[RecordedEvent]) -> None:
    """Queue the new events of enrolled students, in the transaction that records them.

    One query per call: on the server (no enrolled account) it finds nothing.
    """
    user_ids = {event.user_id for event in events}
    enrolled = set(session.scalars(select(SyncAccount.user_id).where(SyncAccount.user_id.in_(user_ids))))
    if enrolled:
        rows = [{"event_id": e.id, "user_id": e.user_id} for e in events if e.user_id in enrolled]
        _insert_ignore(session, SyncOutbox, rows, "event_id")


def queue_all_events_of(session: Session, user_id: int) -> None:
    """Queue every event of a newly enrolled student (made here before the enrolment)."""
    ids = session.scalars(select(LearningEvent.id).where(LearningEvent.user_id == user_id).order_by(LearningEvent.recorded_at))
    _insert_ignore(session, SyncOutbox, [{"event_id": i, "user_id": user_id} for i in ids], "event_id")


@dataclass(frozen=True)
class Pending:
    """A queued event, ready to send: its queue position and its wire form."""

    seq: int
    wire: dict[str, Any]

    @property
    def id(self) -> str:
        return self.wire["id"]


def _uuid_text(value: Any) -> str | None:
    """A UUID column read as text: SQLite keeps 32 hex digits, PostgreSQL a UUID."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def pending_events(
    session: Session, user: User, limit: int, after: int | None = None
) -> list[Pending]:
    """The user's events the server has not acknowledged, in recording order, after a queue position.

    Read as plain columns straight into their wire form: loading thousands of
    ORM objects only to turn them into JSON cost most of a laptop's push.
    """
    query = (
        select(
            SyncOutbox.seq,
            type_coerce(LearningEvent.id, String),
            LearningEvent.device_id,
            LearningEvent.verb,
            LearningEvent.object_type,
            LearningEvent.object_id,
            LearningEvent.module_id,
            LearningEvent.module_version,
            LearningEvent.result,
            LearningEvent.context,
            type_coerce(LearningEvent.registration, String),
            LearningEvent.occurred_at,
        )
        .join(LearningEvent, LearningEvent.id == SyncOutbox.event_id)
        .where(SyncOutbox.user_id == user.id)
    )
    if after is not None:
        query = query.where(SyncOutbox.seq > after)
    user_uuid = str(user.uuid)
    return [
        Pending(
            row[0],
            {
                "id": _uuid_text(row[1]),
                "user": user_uuid,
                "device": row[2],
                "verb": row[3],
                "object_type": row[4],
                "object_id": row[5],
                "module_id": row[6],
                "module_version": row[7],
                "result": row[8],
                "context": row[9],
                "registration": _uuid_text(row[10]),
                "occurred_at": format_time(row[11]),
            },
        )
        for row in session.execute(query.order_by(SyncOutbox.seq).limit(limit))
    ]


def pending_count(session: Session, user_ids: Iterable[int] | None = None) -> int:
    """How many events wait for the server (of the given accounts, or of every enrolled one)."""
    query = select(func.count()).select_from(SyncOutbox)
    if user_ids is not None:
        query = query.where(SyncOutbox.user_id.in_(list(user_ids)))
    return session.scalar(query)


def acknowledge(session: Session, held: Iterable[Any], sent: Iterable[Pending]) -> int:
    """Take off the queue the sent events the server says it holds, and only those; return how many.

    Rows are removed by event id, never by queue position: between the sending
    and a slow answer, another sync may have emptied the queue and new events
    taken new positions, and an answer only speaks of the events it was sent.
    """
    held_ids = {str(value) for value in held}
    ids = [uuid.UUID(pending.id) for pending in sent if pending.id in held_ids]
    count = 0
    for start in range(0, len(ids), 500):
        result = session.execute(delete(SyncOutbox).where(SyncOutbox.event_id.in_(ids[start : start + 500])))
        count += result.rowcount
    return count


def acknowledge_held(session: Session, user_id: int, held: Iterable[Any]) -> int:
    """Take off the queue the user's events the server says it holds (reverse bundle)."""
    wanted = []
    for raw in held:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    count = 0
    for start in range(0, len(wanted), 500):
        result = session.execute(
            delete(SyncOutbox).where(SyncOutbox.user_id == user_id, SyncOutbox.event_id.in_(wanted[start : start + 500]))
        )
        count += result.rowcount
    return count


# --- state from the server ----------------------------------------------------------------------


# A Werkzeug password hash ("scrypt:32768:8:1$salt$hex" or "pbkdf2:sha256:600000$salt$hex").
PASSWORD_HASH_RE = re.compile(r"^(scrypt|pbkdf2):[a-z0-9:]{1,40}\$[A-Za-z0-9]{1,64}\$[0-9a-f]{32,256}$")


def apply_state(session: Session, account: SyncAccount, state: dict[str, Any]) -> None:
    """Make the laptop's copy of the student's profile and classes what the server says.

    The server is authoritative for the roster: classes the student left are
    left here too; the learning events are never touched.
    """
    user = account.user or session.get(User, account.user_id)
    profile = state.get("user") or {}
    if str(profile.get("uuid")) != str(user.uuid):
        raise LaptopSyncError("Le serveur a répondu pour un autre élève : synchronisation interrompue.")
    for key, maximum in (("first_name", 100), ("last_name", 100)):
        value = profile.get(key)
        if isinstance(value, str):
            setattr(user, key, value[:maximum])
    password_hash = profile.get("password_hash")
    if isinstance(password_hash, str) and PASSWORD_HASH_RE.match(password_hash) and password_hash != user.password_hash:
        # The server's password is the student's password: a change or a
        # teacher's reset there is the one accepted here, offline included.
        # Sessions open on this laptop stay open (it is the student's own laptop).
        user.password_hash = password_hash
        user.must_change_password = False
    username = profile.get("username")
    if isinstance(username, str) and username != user.username and 2 <= len(username) <= 64:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            user.username = username
    wanted: dict[str, str] = {}
    joined: dict[str, datetime] = {}
    for entry in state.get("classes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("name"), str):
            wanted[entry["id"][:64]] = entry["name"][:100]
            try:
                joined[entry["id"][:64]] = parse_time(entry.get("enrolled_at"))
            except ValueError:
                pass  # an older server: the laptop's own enrolment date stands
    mirrors = {m.remote_id: m for m in session.scalars(select(SyncMirror).where(SyncMirror.kind == "class"))}
    kept: set[int] = set()
    for remote_id, name in wanted.items():
        mirror = mirrors.get(remote_id)
        school_class = session.get(SchoolClass, mirror.local_id) if mirror else None
        if school_class is None:
            school_class = SchoolClass(name=name)
            session.add(school_class)
            session.flush()
            if mirror is None:
                mirror = SyncMirror(kind="class", remote_id=remote_id, local_id=school_class.id)
                session.add(mirror)
                mirrors[remote_id] = mirror
            else:
                mirror.local_id = school_class.id
        school_class.name = name
        kept.add(school_class.id)
        enrolment = session.get(Enrolment, (school_class.id, user.id))
        if enrolment is None:
            enrolment = Enrolment(class_id=school_class.id, user_id=user.id)
            session.add(enrolment)
        if remote_id in joined:
            enrolment.enrolled_at = joined[remote_id]
    mirrored = {m.local_id for m in mirrors.values()}
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all():
        if enrolment.class_id in mirrored and enrolment.class_id not in kept:
            session.delete(enrolment)
    _apply_assignments(session, user, state.get("assignments") or [], {r: m.local_id for r, m in mirrors.items()}, kept)
    if isinstance(state.get("cursor"), str):
        account.state_cursor = state["cursor"][:64]
    session.flush()


def _apply_assignments(session: Session, user: User, entries: list, class_ids: dict[str, int], classes: set[int]) -> None:
    """Mirror the student's assignments; those withdrawn on the server go here too.

    The server sends only this student's assignments. A class-wide one is
    kept here for the whole local class; a group's one is kept with its group,
    of which this student is made a member, so that on a shared laptop the
    class's other students do not see it (nor remove it when they sync).
    """
    mirrors = {m.remote_id: m for m in session.scalars(select(SyncMirror).where(SyncMirror.kind == "assignment"))}
    # The groups this student was in here before this state: what they could see.
    local_groups = set(session.scalars(select(ClassGroup.id).where(ClassGroup.class_id.in_(classes)))) if classes else set()
    old_groups = set(
        session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user.id, GroupMember.group_id.in_(local_groups)))
    ) if local_groups else set()
    new_groups: set[int] = set()
    wanted: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        remote_id, module_id = str(entry.get("id", ""))[:64], entry.get("module_id")
        class_id = class_ids.get(str(entry.get("class_id")))
        if not remote_id or class_id is None or not isinstance(module_id, str) or not MODULE_ID_RE.match(module_id):
            continue
        try:
            opens_at = parse_time(entry.get("opens_at"))
            due_at = parse_time(entry["due_at"]) if entry.get("due_at") else None
        except ValueError:
            continue
        group_id: int | None = None
        if entry.get("group") is not None:
            group_id = _mirror_group(session, entry["group"], class_id)
            if group_id is None:
                continue
            new_groups.add(group_id)
        wanted.add(remote_id)
        mirror = mirrors.get(remote_id)
        assignment = session.get(Assignment, mirror.local_id) if mirror else None
        if assignment is None:
            assignment = Assignment(class_id=class_id, module_id=module_id, opens_at=opens_at)
            session.add(assignment)
            session.flush()
            if mirror is None:
                session.add(SyncMirror(kind="assignment", remote_id=remote_id, local_id=assignment.id))
            else:
                mirror.local_id = assignment.id
        assignment.class_id = class_id
        assignment.group_id = group_id
        assignment.module_id = module_id
        assignment.opens_at = opens_at
        assignment.due_at = due_at
        note = entry.get("note")
        assignment.note = note[:2000] if isinstance(note, str) else ""
    for remote_id, mirror in mirrors.items():
        if remote_id not in wanted:
            assignment = session.get(Assignment, mirror.local_id)
            # Only what this student could see: another student's group work stays.
            if (
                assignment is not None
                and assignment.class_id in classes
                and (assignment.group_id is None or assignment.group_id in old_groups)
            ):
                session.delete(assignment)
                session.delete(mirror)
    for group_id in old_groups - new_groups:
        session.delete(session.get(GroupMember, (group_id, user.id)))
    for group_id in new_groups - old_groups:
        session.add(GroupMember(group_id=group_id, user_id=user.id))


def _mirror_group(session: Session, entry: Any, class_id: int) -> int | None:
    """The local group standing for the server's group ``entry`` ({id, name}) in a local class."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        return None
    remote_id, name = str(entry.get("id", ""))[:64], entry["name"].strip()[:100]
    if not remote_id:
        return None
    mirror = session.get(SyncMirror, ("group", remote_id))
    group = session.get(ClassGroup, mirror.local_id) if mirror else None
    if group is None or group.class_id != class_id:
        # A group of that name may be there from an older mirror: names are unique in a class.
        group = session.scalar(select(ClassGroup).where(ClassGroup.class_id == class_id, ClassGroup.name == name))
        if group is None:
            group = ClassGroup(class_id=class_id, name=name)
            session.add(group)
            session.flush()
        if mirror is None:
            session.add(SyncMirror(kind="group", remote_id=remote_id, local_id=group.id))
            session.flush()  # a second assignment of the same group finds it
        else:
            mirror.local_id = group.id
    elif group.name != name:
        clash = session.scalar(select(ClassGroup.id).where(ClassGroup.class_id == class_id, ClassGroup.name == name))
        if clash is None:
            group.name = name
    return group.id


# --- module archives ---------------------------------------------------------------------------


@dataclass
class CheckedArchive:
    module_id: str
    version: str
    content_hash: str
    files: dict[str, bytes] = field(default_factory=dict)


def _safe_relative(path: Any) -> str:
    """``module.md``, ``quiz.md`` or ``media/...`` with plain names; anything else is refused."""
    if not isinstance(path, str) or len(path) > 300:
        raise LaptopSyncError("Archive refusée : un chemin de fichier est invalide.")
    if path in ("module.md", "quiz.md"):
        return path
    segments = path.split("/")
    if (
        len(segments) < 2
        or segments[0] != "media"
        or not all(_SEGMENT_RE.match(s) for s in segments[1:])
        or Path(path).suffix.lower() not in MEDIA_TYPES
    ):
        raise LaptopSyncError(f"Archive refusée : le fichier « {path[:80]} » sortirait du dossier du module ou n'est pas permis.")
    return path


def check_module_archive(data: bytes, server_key: str, expected: dict[str, str] | None = None) -> CheckedArchive:
    """Check a module archive's signature, paths and sizes; nothing is written."""
    try:
        signed = signing.verify_document(data, server_key, "module")
    except signing.SignatureError as error:
        raise LaptopSyncError(f"Archive refusée : {error}") from None
    doc = signed.document
    module_id, version, digest = doc.get("module_id"), doc.get("version"), doc.get("content_hash")
    if not isinstance(module_id, str) or not MODULE_ID_RE.match(module_id):
        raise LaptopSyncError("Archive refusée : identifiant de module invalide.")
    if not isinstance(version, str) or not version or len(version) > 64 or not isinstance(digest, str):
        raise LaptopSyncError("Archive refusée : version invalide.")
    if expected is not None and (expected.get("id"), expected.get("version")) != (module_id, version):
        raise LaptopSyncError("Archive refusée : ce n'est pas la version demandée.")
    files = doc.get("files")
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_MODULE_FILES:
        raise LaptopSyncError("Archive refusée : liste de fichiers invalide.")
    checked = CheckedArchive(module_id, version, digest)
    total = 0
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), str):
            raise LaptopSyncError("Archive refusée : liste de fichiers invalide.")
        relative = _safe_relative(entry.get("path"))
        if relative in checked.files:
            raise LaptopSyncError("Archive refusée : un fichier y figure deux fois.")
        try:
            content = base64.b64decode(entry["data"], validate=True)
        except (binascii.Error, ValueError):
            raise LaptopSyncError("Archive refusée : contenu de fichier illisible.") from None
        limit = MAX_TEXT_BYTES if relative.endswith(".md") else MAX_MEDIA_BYTES
        total += len(content)
        if len(content) > limit or total > MAX_MODULE_BYTES:
            raise LaptopSyncError(f"Archive refusée : le fichier « {relative} » dépasse la taille permise.")
        checked.files[relative] = content
    if "module.md" not in checked.files:
        raise LaptopSyncError("Archive refusée : il manque module.md.")
    return checked


def install_module(archive: CheckedArchive, root: Path) -> Path:
    """Write a checked archive as ``root/<module id>``, keeping the previous folder aside.

    The files go to a staging folder first; the content hash and the module
    itself are checked there, and only then does the folder replace the old one.
    """
    root.mkdir(parents=True, exist_ok=True)
    staging_root = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staging = staging_root / archive.module_id
    try:
        for relative, content in archive.files.items():
            target = (staging / relative).resolve()
            if staging.resolve() not in target.parents:
                raise LaptopSyncError("Archive refusée : un fichier sortirait du dossier du module.")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if content_hash(staging) != archive.content_hash:
            raise LaptopSyncError("Archive refusée : l'empreinte du contenu ne correspond pas.")
        problems = Problems()
        module = build_module(staging, problems, media_base=None)
        if module is None or problems.errors or module.id != archive.module_id or module.version != archive.version:
            raise LaptopSyncError("Archive refusée : le module reçu ne passe pas la vérification.")
        target = root / archive.module_id
        if target.exists():
            previous = root / PREVIOUS_DIR / f"{archive.module_id}-{uuid.uuid4().hex[:8]}"
            previous.parent.mkdir(parents=True, exist_ok=True)
            target.rename(previous)
        staging.rename(target)
        return target
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)


# --- USB bundles -------------------------------------------------------------------------------------


def export_bundle(
    session: Session,
    key: signing.Ed25519PrivateKey,
    device_id: str,
    now: datetime | None = None,
    user_ids: Iterable[int] | None = None,
) -> tuple[bytes, int]:
    """The USB bundle of enrolled students' unacknowledged events; returns (file, count).

    Every enrolled student by default (the command line); only ``user_ids``
    from a student's page, so that a shared laptop gives nobody another's data.

    Exporting marks nothing as acknowledged: the events stay pending until the
    server says it holds them (by HTTP, or through the reverse bundle).
    """
    now = now or utcnow()
    accounts = []
    count = 0
    only = set(user_ids) if user_ids is not None else None
    for account in enrolled_accounts(session):
        if only is not None and account.user_id not in only:
            continue
        events = []
        after = None
        while True:
            batch = pending_events(session, account.user, 2000, after)
            if not batch:
                break
            events.extend(pending.wire for pending in batch)
            after = batch[-1].seq
        count += len(events)
        accounts.append({"user": str(account.user.uuid), "events": events})
    document = {"created_at": format_time(now), "device": device_id, "accounts": accounts}
    # Format 2 names its students in the signed header: the server checks each
    # section against the key registered for this device and that student.
    users = [section["user"] for section in accounts]
    return (
        signing.sign_document(
            key, "events", document, device=device_id, created_at=format_time(now), format=BUNDLE_FORMAT, users=users
        ),
        count,
    )


@dataclass
class StateImport:
    user: User
    acknowledged: int
    archives: list[bytes]
    state: dict[str, Any]


def import_state_bundle(session: Session, data: bytes, device_id: str, now: datetime | None = None) -> StateImport:
    """Apply a reverse bundle from the server: roster, acknowledgements; return the archives to install."""
    try:
        header, _, _, _ = signing.read_header(data)
    except signing.SignatureError as error:
        raise LaptopSyncError(f"Paquet refusé : {error}") from None
    if header.get("kind") != "state":
        raise LaptopSyncError("Paquet refusé : ce fichier n'est pas un paquet du serveur pour un ordinateur.")
    if header.get("device") != device_id:
        raise LaptopSyncError("Paquet refusé : ce paquet a été préparé pour un autre ordinateur.")
    try:
        user_uuid = uuid.UUID(str(header.get("user")))
    except ValueError:
        raise LaptopSyncError("Paquet refusé : l'en-tête du fichier est abîmé.") from None
    user = session.scalar(select(User).where(User.uuid == user_uuid))
    account = session.get(SyncAccount, user.id) if user else None
    if account is None:
        raise LaptopSyncError("Paquet refusé : cet élève n'est pas inscrit sur cet ordinateur.")
    try:
        signed = signing.verify_document(data, account.server_key, "state")
    except signing.SignatureError as error:
        raise LaptopSyncError(f"Paquet refusé : {error}") from None
    doc = signed.document
    state = doc.get("state")
    if not isinstance(state, dict):
        raise LaptopSyncError("Paquet refusé : le contenu du fichier est illisible.")
    apply_state(session, account, state)
    acknowledged = acknowledge_held(session, user.id, doc.get("held") or [])
    archives = []
    for raw in doc.get("archives") or []:
        try:
            archives.append(base64.b64decode(raw, validate=True))
        except (binascii.Error, ValueError, TypeError):
            raise LaptopSyncError("Paquet refusé : une archive de module est illisible.") from None
    return StateImport(user, acknowledged, archives, state)
