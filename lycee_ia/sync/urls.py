"""The address of the school server, as a laptop stores it.

The laptop is the only side that ever opens a connection; the server never
fetches an address a client sends it (no SSRF). An address is accepted only
as ``http(s)://host[:port][/path]``: no user name or password in it (the
token travels in a header), no query, no fragment. ``https://`` is required
except for a server on this very machine (loopback): over plain HTTP anyone on
the network path would read the student's password and could answer in the
server's place.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

MAX_URL_LENGTH = 300


class ServerUrlError(ValueError):
    """The address is not usable; the message (French) says why."""


def normalise_server_url(raw: str) -> str:
    """Return ``raw`` as ``scheme://host[:port][/path]`` without a trailing slash."""
    raw = (raw or "").strip()
    if not raw:
        raise ServerUrlError("indiquez l'adresse du serveur, par exemple https://lycee-ia.mon-lycee.fr.")
    if len(raw) > MAX_URL_LENGTH:
        raise ServerUrlError(f"l'adresse dépasse {MAX_URL_LENGTH} caractères.")
    if any(ord(char) < 33 or char in "\\\"'<>" for char in raw):
        raise ServerUrlError("l'adresse contient des espaces ou des caractères interdits.")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ServerUrlError("l'adresse n'est pas valide (vérifiez le numéro de port).") from None
    if parts.scheme not in ("http", "https"):
        raise ServerUrlError("l'adresse doit commencer par https://.")
    if not parts.hostname:
        raise ServerUrlError("l'adresse ne contient pas de nom de serveur.")
    if parts.username or parts.password:
        raise ServerUrlError("l'adresse ne doit contenir ni identifiant ni mot de passe.")
    if parts.query or parts.fragment:
        raise ServerUrlError("l'adresse ne doit contenir ni « ? » ni « # ».")
    host = parts.hostname
    if parts.scheme == "http" and not is_loopback(host):
        raise ServerUrlError(
            "l'adresse doit commencer par https:// : sans chiffrement, le mot de passe pourrait être lu "
            "ou la réponse falsifiée en chemin."
        )
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine (``localhost``, 127.0.0.0/8, ``::1``)?"""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
