"""``lycee-ia sync ...`` as a script sees it: the device id in full, and distinct exit codes.

0 all good, 1 failed, 2 badly written command, 3 done but some events refused,
4 nothing enrolled here can sync (none, or withdrawn by the school).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from lycee_ia.accounts.models import Role, User
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import get_device_id
from lycee_ia.sync.models import SyncAccount, SyncDevice
from lycee_ia.sync.runner import enrol_laptop
from lycee_ia.sync.server import revoke_device
from tests.helpers import TEST_PASSWORD, login, page_text
from tests.sync.processes import free_port
from tests.sync.support import server_event_ids


def _device_id(handle) -> str:
    with handle.app.app_context():
        device_id = get_device_id(db.session)
        db.session.commit()
        return device_id


def _server_device(session, username):
    session.expire_all()
    return session.scalar(select(SyncDevice).join(User, User.id == SyncDevice.user_id).where(User.username == username))


def test_status_shows_the_full_device_id_and_the_server_page_too(app, client, server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    make_user(Role.ADMIN, username="admin")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    device_id = _device_id(laptop)
    status = laptop.cli("sync", "status")
    assert f"Identifiant de cet ordinateur : {device_id}" in status.stdout
    login(client, "admin")
    assert f"<code>{device_id}</code>" in page_text(client.get("/ordinateurs"))


def test_sync_now_with_nothing_enrolled_exits_4(make_laptop):
    result = make_laptop().cli("sync", "now", check=False)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Aucun élève n'est inscrit" in result.stderr


def test_sync_now_exit_codes_ok_refused_unreachable_revoked(server_url, make_user, make_laptop, server_session):
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    made = laptop.make_events("lea", 3)
    assert laptop.cli("sync", "now").returncode == 0
    assert server_event_ids(server_session, "lea") == set(made)

    # An event that claims another laptop: the server refuses it, the others go through.
    more = laptop.make_events("lea", 2)
    with laptop.app.app_context():
        db.session.execute(update(LearningEvent).where(LearningEvent.id == more[0]).values(device_id="another-laptop"))
        db.session.commit()
    result = laptop.cli("sync", "now", check=False)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "1 trace(s) refusée(s) par le serveur" in result.stderr and "1 en attente" in result.stdout
    assert server_event_ids(server_session, "lea") == set(made) | {more[1]}

    # No server there: a failure.
    with laptop.app.app_context():
        account = db.session.scalar(select(SyncAccount))
        real_url, account.server_url = account.server_url, f"http://127.0.0.1:{free_port()}"
        db.session.commit()
    result = laptop.cli("sync", "now", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    with laptop.app.app_context():
        db.session.scalar(select(SyncAccount)).server_url = real_url
        db.session.commit()

    # The school withdraws the laptop: the sync that learns it, and every one after, exit 4.
    revoke_device(server_session, actor=None, device=_server_device(server_session, "lea"))
    server_session.commit()
    for _ in range(2):
        result = laptop.cli("sync", "now", check=False)
        assert result.returncode == 4, result.stdout + result.stderr
        assert "retiré" in result.stderr


def test_import_of_a_partly_refused_bundle_exits_3(app, tmp_path, server_url, make_user, make_laptop, server_session):
    make_user(Role.STUDENT, username="lea")
    make_user(Role.STUDENT, username="hugo")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    enrol_laptop(laptop.app, server_url, "hugo", TEST_PASSWORD)
    lea = laptop.make_events("lea", 2)
    laptop.make_events("hugo", 3)
    bundle = tmp_path / "traces.lia"
    laptop.cli("sync", "export", "--out", str(bundle))
    revoke_device(server_session, actor=None, device=_server_device(server_session, "hugo"))
    server_session.commit()
    result = app.test_cli_runner().invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 3, result.output
    assert "2 trace(s) nouvelle(s), 0 déjà présente(s), 3 refusée(s)" in result.output
    assert server_event_ids(server_session) == set(lea)
    again = app.test_cli_runner().invoke(args=["sync", "import", str(bundle)])
    assert again.exit_code == 3, again.output


def test_import_of_a_fully_accepted_bundle_exits_0(app, tmp_path, server_url, make_user, make_laptop):
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    laptop.make_events("lea", 2)
    bundle = tmp_path / "traces.lia"
    laptop.cli("sync", "export", "--out", str(bundle))
    result = app.test_cli_runner().invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 0, result.output


def test_export_state_takes_the_full_id_or_a_unique_prefix(app, tmp_path, server_url, make_user, make_laptop, server_session):
    lea = make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    device_id = _device_id(laptop)
    runner = app.test_cli_runner()

    def export(device: str, name: str):
        return runner.invoke(args=["sync", "export-state", "--device", device, "--user", "lea", "--out", str(tmp_path / name)])

    for device, name in ((device_id, "full.lia"), (device_id[:8], "prefix.lia")):
        result = export(device, name)
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 0
        assert device_id in result.output

    short = export(device_id[:7], "short.lia")
    assert short.exit_code == 2 and "8 premiers caractères" in short.output
    unknown = export("zzzzzzzz", "unknown.lia")
    assert unknown.exit_code == 1 and "Aucun ordinateur de l'élève « lea »" in unknown.output
    assert "Traceback" not in unknown.output

    # A second laptop of lea whose id starts with the same 8 characters: the prefix is ambiguous.
    twin = SyncDevice(
        device_id=device_id[:8] + "-0000-4000-8000-000000000000",
        user_id=lea.id,
        token_hash=secrets.token_hex(32),
        public_key="00" * 32,
    )
    server_session.add(twin)
    server_session.commit()
    ambiguous = export(device_id[:8], "ambiguous.lia")
    assert ambiguous.exit_code == 1 and "Plusieurs ordinateurs" in ambiguous.output
    assert not (tmp_path / "ambiguous.lia").exists()
    assert export(device_id[:12], "longer.lia").exit_code == 0

    revoke_device(server_session, actor=None, device=server_session.scalar(select(SyncDevice).where(SyncDevice.device_id == device_id)))
    server_session.commit()
    revoked = export(device_id, "revoked.lia")
    assert revoked.exit_code == 4 and "retirée" in revoked.output
