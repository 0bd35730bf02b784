"""Shared pieces of the benchmarks: a real server process, a login, a load generator.

Benchmarks print figures; they never assert timings (machines here are shared
and noisy): compare ratios measured in the same run.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LYCEE_IA = [sys.executable, "-m", "lycee_ia"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(LYCEE_IA + args, env=env, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"lycee-ia {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def laptop_server(courses_dir: Path | None = None, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, dict, subprocess.Popen]]:
    """A laptop instance (SQLite, demo data) served by waitress in its own process."""
    data_dir = Path(tempfile.mkdtemp(prefix="lycee-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_")}
    env.update({"LYCEE_IA_DATA_DIR": str(data_dir), "PORT": str(port)})
    if courses_dir is not None:
        env["LYCEE_IA_COURSES_DIR"] = str(courses_dir)
    env.update(extra_env or {})
    run(["db", "upgrade"], env)
    run(["demo"], env)
    process = subprocess.Popen(LYCEE_IA + ["serve"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base, env, process
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_until_up(base: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/sante", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start")


def login(base: str, username: str, password: str) -> str:
    """Sign in through the real form; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/connexion").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(f"{base}/connexion", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def requests_per_second(url: str, cookie: str = "", seconds: int = 10, connections: int = 8) -> float:
    """Load ``url`` for ``seconds``: wrk when installed, else a Python thread loop."""
    if shutil.which("wrk"):
        command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", url]
        if cookie:
            command[1:1] = ["-H", f"Cookie: {cookie}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if non_2xx:
            raise SystemExit(f"{url}: {non_2xx.group(1)} error responses under load\n{output}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return _python_load(url, cookie, seconds, connections)


def _python_load(url: str, cookie: str, seconds: int, connections: int) -> float:
    count = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal count
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        done = 0
        while time.monotonic() < stop:
            with urllib.request.urlopen(request) as response:
                response.read()
            done += 1
        with lock:
            count += done

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.monotonic() - started)


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")
