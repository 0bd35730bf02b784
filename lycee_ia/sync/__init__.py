"""Offline laptops that sync with the school server (DESIGN points 2, 4 and 6).

Events are an append-only log named by UUIDs, so sync is a set union: the
laptop pushes what the server has not acknowledged, and pulls the roster, the
assignments and the module versions, over HTTP (``/api/sync/v1/``) or through
a signed file carried on a USB key. See docs/ARCHITECTURE.md, "Sync".
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lycee_ia.sync import cli, laptop  # noqa: F401  laptop queues new events of enrolled students
    from lycee_ia.templating import register_nav

    roles = app.config.get("SYNC_ROLES") or frozenset()
    if "server" in roles:
        from lycee_ia.sync import api, server_routes
        from lycee_ia.security import csrf

        csrf.exempt(api.bp)  # token-authenticated JSON API: no cookie, no CSRF
        app.register_blueprint(api.bp)
        app.register_blueprint(server_routes.bp)
        register_nav(app, "sync_server.devices", "Ordinateurs", {"enseignant", "admin"}, order=60)
    if "laptop" in roles:
        from lycee_ia.sync import laptop_routes

        app.register_blueprint(laptop_routes.bp)
        app.context_processor(lambda: {"sync_enrol_available": True})
        register_nav(app, "sync_laptop.status", "Synchronisation", {"eleve"}, order=70)
        if "server" not in roles:
            app.register_blueprint(laptop_routes.elsewhere_bp)
    app.cli.add_command(cli.sync)
