"""Configuration: laptop defaults, server requirements, one clear sentence on error."""

import os
import stat
import subprocess
import sys

import pytest

from config import ConfigError, load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_laptop_mode_is_the_default_and_binds_loopback(tmp_path):
    settings = load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})
    assert settings["MODE"] == "laptop"
    assert settings["HOST"] == "127.0.0.1"
    assert settings["PORT"] == 5000
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'lycee-ia.sqlite3'}"
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_port_comes_from_the_environment(tmp_path):
    assert load_config({"LYCEE_IA_DATA_DIR": str(tmp_path), "PORT": "8123"})["PORT"] == 8123


def test_laptop_secret_key_is_made_once_with_owner_only_permissions(tmp_path):
    first = load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert first == second and len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_secret_key_readable_by_others_is_tightened(tmp_path):
    load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    key_file.chmod(0o644)
    load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_laptop_database_is_readable_by_its_owner_only(tmp_path):
    from sqlalchemy import text

    from lycee_ia.db import make_engine

    data_dir = tmp_path / "donnees"
    settings = load_config({"LYCEE_IA_DATA_DIR": str(data_dir)})
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    engine = make_engine(settings["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    files = sorted(p.name for p in data_dir.iterdir())
    assert "lycee-ia.sqlite3-wal" in files
    for name in files:
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    engine.dispose()
    # A database made readable by others (a copy, an old version) is tightened at start.
    (data_dir / "lycee-ia.sqlite3").chmod(0o644)
    load_config({"LYCEE_IA_DATA_DIR": str(data_dir)})
    assert stat.S_IMODE((data_dir / "lycee-ia.sqlite3").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"LYCEE_IA_MODE": "cloud"}, "LYCEE_IA_MODE"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LYCEE_IA_HOST": "0.0.0.0"}, "LYCEE_IA_HOST"),
        ({"LYCEE_IA_MODE": "server"}, "DATABASE_URL"),
        ({"LYCEE_IA_MODE": "server", "DATABASE_URL": "postgresql://x@h/db"}, "SECRET_KEY"),
        ({"LYCEE_IA_MODE": "server", "DATABASE_URL": "postgresql://x@h/db", "SECRET_KEY": "court"}, "SECRET_KEY"),
        ({"LYCEE_IA_MODE": "server", "DATABASE_URL": "mysql://x@h/db", "SECRET_KEY": "k" * 40}, "DATABASE_URL"),
        ({"LYCEE_IA_COURSES_DIR": "/nulle/part"}, "LYCEE_IA_COURSES_DIR"),
        ({"LYCEE_IA_SERVER_URL": "ftp://lycee.fr"}, "LYCEE_IA_SERVER_URL"),
        ({"LYCEE_IA_SERVER_URL": "https://eleve:secret@lycee.fr"}, "LYCEE_IA_SERVER_URL"),
        ({"LYCEE_IA_SERVER_URL": "https://lycee.fr/?next=http://ailleurs"}, "LYCEE_IA_SERVER_URL"),
        ({"LYCEE_IA_SERVER_URL": "https://lycee.fr:99999"}, "LYCEE_IA_SERVER_URL"),
        ({"LYCEE_IA_SYNC_ROLE": "les-deux"}, "LYCEE_IA_SYNC_ROLE"),
        ({"LYCEE_IA_SYNC_INTERVAL": "souvent"}, "LYCEE_IA_SYNC_INTERVAL"),
    ],
)
def test_a_wrong_setting_names_itself(tmp_path, env, fragment):
    with pytest.raises(ConfigError) as error:
        load_config({"LYCEE_IA_DATA_DIR": str(tmp_path), **env})
    message = str(error.value)
    assert fragment in message
    assert message.count("\n") == 0


def test_a_laptop_keeps_its_server_address_normalised(tmp_path):
    settings = load_config({"LYCEE_IA_DATA_DIR": str(tmp_path), "LYCEE_IA_SERVER_URL": " https://Lycee-IA.mon-lycee.fr/ "})
    assert settings["SERVER_URL"] == "https://lycee-ia.mon-lycee.fr"
    assert settings["SYNC_ROLES"] == frozenset({"laptop"})
    assert load_config({"LYCEE_IA_DATA_DIR": str(tmp_path)})["SERVER_URL"] is None


def test_server_mode_takes_postgres_and_the_secret_from_the_environment():
    settings = load_config(
        {"LYCEE_IA_MODE": "server", "DATABASE_URL": "postgres://lycee@db/lycee", "SECRET_KEY": "s" * 64}
    )
    assert settings["DATABASE_URL"] == "postgresql+psycopg://lycee@db/lycee"
    assert settings["SECRET_KEY"] == "s" * 64
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["DEMO_ALLOWED"] is False


def _run_cli(args, env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_") and k not in ("DATABASE_URL", "SECRET_KEY", "PORT")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "lycee_ia", *args], capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=60
    )


def test_the_command_line_prints_one_sentence_and_no_traceback(tmp_path):
    result = _run_cli(["db", "upgrade"], {"LYCEE_IA_MODE": "server", "LYCEE_IA_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[0]] and lines[0].startswith("Erreur de configuration : DATABASE_URL manque")


def test_demo_is_refused_in_server_mode_without_the_flag(tmp_path):
    # Refused before the database is reached: the URL need not answer.
    result = _run_cli(
        ["demo"],
        {"LYCEE_IA_MODE": "server", "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "SECRET_KEY": "s" * 64},
    )
    assert result.returncode == 1
    assert "--allow-server" in result.stderr
    assert "Traceback" not in result.stderr
