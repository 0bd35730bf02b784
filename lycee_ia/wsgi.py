"""WSGI entry point for server mode: ``gunicorn lycee_ia.wsgi:app``."""

import sys

from config import ConfigError
from lycee_ia import create_app

try:
    app = create_app()
except ConfigError as error:
    print(f"Erreur de configuration : {error}", file=sys.stderr)
    sys.exit(4)  # gunicorn stops instead of restarting the worker forever
