"""Security basics applied to every response: CSRF, headers, caching, proxies, Host."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

HSTS = "max-age=31536000; includeSubDomains"
SYNC_API_PREFIX = "/api/sync/"
LOOPBACK_HOST_RE = re.compile(r"^(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?$", re.IGNORECASE)
HOST_RE = re.compile(r"^(?P<name>[^:\[\]]+|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$")

# Every asset is served by the app itself: no CDN, no font or script from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = TrustedProxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    app.before_request(_check_host)
    app.after_request(_set_headers)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """Believe X-Forwarded-For, -Proto and -Host only from the configured proxies.

    When the direct peer (REMOTE_ADDR) is one of ``networks``, the client is
    the right-most address of X-Forwarded-For that is not itself a trusted
    proxy (the addresses on its left were written by whoever sent the
    request, and may be invented); the scheme and host are the nearest
    proxy's. From any other peer, the headers are ignored: a client that
    reaches the app directly cannot pick the address the throttle counts.
    """

    def __init__(self, app, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    def trusted(self, address: str) -> bool:
        ip = _ip(address)
        if ip is None:
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip.version == network.version and ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR", "")):
            forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
            client = None
            for address in reversed(forwarded):
                if _ip(address) is None:
                    break
                client = address
                if not self.trusted(address):
                    break
            if client is not None:
                environ["lycee_ia.proxy_peer"] = environ.get("REMOTE_ADDR")
                environ["REMOTE_ADDR"] = str(_ip(client))
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
            if host:
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)


def _bad_host(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


def _check_host() -> Response | None:
    """Laptop: only 127.0.0.1, localhost or [::1]. Server: the ALLOWED_HOSTS, when set.

    A request without Host (HTTP/1.0) is answered: a browser always sends
    one, so DNS rebinding cannot do without it.
    """
    host = request.environ.get("HTTP_HOST")
    if host is None:
        return None
    config = current_app.config
    if config.get("LOOPBACK_HOSTS_ONLY") and not LOOPBACK_HOST_RE.match(host):
        return _bad_host(
            "Adresse refusée : sur cet ordinateur, ouvrez Lycée IA à l'adresse http://127.0.0.1 "
            "(ou http://localhost) suivie de son numéro de port."
        )
    allowed = config.get("ALLOWED_HOSTS")
    if allowed:
        match = HOST_RE.match(host)
        if match is None or match.group("name").lower() not in allowed:
            return _bad_host("Adresse refusée : ce serveur ne répond pas sous ce nom.")
    return None


def _set_headers(response: Response) -> Response:
    headers = response.headers
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith(SYNC_API_PREFIX):
        # Tokens, rosters and students' work: never kept by a cache on the way.
        headers["Cache-Control"] = "no-store"
        return response
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint == "static" or request.endpoint and request.endpoint.endswith(".static"):
        return response
    # Pages with personal data must not stay in a shared laptop's cache.
    # A view that serves public, versioned files (module media) says so.
    if g.get("cacheable"):
        return response
    if g.get("personal_data") or current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response
