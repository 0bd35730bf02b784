"""What ``pip install '.[server]'`` may bring: the versions pyproject.toml allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _extra(name: str) -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["optional-dependencies"][name]]
    return {requirement.name: requirement for requirement in requirements}


def test_the_server_extra_takes_no_gunicorn_with_a_shared_control_socket():
    """gunicorn 25.1 and later open a control socket at one path shared by every
    gunicorn of the user; 23.0 is the fixed version given for CVE-2024-6827."""
    allowed = _extra("server")["gunicorn"].specifier
    assert "23.0.0" in allowed and "25.0.3" in allowed
    for version in ("22.0.0", "25.1.0", "26.2.0", "27.0.1"):
        assert version not in allowed, version
