"""Issue 4: answers recorded per second on SQLite, 8 students answering at once.

A laptop instance (waitress, SQLite) serves; 8 threads, each signed in as a
different demo student, start a quiz and answer its questions over and over
(a new attempt when one ends), for SECONDS seconds. Prints answers per second,
the error responses, and whether any "database is locked" appeared in the
server's output (the target is none).
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, laptop_server  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
STUDENTS = 8
MODULE = "e9-empreinte-sobriete"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Student:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/connexion")
        self.post("/connexion", {"username": username, "password": "lycee-ia-demo", "csrf_token": TOKEN.search(page).group(1)})

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path).read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data, doseq=True).encode())
        try:
            with self.opener.open(request) as response:
                return response.status, response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, ""


def any_answer(html: str) -> dict:
    """A valid (not necessarily right) answer to the question on the page."""
    data: dict = {"csrf_token": TOKEN.search(html).group(1)}
    radios = re.findall(r'name="answer" value="([^"]+)"', html)
    positions = re.findall(r'name="(position-[0-9a-f]+)"', html)
    matches = re.findall(r'<select name="(match-[0-9a-f]+)"', html)
    if positions:
        data.update({name: str(i) for i, name in enumerate(positions, start=1)})
    elif matches:
        options = re.findall(r'<option value="([0-9a-f]{8})"', html)
        data.update({name: options[0] for name in matches})
    elif radios:
        data["answer"] = radios[0]
    else:
        data["answer"] = "1"  # short and numeric: a plain answer
    return data


def work(student: Student, stop: float, counts: dict, lock: threading.Lock) -> None:
    answered = errors = 0
    while time.monotonic() < stop:
        home = student.get(f"/modules/{MODULE}/quiz")
        status, url = student.post(f"/modules/{MODULE}/quiz/commencer", {"csrf_token": TOKEN.search(home).group(1)})
        path = urllib.parse.urlsplit(url).path
        while time.monotonic() < stop and "/quiz/" in path and path.count("/") == 5:
            html = student.get(path)
            status, url = student.post(path, any_answer(html))
            if status >= 400:
                errors += 1
                break
            answered += 1
            follow = re.search(r'href="([^"]+)">(?:Question suivante|Voir mon résultat)', student.get(urllib.parse.urlsplit(url).path))
            if not follow or "Voir mon résultat" in follow.group(0):
                break
            path = follow.group(1)
    with lock:
        counts["answered"] += answered
        counts["errors"] += errors


def main() -> None:
    with laptop_server() as (base, _env, process):
        students = [Student(base, f"eleve{n:02d}") for n in range(1, STUDENTS + 1)]
        counts = {"answered": 0, "errors": 0}
        lock = threading.Lock()
        started = time.monotonic()
        stop = started + SECONDS
        threads = [threading.Thread(target=work, args=(s, stop, counts, lock)) for s in students]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        process.terminate()
        output = process.stdout.read().decode(errors="replace")
    locked = output.count("database is locked")
    print(f"students answering at once : {STUDENTS}")
    print(f"answers recorded           : {counts['answered']} in {elapsed:.1f} s")
    print(f"answers per second         : {counts['answered'] / elapsed:.1f}")
    print(f"error responses            : {counts['errors']}")
    print(f"'database is locked' seen  : {locked} (target 0)")


if __name__ == "__main__":
    main()
