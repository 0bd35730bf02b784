"""Issue 7: push 100,000 events from a laptop instance to a server on PostgreSQL.

The server is a real process (gunicorn with one worker per core as the README
advises, or ``lycee-ia serve`` without gunicorn; server mode, PostgreSQL in a
private schema dropped at the end); the laptop is a SQLite instance enrolled
through the API, whose sync runs in this process (the same code as
``lycee-ia sync now``). Prints events per second, the bytes sent, and the time
of a sync with nothing to send (targets: at least 5,000 events/s; under 0.1 s).

    .venv/bin/python bench/sync.py [EVENTS]

PostgreSQL: LYCEE_IA_BENCH_DATABASE_URL, by default postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import LYCEE_IA, ROOT, free_port, run, wait_until_up  # noqa: E402

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BASE_URL = os.environ.get("LYCEE_IA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def main() -> None:
    from sqlalchemy import create_engine, text

    schema = f"lycee_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", BASE_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    folder = Path(tempfile.mkdtemp(prefix="lycee-bench-sync-"))
    server = None
    try:
        port = free_port()
        separator = "&" if "?" in BASE_URL else "?"
        server_env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_")}
        server_env.update(
            {
                "LYCEE_IA_MODE": "server",
                "DATABASE_URL": f"{BASE_URL}{separator}options=-csearch_path%3D{schema}",
                "SECRET_KEY": secrets.token_hex(32),
                "LYCEE_IA_HOST": "127.0.0.1",
                "LYCEE_IA_SECURE_COOKIES": "0",
                "LYCEE_IA_TRUSTED_PROXIES": "0",
                "PORT": str(port),
            }
        )
        run(["db", "upgrade"], server_env)
        run(["demo", "--allow-server"], server_env)
        # As in production (README): gunicorn, one worker per core; waitress if gunicorn is missing.
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = (
            [str(gunicorn), "--workers", str(os.cpu_count() or 2), "--bind", f"127.0.0.1:{port}", "lycee_ia.wsgi:app"]
            if gunicorn.exists() else LYCEE_IA + ["serve"]
        )
        server_name = "gunicorn" if gunicorn.exists() else "waitress"
        server = subprocess.Popen(command, env=server_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)

        os.environ.update({"LYCEE_IA_DATA_DIR": str(folder / "laptop"), "LYCEE_IA_SYNC_BACKGROUND": "0"})
        for key in ("LYCEE_IA_MODE", "DATABASE_URL", "LYCEE_IA_COURSES_DIR"):
            os.environ.pop(key, None)
        from lycee_ia import create_app
        from lycee_ia.db import db, utcnow
        from lycee_ia.events.services import NewEvent, record_events
        from lycee_ia.migrations import upgrade
        from lycee_ia.sync.runner import enrol_laptop, sync_account

        app = create_app()
        with app.app_context():
            upgrade(db.engine)
        user = enrol_laptop(app, base, "eleve01", "lycee-ia-demo")
        started = time.perf_counter()
        start = utcnow() - timedelta(days=30)
        with app.app_context():
            for chunk in range(0, EVENTS, 5000):
                events = []
                for i in range(chunk, min(EVENTS, chunk + 5000)):
                    module = f"e{i % 10 + 1}-bench"
                    if i % 3:
                        events.append(NewEvent(user_id=user.id, verb="experienced", object_type="section",
                                               object_id=f"{module}/s{i % 5}", module_id=module, module_version="1",
                                               occurred_at=start + timedelta(seconds=i)))
                    else:
                        events.append(NewEvent(user_id=user.id, verb="answered", object_type="question",
                                               object_id=f"{module}/q{i % 7}", module_id=module, module_version="1",
                                               result={"response": "a", "score": 1.0, "success": True},
                                               context={"activity": True}, occurred_at=start + timedelta(seconds=i)))
                record_events(db.session, events)
                db.session.commit()
        made = time.perf_counter() - started

        profile = None
        if os.environ.get("LYCEE_IA_BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        started = time.perf_counter()
        report = sync_account(app, user.id)
        elapsed = time.perf_counter() - started
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(20)
        if not report.ok or report.acknowledged != EVENTS:
            raise SystemExit(f"sync failed: {report}")
        noops = []
        for _ in range(5):
            started = time.perf_counter()
            again = sync_account(app, user.id)
            noops.append(time.perf_counter() - started)
            if not again.ok or again.pushed:
                raise SystemExit(f"no-op sync failed: {again}")
        with app.app_context():
            db.session.rollback()
        from lycee_ia.sync.runner import local_device_id

        with admin.connect() as connection:
            # The demo has events of its own: count this laptop's.
            held = connection.execute(
                text(f'SELECT count(*) FROM "{schema}".learning_events WHERE device_id = :device'),
                {"device": local_device_id(app)},
            ).scalar()
        print(json.dumps(
            {
                "events": EVENTS,
                "server": server_name,
                "held_by_server": held,
                "laptop_setup_seconds": round(made, 1),
                "push_seconds": round(elapsed, 2),
                "events_per_second": round(EVENTS / elapsed),
                "bytes_sent": report.bytes_sent,
                "bytes_per_event": round(report.bytes_sent / EVENTS, 1),
                "noop_sync_seconds_median": round(sorted(noops)[len(noops) // 2], 4),
                "noop_sync_seconds_all": [round(t, 4) for t in noops],
                "targets": {"events_per_second": 5000, "noop_sync_seconds": 0.1},
            },
            indent=2,
        ))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
