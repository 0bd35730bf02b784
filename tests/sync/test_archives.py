"""Module archives: installed only when signed, confined to the module folder, within limits."""

from __future__ import annotations

import base64

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.sync.laptop import LaptopSyncError, check_module_archive, install_module
from lycee_ia.sync.server import module_archive
from lycee_ia.sync.signing import public_key_hex, sign_document, signing_key
from tests.sync.support import QUIZ_FIXTURES

SERVER = signing_key("server-secret-" + "s" * 40)
SERVER_KEY = public_key_hex(SERVER)


@pytest.fixture(scope="module")
def module():
    catalogue, _ = build_catalogue(QUIZ_FIXTURES.parent)
    return catalogue.modules["quiz-exemple"]


def _files(module):
    return {
        path.relative_to(module.folder).as_posix(): path.read_bytes()
        for path in sorted(p for p in module.folder.rglob("*") if p.is_file())
    }


def _archive(module, files=None, **changes):
    files = _files(module) if files is None else files
    document = {
        "module_id": module.id,
        "version": module.version,
        "content_hash": module.content_hash,
        "files": [{"path": path, "data": base64.b64encode(data).decode()} for path, data in files.items()],
        **changes,
    }
    return sign_document(SERVER, "module", document)


def test_a_signed_archive_installs_into_the_module_folder(module, tmp_path):
    checked = check_module_archive(module_archive(module, SERVER), SERVER_KEY, {"id": module.id, "version": module.version})
    target = install_module(checked, tmp_path)
    assert target == tmp_path / module.id
    assert (target / "module.md").read_bytes() == (module.folder / "module.md").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [module.id]  # no staging left behind
    # Installing again keeps the previous folder aside.
    install_module(checked, tmp_path)
    assert len(list((tmp_path / ".previous").iterdir())) == 1


def test_an_archive_signed_by_another_key_or_changed_is_refused(module):
    data = module_archive(module, signing_key("someone-else-" + "x" * 40))
    with pytest.raises(LaptopSyncError, match="signature"):
        check_module_archive(data, SERVER_KEY)
    data = bytearray(module_archive(module, SERVER))
    data[-20] ^= 1
    with pytest.raises(LaptopSyncError, match="modifié"):
        check_module_archive(bytes(data), SERVER_KEY)


@pytest.mark.parametrize(
    "path",
    ["../evil.md", "media/../../evil.svg", "/etc/passwd", "media/.hidden.svg", "media/x.exe", "media\\x.svg", "script.js", "media/a/../../b.svg"],
)
def test_paths_outside_the_module_folder_are_refused(module, path):
    files = {**_files(module), path: b"<svg/>"}
    with pytest.raises(LaptopSyncError, match="sortirait|invalide"):
        check_module_archive(_archive(module, files), SERVER_KEY)


def test_size_limits_and_duplicates(module):
    big = {**_files(module), "media/enorme.png": b"0" * (2 * 1024 * 1024 + 1)}
    with pytest.raises(LaptopSyncError, match="taille"):
        check_module_archive(_archive(module, big), SERVER_KEY)
    many = {**_files(module), **{f"media/f{i}.svg": b"<svg/>" for i in range(400)}}
    with pytest.raises(LaptopSyncError, match="liste"):
        check_module_archive(_archive(module, many), SERVER_KEY)


def test_the_content_hash_is_checked_before_the_module_replaces_anything(module, tmp_path):
    files = _files(module)
    files["module.md"] = files["module.md"].replace(b"Un module avec un quiz", b"Un autre titre")
    checked = check_module_archive(_archive(module, files), SERVER_KEY)
    with pytest.raises(LaptopSyncError, match="empreinte"):
        install_module(checked, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_the_version_asked_for_is_the_version_received(module):
    with pytest.raises(LaptopSyncError, match="demandée"):
        check_module_archive(module_archive(module, SERVER), SERVER_KEY, {"id": module.id, "version": "autre"})
