"""The laptop's HTTP client for the server's sync API (standard library only).

Redirects are not followed (a token must not be replayed to another address),
answers are read with a size limit, and every failure becomes one of two
exceptions: :class:`ServerUnreachable` (try again later, with backoff) or
:class:`ServerRefused` (the server answered no; the message says why).
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any

from lycee_ia.sync.signing import PROOF_HEADER, proof_message

API = "/api/sync/v1"
MAX_JSON_ANSWER = 16 * 1024 * 1024
MAX_ARCHIVE = 40 * 1024 * 1024


class ServerUnreachable(Exception):
    """No usable answer (network down, timeout, server error, server busy): try again later.

    ``retry_after`` is the wait in seconds the server asked for (429), if any.
    """

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerRefused(Exception):
    """The server refused the request; ``message`` is French, ``code`` a stable token."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class SyncClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.bytes_sent = 0
        self._lock = threading.Lock()

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, limit: int, extra: dict[str, str] | None = None
    ) -> tuple[bytes, str]:
        headers = {"Accept": "application/json", "User-Agent": "lycee-ia-laptop", **(extra or {})}
        data = None
        if body is not None:
            data = gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=5, mtime=0)
            headers["Content-Type"] = "application/json"
            headers["Content-Encoding"] = "gzip"
            with self._lock:  # pushes may run in two threads
                self.bytes_sent += len(data)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"{self.base_url}{API}{path}", data=data, method=method, headers=headers)
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                payload = response.read(limit + 1)
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            self._raise_for(error)
        except (TimeoutError, socket.timeout):
            raise ServerUnreachable("Serveur injoignable : il n'a pas répondu à temps.") from None
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise ServerUnreachable("Serveur injoignable : il n'a pas répondu à temps.") from None
            raise ServerUnreachable("Serveur injoignable : aucune réponse à cette adresse pour le moment.") from None
        if len(payload) > limit:
            raise ServerUnreachable("Réponse du serveur trop volumineuse.")
        return payload, content_type

    @staticmethod
    def _raise_for(error: urllib.error.HTTPError) -> None:
        try:
            body = json.loads(error.read(65536) or b"{}")
        except (ValueError, OSError):
            body = {}
        message = body.get("message") if isinstance(body, dict) else None
        code = body.get("code") if isinstance(body, dict) else None
        if error.code == 429 and code != "throttled":
            # Over the server's rate or daily quota: nothing is wrong with the events, send them later.
            try:
                retry_after = int(error.headers.get("Retry-After", ""))
            except (TypeError, ValueError):
                retry_after = None
            raise ServerUnreachable(
                message or "Le serveur est occupé : les traces partiront plus tard.", retry_after=retry_after
            ) from None
        if error.code >= 500 or error.code in (404, 405, 408) and not code:
            raise ServerUnreachable(f"Le serveur ne répond pas correctement (erreur {error.code}).") from None
        raise ServerRefused(message or f"Le serveur a refusé la demande (erreur {error.code}).", code or "refused", error.code) from None

    def _json(
        self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        payload, _ = self._request(method, path, body, MAX_JSON_ANSWER, headers)
        try:
            answer = json.loads(payload)
        except ValueError:
            raise ServerUnreachable("Réponse du serveur illisible : est-ce bien l'adresse du serveur Lycée IA ?") from None
        if not isinstance(answer, dict):
            raise ServerUnreachable("Réponse du serveur illisible.")
        return answer

    def enrol(self, **fields: Any) -> dict[str, Any]:
        return self._json("POST", "/enrol", fields)

    def withdraw(self) -> dict[str, Any]:
        """Give up the enrolment this token stands for (the laptop refused the server's answer)."""
        return self._json("POST", "/withdraw", {})

    def push(self, events: list[dict[str, Any]], sent_at: str) -> dict[str, Any]:
        return self._json("POST", "/events", {"sent_at": sent_at, "events": events})

    def state(self, cursor: str | None, sent_at: str, key: Any = None) -> dict[str, Any]:
        """The student's state; with the laptop's key, a proof that lets the server include the password verifier."""
        from urllib.parse import urlencode

        query = urlencode({"cursor": cursor or "", "sent_at": sent_at})
        headers = {}
        if key is not None and self.token:
            headers[PROOF_HEADER] = key.sign(proof_message(self.token, sent_at)).hex()
        return self._json("GET", f"/state?{query}", headers=headers)

    def module_archive(self, module_id: str, version: str) -> bytes:
        from urllib.parse import quote

        payload, _ = self._request("GET", f"/modules/{quote(module_id, safe='')}/{quote(version, safe='')}", None, MAX_ARCHIVE)
        return payload
