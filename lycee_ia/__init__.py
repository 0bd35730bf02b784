"""Lycée IA: a learning platform for the reasoned use of digital tools and AI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Without ``test_config`` the settings come from the environment (see
    ``config.py``); with it, the test mode's defaults are updated from that
    mapping. The factory binds extensions and blueprints and nothing else: it
    does not migrate, prompt or reach the network.
    """
    from config import TestConfig, load_config

    app = Flask(__name__)
    if test_config is None:
        app.config.update(load_config())
    else:
        app.config.update(TestConfig.from_env({}))
        app.config.update(test_config)

    from lycee_ia import (
        accounts,
        admin,
        compression,
        content,
        errors,
        main,
        quiz,
        routing,
        security,
        sync,
        teaching,
        templating,
        xapi,
    )
    from lycee_ia.db import db

    routing.init_app(app)
    # Registered first, so that it runs last: it compresses the finished answer.
    compression.init_app(app)
    db.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    accounts.init_app(app)
    admin.init_app(app)
    content.init_app(app)
    main.init_app(app)
    quiz.init_app(app)
    teaching.init_app(app)
    sync.init_app(app)
    xapi.init_app(app)

    from lycee_ia import cli

    cli.init_app(app)
    return app
