"""Server side of sync: enrolling laptops, receiving events, describing the state to pull.

Plain functions taking the session (and the device or the acting person);
they flush but never commit. The server never opens a connection to anyone:
every exchange is a laptop's request, or a file a teacher uploads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.accounts.services import LoginThrottled, authenticate
from lycee_ia.admin.services import log_action
from lycee_ia.content.module import Module
from lycee_ia.content.source import MEDIA_DIR
from lycee_ia.db import utcnow
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, record_events
from lycee_ia.sync import signing
from lycee_ia.sync.models import SyncDevice
from lycee_ia.sync.wire import BUNDLE_FORMAT, WireError, WireEvent, format_time, parse_wire_event
from lycee_ia.teaching.models import Assignment, ClassGroup, ClassTeacher, Enrolment, GroupMember, SchoolClass

log = logging.getLogger(__name__)

MAX_BATCH = 500
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
PUBLIC_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
# A laptop clock within this of the server's is taken as right (network delay).
CLOCK_TOLERANCE = timedelta(minutes=2)
# A laptop clock further off than this is refused: the offset is stored in a
# PostgreSQL integer (about 68 years of seconds), and a laptop whose battery
# died back to 1970 is still within it.
MAX_CLOCK_OFFSET = timedelta(days=60 * 366)


class SyncError(Exception):
    """A sync request refused; ``message`` is French, ``code`` a stable token for clients."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request", retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after  # seconds, sent as Retry-After (429)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- clocks -----------------------------------------------------------------------------


def measure_offset(laptop_now: datetime | None, server_now: datetime) -> int:
    """Server clock minus laptop clock, in whole seconds; 0 within the tolerance.

    A laptop clock more than MAX_CLOCK_OFFSET away (a year 2199 or 1900) is
    refused with a SyncError: the laptop keeps its events until its clock is set.
    """
    if laptop_now is None:
        return 0
    offset = server_now - laptop_now
    if abs(offset) <= CLOCK_TOLERANCE:
        return 0
    if abs(offset) > MAX_CLOCK_OFFSET:
        raise SyncError(
            f"L'horloge de cet ordinateur indique l'année {laptop_now.year} : réglez la date et l'heure de "
            "l'ordinateur, puis synchronisez de nouveau (rien n'est perdu, les traces attendent sur l'ordinateur).",
            400,
            "bad_clock",
        )
    return int(offset.total_seconds())


def place_event_time(occurred_at: datetime, offset: int, received_at: datetime) -> datetime:
    """Where the server's dashboards place an event made on a laptop.

    The laptop's time shifted by the laptop's measured clock offset, and never
    later than the moment the server received it (a clock that jumped after the
    event cannot put it in the future).
    """
    try:
        placed = occurred_at + timedelta(seconds=offset)
    except OverflowError:
        placed = received_at
    return min(placed, received_at)


# --- enrolment and tokens -----------------------------------------------------------------


def enrol_device(
    session: Session,
    *,
    username: str,
    password: str,
    address: str | None,
    device_id: str,
    public_key: str,
    label: str,
    laptop_now: datetime | None,
    now: datetime | None = None,
    max_failures: int = 10,
    window: timedelta = timedelta(minutes=15),
) -> tuple[SyncDevice, str]:
    """Check a student's credentials and issue a token for this laptop.

    Returns the device row and the token (shown once; only its hash is kept).
    Enrolling again from the same laptop replaces the token. A laptop that a
    teacher or an administrator withdrew (revoked) for this student cannot
    enrol again with the password alone: they must allow it first
    (:func:`allow_re_enrolment`); another laptop enrols as usual. A temporary
    (slip) password is refused: the student chooses their own on the site first.
    """
    now = now or utcnow()
    offset = measure_offset(laptop_now, now)  # a clock far off is refused before anything is checked
    if not DEVICE_ID_RE.match(device_id or ""):
        raise SyncError("Identifiant d'appareil invalide.", 400, "bad_device")
    if not PUBLIC_KEY_RE.match(public_key or ""):
        raise SyncError("Clé d'appareil invalide.", 400, "bad_key")
    try:
        user = authenticate(session, username, password, address, max_failures=max_failures, window=window, now=now)
    except LoginThrottled as throttled:
        raise SyncError(
            "Trop de tentatives de connexion ont échoué : réessayez dans quelques minutes.", 429, "throttled"
        ) from throttled
    if user is None:
        raise SyncError("Identifiant ou mot de passe incorrect.", 401, "bad_credentials")
    if user.role != Role.STUDENT:
        raise SyncError(
            "Seuls les comptes élèves s'inscrivent sur un ordinateur portable ; "
            "les enseignants utilisent le serveur du lycée directement.",
            403,
            "not_a_student",
        )
    if user.must_change_password:
        raise SyncError(
            "Ton mot de passe est provisoire : change d'abord ton mot de passe provisoire en te connectant "
            "au site du lycée, puis inscris cet ordinateur avec ton nouveau mot de passe.",
            403,
            "temporary_password",
        )
    # A device id is bound to the key it was first enrolled with: the id is in
    # clear in every bundle, and whoever enrols it with another key could sign
    # bundles in that laptop's name. Checked after the password, so that the
    # answer tells nothing to someone who has none.
    first = session.scalar(
        select(SyncDevice).where(SyncDevice.device_id == device_id).order_by(SyncDevice.enrolled_at, SyncDevice.id).limit(1)
    )
    if first is not None and not hmac.compare_digest(first.public_key, public_key):
        log.warning("sync: %s tried to enrol device %s with another key", user.username, device_id)
        raise SyncError(
            "Cet ordinateur est déjà inscrit avec une autre clé : il ne peut pas être inscrit ainsi. "
            "Si l'application a été réinstallée, demande à un enseignant d'autoriser une nouvelle inscription "
            "de cet ordinateur (page « Ordinateurs »).",
            409,
            "device_key_mismatch",
        )
    token = secrets.token_urlsafe(32)
    device = session.scalar(select(SyncDevice).where(SyncDevice.device_id == device_id, SyncDevice.user_id == user.id))
    if device is None:
        device = SyncDevice(device_id=device_id, user_id=user.id, enrolled_at=now)
        session.add(device)
    elif device.revoked_at is not None:
        log_action(session, user, "sync.re_enrol_refused", user.username, {"device": device_id})
        raise SyncError(
            "Cet ordinateur a été retiré pour ton compte par le lycée : demande à ton enseignant ou à un "
            "administrateur d'autoriser une nouvelle inscription (page « Ordinateurs »).",
            403,
            "revoked",
        )
    device.token_hash = hash_token(token)
    device.public_key = public_key
    device.label = (label or "")[:100]
    device.revoked_at = None
    device.revoked_by_id = None
    device.last_seen_at = now
    device.clock_offset = offset
    session.flush()
    log_action(session, user, "sync.enrol", user.username, {"device": device_id})
    return device, token


def authenticate_device(session: Session, token: str | None, now: datetime | None = None) -> SyncDevice:
    """The active device whose token this is; SyncError 401/403 otherwise."""
    if not token or len(token) > 100:
        raise SyncError("Jeton d'appareil manquant.", 401, "no_token")
    digest = hash_token(token)
    device = session.scalar(select(SyncDevice).where(SyncDevice.token_hash == digest))
    # The lookup is by hash; compare again in constant time all the same.
    if device is None or not hmac.compare_digest(device.token_hash, digest):
        raise SyncError("Jeton d'appareil inconnu : inscrivez de nouveau cet ordinateur.", 401, "bad_token")
    if device.revoked_at is not None:
        raise SyncError(
            "Cet ordinateur a été retiré par un enseignant ou un administrateur : il ne peut plus se synchroniser.",
            403,
            "revoked",
        )
    if not device.user.active:
        raise SyncError("Ce compte est fermé.", 403, "account_closed")
    device.last_seen_at = now or utcnow()
    return device


def device_proved_key(device: SyncDevice, token: str, sent_at: str, proof: str | None) -> bool:
    """Did the laptop sign this request with the key registered at its enrolment?

    The password verifier goes only to the laptop itself: a token alone (read
    in a log, a backup, a proxy) is not enough to obtain it.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not proof or len(proof) != 128 or not sent_at:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(device.public_key))
        key.verify(bytes.fromhex(proof), signing.proof_message(token, sent_at))
    except (InvalidSignature, ValueError):
        return False
    return True


def revoke_device(
    session: Session, *, actor: User | None, device: SyncDevice, now: datetime | None = None, password_exposed: bool = True
) -> None:
    """Withdraw a laptop (lost, replaced): its token and its bundles are refused from now on.

    The laptop keeps a verifier of the student's password for offline
    sign-in, which whoever holds the laptop can try to crack at leisure: the
    student must choose a new password at their next sign-in on the site, so
    that what the laptop holds opens nothing any more (``password_exposed``;
    not when the laptop itself gives up an enrolment it just refused).
    """
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
        device.revoked_by_id = actor.id if actor else None
        if password_exposed:
            device.user.must_change_password = True
        log_action(session, actor, "sync.revoke", device.user.username, {"device": device.device_id})


def allow_re_enrolment(session: Session, *, actor: User, device: SyncDevice) -> None:
    """A teacher's or administrator's decision: this withdrawn laptop may enrol this student again.

    The enrolment row goes (its events stay on the server); the next
    enrolment with the student's password makes a new one, with a new token.
    """
    if device.revoked_at is None:
        return
    log_action(session, actor, "sync.allow_re_enrol", device.user.username, {"device": device.device_id})
    session.delete(device)
    session.flush()


def withdraw_enrolment(session: Session, device: SyncDevice) -> None:
    """The laptop refused the server's answer to its enrolment: the enrolment must not stay active.

    A device that never sent anything is forgotten (as if never enrolled, so
    the student can enrol once the laptop's problem is solved); one that holds
    events here is revoked, so that its history and its key stay known.
    """
    log_action(session, None, "sync.withdraw", device.user.username, {"device": device.device_id})
    has_events = session.scalar(
        select(LearningEvent.id)
        .where(LearningEvent.device_id == device.device_id, LearningEvent.user_id == device.user_id)
        .limit(1)
    )
    if has_events is None:
        session.delete(device)
        session.flush()
    else:
        revoke_device(session, actor=None, device=device, password_exposed=False)


def devices_visible_to(session: Session, user: User) -> list[SyncDevice]:
    """Enrolled laptops a teacher (of the students' classes) or an administrator may see."""
    query = select(SyncDevice).join(User, User.id == SyncDevice.user_id).order_by(User.username, SyncDevice.enrolled_at)
    if user.role == Role.ADMIN:
        return list(session.scalars(query))
    if user.role != Role.TEACHER:
        return []
    students = (
        select(Enrolment.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == Enrolment.class_id)
        .where(ClassTeacher.user_id == user.id)
    )
    return list(session.scalars(query.where(SyncDevice.user_id.in_(students))))


def can_manage(session: Session, user: User, student_id: int) -> bool:
    """May ``user`` act on this student's laptops and bundles?"""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.TEACHER:
        return False
    return (
        session.scalar(
            select(Enrolment.user_id)
            .join(ClassTeacher, ClassTeacher.class_id == Enrolment.class_id)
            .where(ClassTeacher.user_id == user.id, Enrolment.user_id == student_id)
            .limit(1)
        )
        is not None
    )


# --- receiving events --------------------------------------------------------------------


@dataclass
class PushResult:
    held: list[str] = field(default_factory=list)  # ids the server holds now (new or already there)
    refused: list[dict[str, str]] = field(default_factory=list)
    new: int = 0


def receive_events(
    session: Session,
    device: SyncDevice,
    raw_events: Iterable[Any],
    *,
    offset: int,
    now: datetime | None = None,
    source: str = "http",
    modules: Mapping[str, Module] | None = None,
    uploaded_by: User | None = None,
) -> PushResult:
    """Record the events a laptop sent for its student; refuse (and report) the others.

    An event is refused when it is malformed, names another person than the
    device's student, or was made on another device; answers and quiz results
    are then regraded by the server, and refused when the web would not have
    allowed them (``quiz.pushed.check_pushed_events``). The others are
    inserted (ON CONFLICT DO NOTHING) and their ids are all "held".
    ``modules``: the catalogue's modules (the app's catalogue by default).

    Refusals go to the audit log under the one who sent them: the device's
    student for a push (their token), the person who uploaded a USB bundle
    (``uploaded_by``; None, shown as the command line, for ``sync import``).
    """
    from lycee_ia.quiz.pushed import check_pushed_events

    if modules is None:
        from lycee_ia.content.catalogue import get_catalogue

        modules = get_catalogue().modules
    now = now or utcnow()
    result = PushResult()
    accepted: list[WireEvent] = []
    reasons: Counter[str] = Counter()
    for raw in raw_events:
        try:
            event = parse_wire_event(raw)
            if event.user != device.user.uuid:
                raise WireError("other_user", str(event.id))
            if event.device != device.device_id:
                raise WireError("other_device", str(event.id))
        except WireError as error:
            result.refused.append({"id": error.event_id or "", "reason": error.reason})
            reasons[error.reason] += 1
            continue
        accepted.append(event)
    # The same event twice in one push is checked (and recorded) once.
    unique = {event.id: event for event in accepted}
    new_events = [_new_event(event, device.user_id, offset, now) for event in unique.values()]
    checked = check_pushed_events(session, device.user, new_events, modules, now)
    for event_id, reason in checked.refused:
        result.refused.append({"id": event_id, "reason": reason})
        reasons[reason] += 1
    if reasons:
        # Reported: someone tried to write another person's record, or a laptop is broken.
        log.warning("sync: refused %s from device %s (%s)", dict(reasons), device.device_id, device.user.username)
        log_action(
            session, uploaded_by if source == "bundle" else device.user, "sync.refused", device.user.username,
            {"device": device.device_id, "source": source, "reasons": dict(reasons)},
        )
    result.new = len(record_events(session, checked.events))
    kept = {event.id for event in checked.events}
    result.held = [str(event.id) for event in accepted if event.id in kept]
    return result


def _new_event(event: WireEvent, user_id: int, offset: int, now: datetime) -> NewEvent:
    placed = place_event_time(event.occurred_at, offset, now)
    return NewEvent(
        id=event.id,
        user_id=user_id,
        device_id=event.device,
        verb=event.verb,
        object_type=event.object_type,
        object_id=event.object_id,
        module_id=event.module_id,
        module_version=event.module_version,
        result=event.result,
        context=event.context,
        registration=event.registration,
        occurred_at=placed,
        device_occurred_at=event.occurred_at if placed != event.occurred_at else None,
    )


# --- what a laptop pulls ---------------------------------------------------------------------


def published_modules(modules: Iterable[Module]) -> list[dict[str, str]]:
    """The module versions this server offers laptops (students' modules only)."""
    return sorted(
        (
            {"id": m.id, "version": m.version, "content_hash": m.content_hash, "title": m.title}
            for m in modules
            if m.audience == "eleve"
        ),
        key=lambda m: m["id"],
    )


def _assignments_of(session: Session, user: User) -> list[dict[str, Any]]:
    """The student's assignments (class-wide, or for a group they are in), future ones included.

    A laptop may stay offline for weeks: it learns now what opens later.
    """
    my_classes = select(Enrolment.class_id).where(Enrolment.user_id == user.id)
    my_groups = select(GroupMember.group_id).where(GroupMember.user_id == user.id)
    rows = session.execute(
        select(Assignment, ClassGroup.name)
        .outerjoin(ClassGroup, ClassGroup.id == Assignment.group_id)
        .where(
            Assignment.class_id.in_(my_classes),
            or_(Assignment.group_id.is_(None), Assignment.group_id.in_(my_groups)),
        )
        .order_by(Assignment.id)
    )
    return [
        {
            "id": str(a.id),
            "class_id": str(a.class_id),
            # A group's assignment names its group, of which this student is a
            # member: on a shared laptop, the class's other students must not get it.
            "group": {"id": str(a.group_id), "name": group_name} if a.group_id is not None else None,
            "module_id": a.module_id,
            "opens_at": format_time(a.opens_at),
            "due_at": format_time(a.due_at) if a.due_at else None,
            "note": a.note,
        }
        for a, group_name in rows
    ]


def state_for(session: Session, user: User, modules: Iterable[Module], *, with_password: bool = True) -> dict[str, Any]:
    """What a laptop keeps about a student: profile, classes, assignments, module versions.

    ``cursor`` is a hash of the rest: a laptop that sends it back learns in one
    short answer that nothing changed. ``with_password=False`` leaves out the
    password hash (a USB bundle is a file that can be lost); the cursor then
    differs, so the next sync over the network brings it.
    """
    modules = list(modules)
    classes = session.execute(
        select(SchoolClass.id, SchoolClass.name, Enrolment.enrolled_at)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.user_id == user.id)
        .order_by(SchoolClass.name)
    ).all()
    state = {
        "user": {
            "uuid": str(user.uuid),
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            # The salted hash of the password, so that a password changed on
            # the server is the one the laptop accepts offline too. Never a
            # temporary (slip) password's: that one only opens the site, where
            # the student must replace it; the laptop keeps the previous one.
            **({"password_hash": user.password_hash} if with_password and not user.must_change_password else {}),
        },
        # When the student joined each class: due dates count from it (teaching.states.due_for).
        "classes": [
            {"id": str(class_id), "name": name, "enrolled_at": format_time(enrolled_at)}
            for class_id, name, enrolled_at in classes
        ],
        "assignments": _assignments_of(session, user),
        "modules": published_modules(modules),
    }
    state["cursor"] = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:32]
    # The versions offered are kept: the laptop's work on them is graded on them later.
    from lycee_ia.quiz.services import ensure_module_versions

    offered = {m["id"] for m in state["modules"]}
    ensure_module_versions(session, [m for m in modules if m.id in offered])
    return state


# --- module archives ---------------------------------------------------------------------------


def module_files(module: Module) -> list[Path]:
    folder = module.folder
    files = [folder / name for name in ("module.md", "quiz.md") if (folder / name).is_file()]
    media = folder / MEDIA_DIR
    if media.is_dir():
        files.extend(sorted(p for p in media.rglob("*") if p.is_file() and not p.is_symlink()))
    return files


def module_archive(module: Module, key: signing.Ed25519PrivateKey) -> bytes:
    """The module version as a signed file: its files, its version and content hash."""
    import base64

    document = {
        "module_id": module.id,
        "version": module.version,
        "content_hash": module.content_hash,
        "files": [
            {"path": str(path.relative_to(module.folder).as_posix()), "data": base64.b64encode(path.read_bytes()).decode()}
            for path in module_files(module)
        ],
    }
    return signing.sign_document(key, "module", document, module_id=module.id, version=module.version)


# --- USB bundles -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    device_id: str
    new: int = 0
    already: int = 0
    refused: int = 0
    students: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def _header_users(header: dict[str, Any]) -> set[str] | None:
    """The students a bundle's signed header names (format 2), or None (format 1)."""
    version = header.get("format", 1)
    if version == 1 and "users" not in header:
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version > BUNDLE_FORMAT:
        raise SyncError(
            "Paquet refusé : il vient d'une version plus récente de l'application ; mettez à jour ce serveur.",
            400,
            "bad_bundle",
        )
    users = header.get("users")
    if not isinstance(users, list) or len(users) > 1000 or not all(isinstance(u, str) and len(u) <= 40 for u in users):
        raise SyncError("Paquet refusé : l'en-tête du fichier est abîmé.", 400, "bad_bundle")
    return set(users)


def import_events_bundle(
    session: Session, data: bytes, *, actor: User | None, now: datetime | None = None
) -> ImportReport:
    """Import a laptop's USB bundle of events: checked, bound to its device, idempotent.

    Refused as a whole (SyncError, French message) when the file is not a
    bundle, was changed or truncated, or comes from a device the server does
    not know. A student section whose enrolment was revoked, or that the acting
    teacher does not teach, is refused and reported; the others are imported.
    """
    now = now or utcnow()
    try:
        header, _, _, _ = signing.read_header(data)
    except signing.SignatureError as error:
        raise SyncError(f"Paquet refusé : {error}", 400, "bad_bundle") from None
    device_id = header.get("device")
    if header.get("kind") != "events" or not isinstance(device_id, str) or not DEVICE_ID_RE.match(device_id):
        raise SyncError("Paquet refusé : ce fichier n'est pas un paquet de traces d'un ordinateur.", 400, "bad_bundle")
    named = _header_users(header)
    devices = list(session.scalars(select(SyncDevice).where(SyncDevice.device_id == device_id)))
    if not devices:
        raise SyncError("Paquet refusé : cet ordinateur n'est inscrit auprès d'aucun élève de ce serveur.", 403, "unknown_device")
    # Each enrolment registered a key for this device and student. The file must
    # be signed by one of them, and each student's section only counts if it is
    # the key registered for that student on this device (below).
    keys = list(dict.fromkeys(d.public_key for d in sorted(devices, key=lambda d: (d.enrolled_at, d.id))))
    try:
        bundle, signer = signing.verify_document_by_any(data, keys, "events")
    except signing.SignatureError as error:
        raise SyncError(f"Paquet refusé : {error}", 400, "bad_signature") from None
    report = ImportReport(device_id=device_id)
    by_user = {str(d.user.uuid): d for d in devices}
    sections = bundle.document.get("accounts")
    if not isinstance(sections, list):
        raise SyncError("Paquet refusé : le contenu du fichier est illisible.", 400, "bad_bundle")
    if all(d.revoked_at is not None for d in devices):
        raise SyncError(
            "Paquet refusé : cet ordinateur a été retiré (appareil révoqué) ; ses paquets ne sont plus acceptés.",
            403,
            "revoked",
        )
    for section in sections:
        if not isinstance(section, dict) or not isinstance(section.get("events"), list):
            raise SyncError("Paquet refusé : le contenu du fichier est illisible.", 400, "bad_bundle")
        device = by_user.get(str(section.get("user")))
        events = section["events"]
        if device is None or (named is not None and str(section.get("user")) not in named):
            report.refused += len(events)
            report.messages.append("Des traces d'un élève non inscrit sur cet ordinateur ont été refusées.")
            continue
        if actor is not None and not can_manage(session, actor, device.user_id):
            # Checked first, and without a name: whoever uploads learns nothing
            # of a student they do not teach.
            report.refused += len(events)
            report.messages.append("Des traces d'un élève qui n'est dans aucune de vos classes ont été refusées.")
            continue
        name = device.user.display_name
        if not hmac.compare_digest(device.public_key, signer):
            # Signed with the key of another student's enrolment on this device id:
            # someone writing into this student's record.
            report.refused += len(events)
            report.messages.append(
                f"Traces de {name} refusées : ce paquet n'est pas signé par l'ordinateur inscrit pour cet élève."
            )
            log.warning("sync: bundle section for %s signed by another key (device %s)", device.user.username, device_id)
            log_action(
                session, actor, "sync.refused", device.user.username,
                {"device": device_id, "source": "bundle", "reasons": {"other_key": len(events)}},
            )
            continue
        if device.revoked_at is not None:
            report.refused += len(events)
            report.messages.append(f"Traces de {name} refusées : cet ordinateur a été retiré pour cet élève.")
            continue
        # A USB key can travel for days: use the offset measured at the laptop's
        # last HTTP contact (its enrolment at least), not the bundle's age.
        offset = device.clock_offset
        for start in range(0, len(events), MAX_BATCH):
            result = receive_events(session, device, events[start : start + MAX_BATCH], offset=offset, now=now, source="bundle", uploaded_by=actor)
            report.new += result.new
            report.already += len(result.held) - result.new
            report.refused += len(result.refused)
        report.students.append(name)
    if actor is not None:
        log_action(session, actor, "sync.import_bundle", device_id, {"new": report.new, "refused": report.refused})
    return report


def state_bundle(
    session: Session, device: SyncDevice, modules: list[Module], key: signing.Ed25519PrivateKey, now: datetime | None = None
) -> bytes:
    """The reverse USB bundle for one laptop and student: roster, assignments, content, acknowledgements."""
    import base64

    now = now or utcnow()
    state = state_for(session, device.user, modules, with_password=False)
    held = session.scalars(
        select(LearningEvent.id).where(LearningEvent.device_id == device.device_id, LearningEvent.user_id == device.user_id)
    )
    published = {m["id"] for m in state["modules"]}
    archives = [
        base64.b64encode(module_archive(m, key)).decode() for m in modules if m.id in published
    ]
    document = {
        "created_at": format_time(now),
        "device": device.device_id,
        "state": state,
        "held": [str(i) for i in held],
        "archives": archives,
    }
    return signing.sign_document(key, "state", document, device=device.device_id, user=str(device.user.uuid))

