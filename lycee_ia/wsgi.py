"""WSGI entry point for server mode: ``gunicorn lycee_ia.wsgi:app``."""

import sys

from config import ConfigError
from lycee_ia import create_app

try:
    app = create_app()
except ConfigError as error:
    print(f"Erreur de configuration : {error}", file=sys.stderr)
    sys.exit(4)  # gunicorn stops instead of restarting the worker forever

# Each worker builds the catalogue as it starts (here, not in the factory), so
# that no request, such as a laptop's sync, waits seconds for the first build.
from lycee_ia.content.catalogue import get_catalogue  # noqa: E402

get_catalogue(app)

# Server mode with an LRS: each worker runs the xAPI forwarder; an advisory
# lock in PostgreSQL lets one of them send at a time.
from lycee_ia.xapi.forwarder import start_forwarder  # noqa: E402

start_forwarder(app)
