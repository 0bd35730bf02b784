"""Configuration of Lycée IA: one class per mode, read from the environment.

The mode is chosen by ``LYCEE_IA_MODE``:

- ``laptop`` (the default): SQLite file in a data folder, served on 127.0.0.1
  only, a secret key generated once and kept beside the database;
- ``server``: PostgreSQL through ``DATABASE_URL``, the secret key comes from the
  environment and the app refuses to start without it;
- ``test``: used by the test suite, everything passed in explicitly.

A wrong or missing setting raises :class:`ConfigError` whose message is one
sentence, in French (the people who read it are the Region's IT staff and
teachers), saying which setting is wrong and how to fix it. The command line
prints that sentence and exits; it never shows a traceback for it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import stat
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent
MODES = ("laptop", "server", "test")
SECRET_KEY_FILE = "secret_key"
DATABASE_FILE = "lycee-ia.sqlite3"


class ConfigError(Exception):
    """A setting is wrong or missing. The message says which and how to fix it."""


def _default_data_dir() -> Path:
    # platformdirs picks ~/.local/share on Linux, %LOCALAPPDATA% on Windows
    # (the Region's laptops), ~/Library/Application Support on macOS.
    from platformdirs import user_data_dir

    return Path(user_data_dir("lycee-ia", appauthor=False))


def _port(env: Mapping[str, str]) -> int:
    raw = env.get("PORT", "5000").strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(
            f"PORT vaut « {raw} » : indiquez un numéro de port entre 1 et 65535 "
            "(par exemple PORT=5000)."
        )
    return int(raw)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "oui", "on"):
        return True
    if value in ("0", "false", "no", "non", "off"):
        return False
    raise ConfigError(f"{name} vaut « {raw} » : indiquez 1 (oui) ou 0 (non).")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} vaut « {raw} » : indiquez un nombre entier supérieur ou égal à {minimum}.")
    return int(raw)


DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"


def _trusted_proxies(env: Mapping[str, str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """LYCEE_IA_TRUSTED_PROXIES: addresses or networks of the reverse proxies, comma-separated.

    ``0``, ``none`` or ``aucun``: no proxy, forwarded headers are never believed.
    """
    raw = env.get("LYCEE_IA_TRUSTED_PROXIES")
    if raw is None or raw.strip() == "":
        raw = DEFAULT_TRUSTED_PROXIES
    if raw.strip().lower() in ("0", "none", "aucun"):
        return ()
    networks = []
    for item in raw.split(","):
        item = item.strip()
        try:
            if item.isdigit():
                raise ValueError(item)
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"LYCEE_IA_TRUSTED_PROXIES contient « {item} », qui n'est pas une adresse IP ni un réseau : "
                "indiquez les adresses des mandataires inverses séparées par des virgules "
                "(par exemple LYCEE_IA_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8), ou 0 pour n'en croire aucun."
            ) from None
    return tuple(networks)


HOST_NAME_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def _allowed_hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = (env.get("LYCEE_IA_ALLOWED_HOSTS") or "").strip()
    if not raw:
        return ()
    hosts = []
    for item in raw.split(","):
        host = item.strip().lower()
        if not HOST_NAME_RE.match(host):
            raise ConfigError(
                f"LYCEE_IA_ALLOWED_HOSTS contient « {item.strip()} », qui n'est pas un nom d'hôte : "
                "indiquez les noms du serveur séparés par des virgules, sans port "
                "(par exemple LYCEE_IA_ALLOWED_HOSTS=lycee-ia.exemple.fr)."
            )
        hosts.append(host)
    return tuple(hosts)


def _courses_dir(env: Mapping[str, str]) -> Path:
    path = Path(env.get("LYCEE_IA_COURSES_DIR") or PROJECT_ROOT / "courses").expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"LYCEE_IA_COURSES_DIR désigne « {path} », qui n'est pas un dossier : "
            "indiquez le dossier courses/ qui contient les modules."
        )
    return path.resolve()


def _normalise_database_url(url: str) -> str:
    # Hosting panels hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


SYNC_ROLES = ("laptop", "server")


def _server_url(env: Mapping[str, str]) -> str | None:
    """The school server a laptop syncs with (LYCEE_IA_SERVER_URL), or None.

    Only an http(s) address with a host and no user name, password, query or
    fragment: the token travels in a header, never in the address.
    """
    raw = (env.get("LYCEE_IA_SERVER_URL") or "").strip()
    if not raw:
        return None
    from lycee_ia.sync.urls import ServerUrlError, normalise_server_url

    try:
        return normalise_server_url(raw)
    except ServerUrlError as error:
        raise ConfigError(f"LYCEE_IA_SERVER_URL vaut « {raw} » : {error}") from None


def _http_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    """An http(s) address with a host and no user name, password, query or fragment, or None."""
    import urllib.parse

    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.query or parts.fragment:
        raise ConfigError(
            f"{name} vaut « {raw} » : indiquez une adresse http(s) sans identifiant ni paramètres, "
            f"par exemple {name}={example}."
        )
    return raw.rstrip("/")


def _lrs_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The Learning Record Store that receives xAPI statements (lycee_ia/xapi), server mode only."""
    lrs_url = _http_url(env, "LYCEE_IA_LRS_URL", "https://lrs.region.fr")
    public_url = _http_url(env, "LYCEE_IA_PUBLIC_URL", "https://lycee-ia.region.fr")
    if lrs_url and not public_url:
        raise ConfigError(
            "LYCEE_IA_PUBLIC_URL manque : avec LYCEE_IA_LRS_URL, indiquez l'adresse publique de ce serveur "
            "(elle nomme les activités et les comptes dans les traces xAPI), par exemple "
            "LYCEE_IA_PUBLIC_URL=https://lycee-ia.region.fr."
        )
    username = env.get("LYCEE_IA_LRS_USERNAME") or ""
    password = env.get("LYCEE_IA_LRS_PASSWORD") or ""
    if bool(username) != bool(password):
        raise ConfigError(
            "LYCEE_IA_LRS_USERNAME et LYCEE_IA_LRS_PASSWORD vont ensemble : indiquez les deux, ou aucun."
        )
    return {
        "LRS_URL": lrs_url,
        "LRS_USERNAME": username or None,
        "LRS_PASSWORD": password or None,
        "PUBLIC_URL": public_url,
        "XAPI_QUEUE": lrs_url is not None,
        "XAPI_BATCH_SIZE": min(1000, _int(env, "LYCEE_IA_LRS_BATCH_SIZE", BaseConfig.XAPI_BATCH_SIZE, minimum=1)),
        "XAPI_INTERVAL": _int(env, "LYCEE_IA_LRS_INTERVAL", BaseConfig.XAPI_INTERVAL, minimum=1),
        "LRS_TIMEOUT": _int(env, "LYCEE_IA_LRS_TIMEOUT", BaseConfig.LRS_TIMEOUT, minimum=1),
    }


def _sync_role(env: Mapping[str, str], default: str) -> str:
    raw = (env.get("LYCEE_IA_SYNC_ROLE") or default).strip().lower()
    if raw not in SYNC_ROLES:
        raise ConfigError(
            f"LYCEE_IA_SYNC_ROLE vaut « {raw} » : indiquez laptop (cet ordinateur envoie ses traces "
            "au serveur du lycée) ou server (cette instance reçoit les traces des ordinateurs)."
        )
    return raw


def make_private(database: Path) -> None:
    """Create the laptop's SQLite file readable by its owner only, or tighten it.

    SQLite gives its -wal and -shm files the database file's permissions, so
    they follow. An empty file is a valid empty database.
    """
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if os.name != "posix":
            return
        for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
            try:
                if stat.S_IMODE(path.stat().st_mode) & 0o077:
                    os.chmod(path, 0o600)
            except FileNotFoundError:
                continue
            except PermissionError:
                # Not ours (a folder shared on purpose): leave it as its owner set it.
                continue
    except OSError as error:
        raise ConfigError(
            f"Impossible de créer la base de données « {database} » ({error.strerror}) : "
            "indiquez un dossier accessible en écriture avec LYCEE_IA_DATA_DIR."
        ) from None


def read_or_create_secret_key(data_dir: Path) -> str:
    """Return the laptop's secret key, creating it once with 0600 permissions."""
    path = data_dir / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            # The key is ours; readable by others it would let them forge sessions.
            os.chmod(path, 0o600)
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ConfigError(
                f"La clé secrète du fichier « {path} » est trop courte : "
                "supprimez ce fichier, une nouvelle clé sera créée au prochain démarrage."
            )
        return key
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


class BaseConfig:
    """Settings shared by every mode."""

    MODE = "base"
    SESSION_COOKIE_NAME = "lycee_ia_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # The session lasts 8 hours from sign-in (a school day): re-signing and
    # re-sending the cookie on every response would cost each page time and
    # bytes for nothing.
    SESSION_REFRESH_EACH_REQUEST = False
    # Large enough for a roster of 10,000 lines, small enough that a 10 MB
    # form field is refused before it is parsed.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 4 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead: a page left open all day still works
    # Sign-in throttling (lycee_ia/accounts/throttle.py): no hard lock, a
    # growing delay (30 s, 1 min, 2 min... up to 15 min) once an account has
    # failed LOGIN_MAX_FAILURES times, or an address LOGIN_ADDRESS_MAX_FAILURES
    # times (0: addresses are not counted). An account's failures count for
    # LOGIN_FAILURE_WINDOW (a success or a new password clears them), an
    # address's for an hour at most.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(hours=24)
    LOGIN_ADDRESS_MAX_FAILURES = 200
    # Direct peers whose X-Forwarded-For/-Proto/-Host headers are believed.
    TRUSTED_PROXIES: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Strict-Transport-Security on every response (server mode, behind HTTPS).
    HSTS = False
    # Laptop mode: answer only requests addressed to 127.0.0.1, localhost or
    # [::1] (a page of another site resolved to 127.0.0.1 by DNS rebinding is refused).
    LOOPBACK_HOSTS_ONLY = False
    # Server mode, optional: the host names this instance answers to.
    ALLOWED_HOSTS: tuple[str, ...] = ()
    DEMO_ALLOWED = True
    SQLALCHEMY_ECHO = False
    # gzip for pages, the stylesheet and scripts when the browser accepts it
    # (lycee_ia/compression.py); LYCEE_IA_COMPRESS=0 leaves it to a proxy.
    COMPRESS = True
    # Sync (lycee_ia/sync): which side this instance plays, the laptop's server,
    # the background sync's rhythm (seconds) and the events sent per request.
    SYNC_ROLES: frozenset[str] = frozenset()
    SERVER_URL: str | None = None
    SYNC_INTERVAL = 300
    SYNC_BACKGROUND = True
    SYNC_BATCH_SIZE = 500
    SYNC_TIMEOUT = 20
    # Server side: what one enrolled laptop (per student) may push. A student
    # makes a few hundred events a day; a laptop back after a month offline
    # sends a few thousand at once, in requests of 500. The daily caps count
    # NEW events only (a resent event costs nothing) and the bytes received.
    SYNC_PUSHES_PER_MINUTE = 30
    SYNC_NEW_EVENTS_PER_DAY = 20_000
    SYNC_BYTES_PER_DAY = 100 * 1024 * 1024
    # xAPI (lycee_ia/xapi): the Learning Record Store that receives statements
    # (server mode only: laptops' events reach it through the server), this
    # server's public address (it names activities and accounts), whether new
    # events are queued for the LRS, statements per POST, seconds between
    # forwarding rounds when the queue is empty.
    LRS_URL: str | None = None
    LRS_USERNAME: str | None = None
    LRS_PASSWORD: str | None = None
    LRS_TIMEOUT = 30
    PUBLIC_URL: str | None = None
    XAPI_QUEUE = False
    XAPI_BATCH_SIZE = 200
    XAPI_INTERVAL = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings["COURSES_DIR"] = _courses_dir(env)
        settings["COMPRESS"] = _bool(env, "LYCEE_IA_COMPRESS", cls.COMPRESS)
        settings.update(
            SYNC_PUSHES_PER_MINUTE=_int(env, "LYCEE_IA_SYNC_PUSHES_PER_MINUTE", cls.SYNC_PUSHES_PER_MINUTE, minimum=1),
            SYNC_NEW_EVENTS_PER_DAY=_int(env, "LYCEE_IA_SYNC_NEW_EVENTS_PER_DAY", cls.SYNC_NEW_EVENTS_PER_DAY, minimum=1),
            SYNC_BYTES_PER_DAY=_int(env, "LYCEE_IA_SYNC_BYTES_PER_DAY", cls.SYNC_BYTES_PER_DAY, minimum=1),
        )
        return settings


class LaptopConfig(BaseConfig):
    """Embedded default: one laptop, SQLite, loopback only, no network needed."""

    MODE = "laptop"
    HOST = "127.0.0.1"
    # Everyone on a laptop is 127.0.0.1: counting addresses would let one
    # person's mistakes delay every account of the laptop.
    LOGIN_ADDRESS_MAX_FAILURES = 0
    LOOPBACK_HOSTS_ONLY = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        settings = super().from_env(env)
        data_dir = Path(env.get("LYCEE_IA_DATA_DIR") or _default_data_dir()).expanduser()
        try:
            # Owner only: the database holds the students' work, password hashes
            # and sync tokens (the mode applies to a folder made now, not to its parents).
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise ConfigError(
                f"Impossible de créer le dossier de données « {data_dir} » ({error.strerror}) : "
                "indiquez un dossier accessible en écriture avec LYCEE_IA_DATA_DIR."
            ) from None
        host = env.get("LYCEE_IA_HOST", cls.HOST)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConfigError(
                f"LYCEE_IA_HOST vaut « {host} », mais le mode ordinateur portable n'écoute que sur "
                "l'ordinateur lui-même : retirez ce réglage, ou passez en mode serveur (LYCEE_IA_MODE=server)."
            )
        if (env.get("LYCEE_IA_LRS_URL") or "").strip():
            raise ConfigError(
                "LYCEE_IA_LRS_URL est indiqué, mais un ordinateur portable n'envoie jamais de traces à "
                "l'entrepôt xAPI : elles y arrivent par le serveur du lycée. Retirez ce réglage."
            )
        if not env.get("DATABASE_URL"):
            make_private(data_dir / DATABASE_FILE)
        settings.update(
            DATA_DIR=data_dir.resolve(),
            HOST=host,
            PORT=_port(env),
            DATABASE_URL=_normalise_database_url(
                env.get("DATABASE_URL") or f"sqlite:///{data_dir.resolve() / DATABASE_FILE}"
            ),
            SECRET_KEY=read_or_create_secret_key(data_dir),
            SERVER_URL=_server_url(env),
            SYNC_ROLES=frozenset({_sync_role(env, "laptop")}),
            SYNC_INTERVAL=_int(env, "LYCEE_IA_SYNC_INTERVAL", cls.SYNC_INTERVAL, minimum=1),
            SYNC_BACKGROUND=_bool(env, "LYCEE_IA_SYNC_BACKGROUND", True),
            SYNC_BATCH_SIZE=min(500, _int(env, "LYCEE_IA_SYNC_BATCH_SIZE", cls.SYNC_BATCH_SIZE, minimum=1)),
        )
        return settings


class ServerConfig(BaseConfig):
    """A school's or the Region's server: PostgreSQL, behind a reverse proxy."""

    MODE = "server"
    # Behind its reverse proxy on the same machine; LYCEE_IA_HOST (or
    # ``lycee-ia serve --host``) to listen elsewhere.
    HOST = "127.0.0.1"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    DEMO_ALLOWED = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        settings = super().from_env(env)
        url = (env.get("DATABASE_URL") or "").strip()
        if not url:
            raise ConfigError(
                "DATABASE_URL manque : en mode serveur, indiquez la base PostgreSQL, par exemple "
                "DATABASE_URL=postgresql://lycee_ia@localhost/lycee_ia."
            )
        url = _normalise_database_url(url)
        if not url.startswith("postgresql+"):
            raise ConfigError(
                f"DATABASE_URL commence par « {url.split(':', 1)[0]} » : en mode serveur, "
                "indiquez une base PostgreSQL (postgresql://utilisateur@hôte/base)."
            )
        secret = env.get("SECRET_KEY", "")
        if len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY manque ou fait moins de 32 caractères : en mode serveur, définissez-la, "
                'par exemple avec SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))").'
            )
        settings.update(
            HOST=env.get("LYCEE_IA_HOST", cls.HOST),
            PORT=_port(env),
            DATABASE_URL=url,
            SECRET_KEY=secret,
            SESSION_COOKIE_SECURE=_bool(env, "LYCEE_IA_SECURE_COOKIES", True),
            REMEMBER_COOKIE_SECURE=_bool(env, "LYCEE_IA_SECURE_COOKIES", True),
            TRUSTED_PROXIES=_trusted_proxies(env),
            ALLOWED_HOSTS=_allowed_hosts(env),
            LOGIN_ADDRESS_MAX_FAILURES=_int(
                env, "LYCEE_IA_LOGIN_ADDRESS_MAX_FAILURES", cls.LOGIN_ADDRESS_MAX_FAILURES
            ),
            DEMO_ALLOWED=_bool(env, "LYCEE_IA_ALLOW_DEMO", False),
            SYNC_ROLES=frozenset({"server"}),
        )
        settings.update(_lrs_settings(env))
        return settings


class TestConfig(BaseConfig):
    """The test suite's mode: every path and URL is given by the tests."""

    MODE = "test"
    TESTING = True
    HOST = "127.0.0.1"
    PORT = 0
    # The suite plays both sides: laptops and the server, each a separate app.
    SYNC_ROLES = frozenset({"laptop", "server"})
    SYNC_BACKGROUND = False
    PUBLIC_URL = "https://lycee-ia.test"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        settings = super().from_env(env)
        settings.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 32)
        return settings


CONFIGS: dict[str, type[BaseConfig]] = {
    "laptop": LaptopConfig,
    "server": ServerConfig,
    "test": TestConfig,
}


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the settings of the mode named by ``LYCEE_IA_MODE``."""
    env = os.environ if env is None else env
    mode = (env.get("LYCEE_IA_MODE") or "laptop").strip().lower()
    if mode not in CONFIGS:
        raise ConfigError(
            f"LYCEE_IA_MODE vaut « {mode} » : indiquez laptop (ordinateur portable, par défaut) "
            "ou server (serveur d'établissement ou de la Région)."
        )
    return CONFIGS[mode].from_env(env)
