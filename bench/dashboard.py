"""Issue 6: the class dashboard follows the class, not the database.

For SQLite and for PostgreSQL, in a database of its own:

1. a nearly empty database: one school, one teacher, a class of 35 students
   with 12 assignments and their whole history (events and summaries), and a
   class of 30 students with 12 assignments;
2. the dashboard of the class of 35 is timed (median of sequential requests
   to a real server process), and the class of 30 is loaded by one sequential
   client for requests per second;
3. the region-sized history is added (20,000 more students in classes of 35,
   at least 1,000,000 learning events, their summaries), and both are measured
   again in the same database.

Prints the figures and the ratio big/small (target at most 1.5) and the
requests per second (target at least 200). Never asserts a timing.

    .venv/bin/python bench/dashboard.py [--seconds 10] [--students 20000] [--events 1000000] [--only sqlite|postgresql]

PostgreSQL: ``--postgres-url`` (default postgresql://postgres@127.0.0.1:5432/test);
the bench works in a private schema that it drops at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LYCEE_IA, ROOT, free_port, login, wait_until_up  # noqa: E402

sys.path.insert(0, str(ROOT))
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from lycee_ia.accounts.services import hash_password  # noqa: E402
from lycee_ia.content.catalogue import build_catalogue  # noqa: E402
from lycee_ia.db import make_engine  # noqa: E402
from lycee_ia.migrations import upgrade  # noqa: E402
from lycee_ia.models import (  # noqa: E402
    Assignment,
    ClassTeacher,
    Enrolment,
    LearningEvent,
    ModuleProgress,
    QuizAttempt,
    School,
    SchoolClass,
    User,
)

PASSWORD = "mot-de-passe-du-banc"
CLASS_SIZE = 35
RPS_CLASS_SIZE = 30
ASSIGNMENTS = 12
NOW = datetime(2026, 11, 20, 12, 0, 0)
DEVICE = "bench-device"


# --- what a module looks like, from the real courses -----------------------------------------

def course_shapes() -> list[tuple[str, str, list[str], list[str]]]:
    """(module id, version, section ids, quiz question ids) of the real courses, 12 of them."""
    catalogue, _ = build_catalogue(ROOT / "courses")
    modules = sorted(catalogue.modules.values(), key=lambda m: (m.audience != "eleve", m.id))[:ASSIGNMENTS]
    if len(modules) < ASSIGNMENTS:
        raise SystemExit(f"courses/ holds {len(modules)} modules: {ASSIGNMENTS} are needed")
    return [
        (m.id, m.version, [s.id for s in m.sections], [q.id for q in m.quiz.questions] if m.quiz else [])
        for m in modules
    ]


# --- rows ------------------------------------------------------------------------------------------

class Filler:
    """Makes users, classes, assignments, events and the matching summaries, as plain rows."""

    def __init__(self, shapes, password_hash: str, seed: int = 6):
        self.shapes = shapes
        self.password_hash = password_hash
        self.rng = random.Random(seed)
        self.next_user = 1
        self.next_class = 1
        self.next_assignment = 1
        self.reset()

    def reset(self) -> None:
        self.users: list[dict] = []
        self.classes: list[dict] = []
        self.teachers: list[dict] = []
        self.enrolments: list[dict] = []
        self.assignments: list[dict] = []
        self.events: list[dict] = []
        self.progress: list[dict] = []
        self.attempts: list[dict] = []

    def user(self, username: str, role: str, first: str, last: str) -> int:
        user_id = self.next_user
        self.next_user += 1
        self.users.append(
            {
                "id": user_id, "uuid": uuid.UUID(int=self.rng.getrandbits(128), version=4), "username": username,
                "first_name": first, "last_name": last, "email": None, "role": role, "school_id": 1,
                "password_hash": self.password_hash, "session_token": secrets.token_urlsafe(24),
                "must_change_password": False, "active": True, "created_at": NOW - timedelta(days=60), "last_login_at": None,
            }
        )
        return user_id

    def school_class(self, name: str, teacher_id: int, size: int, modules: int, activity: float) -> int:
        """A class of ``size`` students with ``modules`` assignments and their work; returns its id."""
        class_id = self.next_class
        self.next_class += 1
        self.classes.append({"id": class_id, "school_id": 1, "name": name, "created_at": NOW - timedelta(days=60),
                             "join_code": None, "join_code_expires_at": None})
        self.teachers.append({"class_id": class_id, "user_id": teacher_id})
        students = [
            self.user(f"e{class_id}.{n}", "eleve", f"Prénom{n}", f"Nom{class_id}-{n}") for n in range(size)
        ]
        self.enrolments.extend({"class_id": class_id, "user_id": s, "enrolled_at": NOW - timedelta(days=59)} for s in students)
        for index, (module_id, *_rest) in enumerate(self.shapes[:modules]):
            self.assignments.append({
                "id": self.next_assignment, "class_id": class_id, "group_id": None, "module_id": module_id,
                "opens_at": NOW - timedelta(days=50 - 3 * index), "due_at": NOW - timedelta(days=40 - 3 * index),
                "note": "", "created_by_id": teacher_id, "created_at": NOW - timedelta(days=55), "updated_at": NOW - timedelta(days=55),
            })
            self.next_assignment += 1
            for student in students:
                if self.rng.random() < activity:
                    self.work(student, self.shapes[index], NOW - timedelta(days=50 - 3 * index))
        return class_id

    def work(self, user_id: int, shape, start: datetime) -> None:
        """A student's history in one module: sections read, then zero to three quiz attempts."""
        module_id, version, sections, questions = shape
        rng = self.rng
        when = start + timedelta(hours=rng.randint(1, 200))
        first = when
        read = sections if rng.random() < 0.7 else sections[: rng.randint(1, len(sections))]
        for section in read:
            when += timedelta(minutes=rng.randint(2, 9))
            self.event(user_id, "experienced", "section", f"{module_id}/{section}", module_id, version, when)
        completed = None
        if len(read) == len(sections):
            completed = when
            self.event(user_id, "completed", "module", module_id, module_id, version, when, {"completion": True})
        attempts = failures = 0
        best = passed_at = last_quiz = None
        skill = 0.4 + 0.55 * rng.random()
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3)) if questions else 0):
            attempt = uuid.UUID(int=rng.getrandbits(128), version=4)
            when += timedelta(hours=rng.randint(1, 48))
            started = when
            self.event(user_id, "attempted", "quiz", module_id, module_id, version, when, None, {"questions": questions}, attempt)
            answers = {}
            for question in questions:
                when += timedelta(seconds=rng.randint(10, 90))
                right = rng.random() < skill
                answers[question] = {"score": 1.0 if right else 0.0, "correct": right}
                self.event(user_id, "answered", "question", f"{module_id}/{question}", module_id, version, when,
                           {"response": "a1b2c3d4", "score": 1.0 if right else 0.0, "success": right, "duration": 30.0},
                           {"quiz": True}, attempt)
            score = round(sum(a["score"] for a in answers.values()) / len(questions), 4)
            success = score >= 0.8
            self.event(user_id, "passed" if success else "failed", "quiz", module_id, module_id, version, when,
                       {"score": score, "success": success, "mastery": 80}, None, attempt)
            self.attempts.append({
                "id": attempt, "user_id": user_id, "module_id": module_id, "module_version": version,
                "started_at": started, "finished_at": when, "status": "passed" if success else "failed",
                "question_ids": {"ids": questions}, "answers": answers, "score": score,
            })
            attempts += 1
            failures += not success
            best = score if best is None else max(best, score)
            last_quiz = when
            if success:
                passed_at = passed_at or when
                break
            skill = min(0.97, skill + 0.2)
        self.progress.append({
            "user_id": user_id, "module_id": module_id, "sections_seen": {"ids": read}, "last_section_id": read[-1],
            "first_activity_at": first, "last_activity_at": when, "completed_at": completed, "module_version": version,
            "quiz_attempts": attempts, "quiz_failures": failures, "quiz_best_score": best,
            "quiz_passed_at": passed_at, "last_quiz_at": last_quiz,
        })

    def event(self, user_id, verb, object_type, object_id, module_id, version, when, result=None, context=None, registration=None):
        self.events.append({
            "id": uuid.UUID(int=self.rng.getrandbits(128), version=4), "device_id": DEVICE, "user_id": user_id,
            "verb": verb, "object_type": object_type, "object_id": object_id, "module_id": module_id,
            "module_version": version, "result": result, "context": context, "registration": registration,
            "occurred_at": when, "recorded_at": when,
        })


# --- writing rows fast -----------------------------------------------------------------------------

TABLES = [
    (User, "users"), (SchoolClass, "classes"), (ClassTeacher, "teachers"), (Enrolment, "enrolments"),
    (Assignment, "assignments"), (LearningEvent, "events"), (ModuleProgress, "progress"), (QuizAttempt, "attempts"),
]


def write(engine, filler: Filler) -> int:
    """Insert what the filler made (executemany; COPY on PostgreSQL for the event log); return events written."""
    written = len(filler.events)
    with engine.begin() as connection:
        for model, attribute in TABLES:
            rows = getattr(filler, attribute)
            if not rows:
                continue
            if engine.dialect.name == "postgresql" and model is LearningEvent:
                _copy_events(connection, rows)
                continue
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(model.__table__), rows[start : start + 20_000])
    filler.reset()
    return written


def _copy_events(connection, rows: list[dict]) -> None:
    columns = list(rows[0])
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY learning_events ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in ("result", "context") and row[c] is not None else row[c] for c in columns])


def fix_sequences(engine) -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in ("users", "classes", "assignments", "schools"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


# --- measuring ----------------------------------------------------------------------------------------

@contextmanager
def server(env: dict[str, str]):
    port = free_port()
    env = {**env, "PORT": str(port)}
    process = subprocess.Popen(LYCEE_IA + ["serve", "--threads", "4"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


class Client:
    """One keep-alive connection, one request after the other."""

    def __init__(self, base: str, cookie: str):
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookie = cookie

    def get(self, path: str) -> bytes:
        self.connection.request("GET", path, headers={"Cookie": self.cookie})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        return body


def median_ms(client: Client, path: str, count: int = 150) -> float:
    for _ in range(15):
        client.get(path)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequential_rps(client: Client, path: str, seconds: float, pid: int) -> tuple[float, float]:
    """Requests per second from one client, and the server's CPU milliseconds per request.

    The second figure does not depend on what else the machine is doing.
    """
    client.get(path)
    done = 0
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        client.get(path)
        done += 1
    elapsed = time.perf_counter() - started
    return done / elapsed, (cpu_seconds(pid) - cpu) * 1000 / done


def measure(env: dict[str, str], class_35: int, class_30: int, seconds: float) -> dict[str, float]:
    with server(env) as (base, pid):
        client = Client(base, login(base, "prof.banc", PASSWORD))
        page = client.get(f"/classes/{class_35}").decode()
        rows = page.count('<th scope="row"><a')
        if rows != CLASS_SIZE or page.count('<th scope="col"') != ASSIGNMENTS + 2:
            raise SystemExit(f"the dashboard shows {rows} students: expected {CLASS_SIZE} × {ASSIGNMENTS}")
        latency = median_ms(client, f"/classes/{class_35}")
        rps, cpu = sequential_rps(client, f"/classes/{class_30}", seconds, pid)
        # The floor under any page of this stack, in the same run, for scale.
        home_rps, home_cpu = sequential_rps(client, "/accueil", seconds / 2, pid)
    return {"ms": latency, "rps": rps, "cpu_ms": cpu, "home_rps": home_rps, "home_cpu_ms": home_cpu}


def report(kind: str, label: str, m: dict[str, float]) -> None:
    print(
        f"[{kind}]   {label}: dashboard of 35 × {ASSIGNMENTS}: {m['ms']:.1f} ms (median); class of 30: "
        f"{m['rps']:.0f} requests/s, {m['cpu_ms']:.1f} ms of server CPU each "
        f"(a trivial signed-in page, /accueil: {m['home_rps']:.0f} requests/s, {m['home_cpu_ms']:.1f} ms CPU)"
    )


# --- one database -------------------------------------------------------------------------------------------

def run(kind: str, url: str, env: dict[str, str], args, shapes, password_hash: str) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(insert(School.__table__), [{"id": 1, "name": "Lycée du banc d'essai", "uai": None, "created_at": NOW}])
    filler = Filler(shapes, password_hash)
    teacher = filler.user("prof.banc", "enseignant", "Claire", "Banc")
    class_35 = filler.school_class("2nde 35", teacher, CLASS_SIZE, ASSIGNMENTS, activity=0.8)
    class_30 = filler.school_class("2nde 30", teacher, RPS_CLASS_SIZE, ASSIGNMENTS, activity=0.8)
    events = write(engine, filler)
    fix_sequences(engine)
    print(f"[{kind}] nearly empty database: {events} events, {filler.next_user - 1} accounts")
    small = measure(env, class_35, class_30, args.seconds)
    report(kind, "nearly empty", small)

    started = time.perf_counter()
    other_teacher = filler.user("prof.autre", "enseignant", "Marc", "Autre")
    made = 0
    added = 0
    # Classes of 35 with some of the twelve modules each, until there are enough
    # students and events (about 50 events per student).
    while made < args.students or added < args.events:
        filler.school_class(f"Classe {filler.next_class}", other_teacher, CLASS_SIZE, filler.rng.randint(3, ASSIGNMENTS), activity=0.35)
        made += CLASS_SIZE
        if len(filler.events) > 200_000 or (made >= args.students and added + len(filler.events) >= args.events):
            added += write(engine, filler)
    added += write(engine, filler)
    fix_sequences(engine)
    with engine.connect() as connection:
        total_events = connection.execute(select(text("count(*)")).select_from(LearningEvent.__table__)).scalar()
        total_users = connection.execute(select(text("count(*)")).select_from(User.__table__)).scalar()
        total_progress = connection.execute(select(text("count(*)")).select_from(ModuleProgress.__table__)).scalar()
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
        else:
            connection.exec_driver_sql("ANALYZE")
        connection.commit()
    print(
        f"[{kind}] region-sized database: {total_events} events, {total_users} accounts, {total_progress} summary rows "
        f"(filled in {time.perf_counter() - started:.0f} s)"
    )
    big = measure(env, class_35, class_30, args.seconds)
    report(kind, "region-sized", big)
    ratio = big["ms"] / small["ms"]
    print(f"[{kind}]   ratio region-sized / nearly empty: {ratio:.2f}  (target <= 1.5)")
    print(f"[{kind}]   requests/s for a class of 30, one sequential client: {big['rps']:.0f}  (target >= 200)")
    engine.dispose()
    return {"events": total_events, "ratio": ratio, "small": small, "big": big}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres-url", default=os.environ.get("LYCEE_IA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}")
    shapes = course_shapes()
    password_hash = hash_password(PASSWORD)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_") and k not in ("DATABASE_URL", "SECRET_KEY")}
    results = {}

    if args.only in (None, "sqlite"):
        data_dir = Path(tempfile.mkdtemp(prefix="lycee-bench-dashboard-"))
        try:
            env = {**base_env, "LYCEE_IA_DATA_DIR": str(data_dir)}
            results["sqlite"] = run("sqlite", f"sqlite:///{data_dir / 'lycee-ia.sqlite3'}", env, args, shapes, password_hash)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    if args.only in (None, "postgresql"):
        schema = f"lycee_bench_{uuid.uuid4().hex[:10]}"
        admin_url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", args.postgres_url)
        admin = create_engine(admin_url)
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as error:
            print(f"[postgresql] {args.postgres_url} unreachable, PostgreSQL not measured: {error.orig}")
            args.only = "sqlite"
        if args.only == "sqlite":
            print(json.dumps(results, default=lambda v: round(v, 2)))
            return
        separator = "&" if "?" in admin_url else "?"
        url = f"{admin_url}{separator}options=-csearch_path%3D{schema}"
        try:
            env = {
                **base_env,
                "LYCEE_IA_MODE": "server",
                "DATABASE_URL": url,
                "SECRET_KEY": secrets.token_hex(32),
                "LYCEE_IA_SECURE_COOKIES": "0",  # plain HTTP on 127.0.0.1 for the bench
                "LYCEE_IA_HOST": "127.0.0.1",
                "LYCEE_IA_TRUSTED_PROXIES": "0",
            }
            results["postgresql"] = run("postgresql", url, env, args, shapes, password_hash)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(json.dumps(results, default=lambda v: round(v, 2)))


if __name__ == "__main__":
    main()
