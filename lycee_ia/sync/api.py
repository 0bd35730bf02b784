"""``/api/sync/v1/``: the JSON API laptops call. Thin views over sync.server.

Every endpoint but ``enrol`` needs ``Authorization: Bearer <device token>``.
Bodies may be gzip-compressed; they are read with size limits, and any bad
input gets a JSON error (``{"error", "code", "message"}``), never a 500.
The server only answers: it never opens a connection to an address a
client gives it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from lycee_ia.content.catalogue import get_catalogue
from lycee_ia.db import db, utcnow
from lycee_ia.sync import quota, server, signing, wire
from lycee_ia.sync.server import MAX_BATCH, SyncError
from lycee_ia.sync.urls import is_loopback
from lycee_ia.sync.wire import format_time, parse_time

bp = Blueprint("sync_api", __name__, url_prefix="/api/sync/v1")

MAX_BODY = 8 * 1024 * 1024  # after decompression: 500 events of 16 KB


@bp.errorhandler(SyncError)
def _sync_error(error: SyncError):
    db.session.rollback()
    if error.status in (400, 401, 403):
        current_app.logger.info("sync API refused (%s): %s", error.code, request.path)
    response = jsonify(error=error.code, code=error.code, message=error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, error.status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    # MAX_CONTENT_LENGTH (the body as sent, compressed or not) applies before anything is read.
    db.session.rollback()
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = f"Corps de requête trop volumineux (au plus {limit // (1024 * 1024)} Mo) : envoyez moins d'évènements à la fois."
    return jsonify(error="too_large", code="too_large", message=message), 413


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=False)  # MAX_CONTENT_LENGTH applies first
    g.sync_body_bytes = len(raw)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            raw = signing.gunzip_limited(raw, MAX_BODY)
        except signing.SignatureError:
            raise SyncError("Corps de requête compressé illisible ou trop volumineux.", 400, "bad_body") from None
        g.sync_body_bytes = len(raw)
    elif len(raw) > MAX_BODY:
        raise SyncError("Corps de requête trop volumineux.", 413, "too_large")
    try:
        body = wire.loads(raw)
    except (ValueError, RecursionError):
        raise SyncError(
            "Corps de requête JSON illisible (NaN et Infinity ne sont pas des nombres JSON).", 400, "bad_json"
        ) from None
    if not isinstance(body, dict):
        raise SyncError("Le corps de la requête doit être un objet JSON.", 400, "bad_json")
    return body


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def _device():
    return server.authenticate_device(db.session, _token())


def _laptop_time(raw: Any):
    try:
        return parse_time(raw) if raw else None
    except ValueError:
        raise SyncError("Heure de l'ordinateur illisible (sent_at).", 400, "bad_time") from None


def _string(body: dict, key: str, maximum: int) -> str:
    value = body.get(key)
    if not isinstance(value, str) or len(value) > maximum:
        raise SyncError(f"Champ « {key} » manquant ou invalide.", 400, f"bad_{key}")
    return value


def _private_channel() -> bool:
    """Is this request encrypted (https, as the reverse proxy says) or made on this very machine?

    Only then does the state carry the password verifier: over plain HTTP on a
    network, anyone on the path would read it.
    """
    if request.is_secure:
        return True
    host = request.host.rsplit(":", 1)[0].strip("[]") if not request.host.endswith("]") else request.host.strip("[]")
    return is_loopback(request.remote_addr or "") and is_loopback(host)


@bp.post("/enrol")
def enrol():
    body = _body()
    now = utcnow()
    try:
        device, token = _enrol(body, now)
    except SyncError as error:
        if error.code == "bad_credentials":
            db.session.commit()  # the failure counts towards throttling, as on the login form
        raise
    state = server.state_for(db.session, device.user, get_catalogue().modules.values(), with_password=_private_channel())
    server_key = signing.public_key_hex(signing.signing_key(current_app.config["SECRET_KEY"]))
    db.session.commit()
    return jsonify(token=token, server_key=server_key, state=state, server_time=format_time(now))


def _enrol(body: dict[str, Any], now):
    return server.enrol_device(
        db.session,
        username=_string(body, "username", 255),
        password=_string(body, "password", 200),
        address=request.remote_addr,
        device_id=_string(body, "device_id", 64),
        public_key=_string(body, "public_key", 64),
        label=_string(body, "label", 100) if body.get("label") is not None else "",
        laptop_now=_laptop_time(body.get("laptop_time")),
        now=now,
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        window=current_app.config["LOGIN_FAILURE_WINDOW"],
    )


@bp.post("/withdraw")
def withdraw():
    """The laptop refused the answer to its enrolment: the enrolment is withdrawn (see server.withdraw_enrolment)."""
    device = _device()
    server.withdraw_enrolment(db.session, device)
    db.session.commit()
    return jsonify(withdrawn=True, server_time=format_time(utcnow()))


@bp.post("/events")
def push():
    device = _device()
    now = utcnow()
    try:
        quota.start_push(db.session, device, current_app.config, now)
    except quota.QuotaExceeded as exceeded:
        current_app.logger.warning("sync API: quota reached by device %s (%s)", device.device_id, device.user.username)
        raise SyncError(exceeded.message, 429, "quota", retry_after=exceeded.retry_after) from None
    db.session.commit()  # the push counts, even if its body turns out bad
    try:
        body = _body()
    finally:
        if g.get("sync_body_bytes"):
            quota.count_bytes(db.session, device, g.sync_body_bytes)
            db.session.commit()
    events = body.get("events")
    if not isinstance(events, list):
        raise SyncError("Champ « events » manquant : une liste d'évènements.", 400, "bad_events")
    if len(events) > MAX_BATCH:
        raise SyncError(f"Au plus {MAX_BATCH} évènements par requête.", 413, "batch_too_large")
    offset = server.measure_offset(_laptop_time(body.get("sent_at")), now)
    device.clock_offset = offset
    result = server.receive_events(db.session, device, events, offset=offset, now=now)
    quota.count_new_events(db.session, device, result.new)
    db.session.commit()
    # Answered only after the commit: "held" means held.
    return jsonify(held=result.held, refused=result.refused, new=result.new, server_time=format_time(now))


@bp.get("/state")
def state():
    device = _device()
    cursor = request.args.get("cursor", "")[:64]
    now = utcnow()
    laptop_now = _laptop_time(request.args.get("sent_at"))
    if laptop_now is not None:
        device.clock_offset = server.measure_offset(laptop_now, now)
    # The password verifier: only over a private channel, to the laptop that signed with its key.
    proved = server.device_proved_key(device, _token() or "", request.args.get("sent_at", "")[:64], request.headers.get(signing.PROOF_HEADER))
    current = server.state_for(
        db.session, device.user, get_catalogue().modules.values(), with_password=_private_channel() and proved
    )
    db.session.commit()
    if cursor and cursor == current["cursor"]:
        return jsonify(changed=False, cursor=cursor, server_time=format_time(now))
    return jsonify(changed=True, server_time=format_time(now), **current)


@bp.get("/modules/<module_id>/<version>")
def module_archive(module_id: str, version: str):
    _device()
    db.session.commit()
    module = get_catalogue().modules.get(module_id)
    if module is None or module.version != version or module.audience != "eleve":
        raise SyncError("Cette version de module n'est pas publiée par ce serveur.", 404, "no_such_module")
    cache = current_app.extensions.setdefault("lycee_ia.sync_archives", {})
    key = (module.id, module.version, module.content_hash)
    data = cache.get(key)
    if data is None:
        data = server.module_archive(module, signing.signing_key(current_app.config["SECRET_KEY"]))
        cache[key] = data
    return Response(data, mimetype="application/octet-stream")
