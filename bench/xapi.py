"""Issue 20: statements per second forwarded to Ralph, a real LRS on 127.0.0.1.

Ralph runs in its own virtual environment (built once, as for the tests:
tests/xapi/ralph.py) with its filesystem backend. The platform side is an
app on SQLite holding EVENTS learning events of 50 students, queued for the
LRS; the forwarder (the same code as ``lycee-ia xapi forward``) sends them in
batches of BATCH. Prints statements per second, then reads everything back
from Ralph to check that each statement is there once.

    .venv/bin/python bench/xapi.py [EVENTS] [BATCH]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 500


def main() -> None:
    from lycee_ia import create_app
    from lycee_ia.accounts.services import create_user
    from lycee_ia.db import db, utcnow
    from lycee_ia.events.services import NewEvent, record_events
    from lycee_ia.migrations import upgrade
    from lycee_ia.xapi.forwarder import LrsClient, forward_all, pending_count
    from tests.xapi.ralph import RalphServer, ensure_ralph_venv, make_credentials

    workdir = Path(tempfile.mkdtemp(prefix="lycee-bench-xapi-"))
    venv = ensure_ralph_venv()
    credentials = make_credentials(venv, workdir / "ralph")
    ralph = RalphServer(venv, workdir / "ralph", credentials).start()
    try:
        app = create_app({
            "DATABASE_URL": f"sqlite:///{workdir / 'lycee-ia.sqlite3'}",
            "DATA_DIR": workdir,
            "SERVER_NAME": None,
            "LRS_URL": ralph.url,
            "LRS_USERNAME": credentials[0],
            "LRS_PASSWORD": credentials[1],
            "XAPI_QUEUE": True,
            "XAPI_BATCH_SIZE": BATCH,
        })
        with app.app_context():
            upgrade(db.engine)
            session = db.session
            students = [
                create_user(session, actor=None, username=f"eleve{i:03d}", role="eleve", first_name="Élève",
                            last_name=str(i), password_hash="x")[0]
                for i in range(50)
            ]
            session.flush()
            start = utcnow() - timedelta(days=30)
            events = []
            for i in range(EVENTS):
                student = students[i % len(students)]
                module = f"module-{i % 14}"
                if i % 3:
                    events.append(NewEvent(user_id=student.id, verb="experienced", object_type="section",
                                           object_id=f"{module}/section-{i % 7}", module_id=module,
                                           module_version="v1", occurred_at=start + timedelta(seconds=i)))
                else:
                    events.append(NewEvent(user_id=student.id, verb="answered", object_type="question",
                                           object_id=f"{module}/q-{i % 5}", module_id=module, module_version="v1",
                                           registration=uuid.uuid4(), context={"quiz": True},
                                           result={"response": ["c-1", "c-2"], "score": 0.5, "success": False,
                                                   "duration": 7.5},
                                           occurred_at=start + timedelta(seconds=i)))
            for offset in range(0, len(events), 5000):
                record_events(session, events[offset:offset + 5000])
            session.commit()
            queued = pending_count(session)
            in_lrs = [0.0]

            class TimedClient(LrsClient):
                def post(self, statements):
                    began = time.perf_counter()
                    try:
                        return super().post(statements)
                    finally:
                        in_lrs[0] += time.perf_counter() - began

            client = TimedClient(**vars(LrsClient.from_config(app.config)))
            began = time.perf_counter()
            report = forward_all(session, app.config, client)
            elapsed = time.perf_counter() - began
        stored = Counter(s["id"] for s in ralph.statements())
        once = sum(1 for n in stored.values() if n == 1)
        print(f"queued {queued} statements; forwarded {report.sent} to Ralph in {elapsed:.1f} s "
              f"(batches of {BATCH}): {report.sent / elapsed:,.0f} statements/s")
        print(f"  of which waiting for Ralph's answers: {in_lrs[0]:.1f} s; on our side (queue, statements, "
              f"commits): {elapsed - in_lrs[0]:.1f} s")
        print(f"read back from Ralph: {len(stored)} distinct ids, {once} present exactly once")
        app.extensions["lycee_ia.db"]["engine"].dispose()
    finally:
        ralph.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
