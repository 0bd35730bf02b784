"""gzip for text answers (pages, the stylesheet, scripts, figures) when the browser accepts it.

A page and the stylesheet weigh about a third once compressed: it counts on a
phone's network and in the EcoIndex of every page. The app compresses by
itself, so a laptop (no proxy) gets it too; a server's proxy may do it
instead (``LYCEE_IA_COMPRESS=0``). Static files are compressed once per
process and version, pages on every answer (a few tenths of a millisecond).
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

COMPRESSIBLE = frozenset({"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"})
# Below this, the gzip header and the CPU cost more than they save.
MIN_SIZE = 600
LEVEL = 6
_static: dict[tuple[str, str], bytes] = {}
_STATIC_KEPT = 256


def init_app(app: Flask) -> None:
    if app.config.get("COMPRESS", True):
        app.after_request(compress)


def _wanted(response: Response) -> bool:
    return (
        response.status_code in (200, 400, 403, 404, 409, 429, 500)
        and response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and "Content-Range" not in response.headers
        and request.accept_encodings["gzip"] > 0
    )


def compress(response: Response) -> Response:
    if not _wanted(response):
        return response
    static = response.direct_passthrough  # a file sent by send_file (the static folders, module media)
    if response.is_streamed and not static:
        return response  # generated as it goes (exports): left alone
    etag, _weak = response.get_etag()
    key = (request.path, etag or "")
    body = _static.get(key) if static and etag else None
    if body is None:
        if static:
            response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = gzip.compress(data, compresslevel=LEVEL, mtime=0)
        if static and etag:
            if len(_static) >= _STATIC_KEPT:
                _static.clear()
            _static[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if etag:
        # Another representation, another tag (RFC 9110, 8.8.3).
        response.set_etag(f"{etag}-gzip", weak=_weak)
    return response
