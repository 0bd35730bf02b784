"""The teacher kit never goes to a student's laptop: not in the module archive sync sends."""

from __future__ import annotations

from pathlib import Path

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.sync.laptop import check_module_archive, install_module
from lycee_ia.sync.server import module_archive, module_files
from lycee_ia.sync.signing import public_key_hex, signing_key

FIXTURES = Path(__file__).resolve().parent.parent / "content" / "fixtures"
SERVER = signing_key("server-secret-" + "k" * 40)


def test_the_archive_a_laptop_downloads_has_no_teacher_kit(tmp_path):
    catalogue, _ = build_catalogue(FIXTURES)
    module = catalogue.modules["lecture-exemple"]
    assert (module.folder / "kit.md").is_file() and module.kit is not None  # the fixture has a kit
    assert "kit.md" not in {path.name for path in module_files(module)}
    checked = check_module_archive(module_archive(module, SERVER), public_key_hex(SERVER), {"id": module.id, "version": module.version})
    installed = install_module(checked, tmp_path)
    assert (installed / "module.md").is_file() and (installed / "media" / "schema.svg").is_file()
    assert not (installed / "kit.md").exists()
    assert [p.name for p in installed.rglob("kit*")] == []
