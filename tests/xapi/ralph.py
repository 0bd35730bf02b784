"""Ralph, France Université Numérique's Learning Record Store, as a real process for tests and benchmarks.

Ralph lives in its own virtual environment (its dependencies are not ours),
built once per machine in ``<repo>/.cache/ralph-venv-<key>`` from the pinned
requirement below. ``RalphServer`` runs its LRS (FastAPI under uvicorn,
filesystem backend, see ralph_lrs.py) on 127.0.0.1; ``FaultProxy`` sits in front of it to lose
answers, answer errors or kill it in the middle of a batch.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# ralph-malph 5.1.0 imports requests (OIDC) without declaring it for these extras.
RALPH_REQUIREMENTS = ("ralph-malph[backend-fs,cli,lrs]==5.1.0", "requests==2.34.2")
_KEY = hashlib.sha256("\n".join(RALPH_REQUIREMENTS).encode()).hexdigest()[:12]
RALPH_VENV = ROOT / ".cache" / f"ralph-venv-{_KEY}"


class RalphUnavailable(RuntimeError):
    pass


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_ralph_venv(venv: Path = RALPH_VENV) -> Path:
    """Build Ralph's virtual environment once (a minute); raise RalphUnavailable if that fails."""
    marker = venv / ".installed"
    if marker.exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be building it
        if marker.exists():
            return venv
        building = Path(tempfile.mkdtemp(prefix=f"{venv.name}-", dir=venv.parent))
        try:
            # Built where it will live: a venv's scripts name its own path.
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
            result = subprocess.run(
                [str(_python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "-q", *RALPH_REQUIREMENTS],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise RalphUnavailable(f"pip install {' '.join(RALPH_REQUIREMENTS)} failed:\n{result.stderr[-3000:]}")
            marker.write_text("\n".join(RALPH_REQUIREMENTS) + "\n")
        except subprocess.CalledProcessError as error:
            raise RalphUnavailable(f"python -m venv failed: {error.stderr}") from None
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return venv


def _base_env(venv: Path, workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RALPH_", "LYCEE_IA_"))}
    env.update(
        {
            "RALPH_APP_DIR": str(workdir / "app"),
            "RALPH_AUTH_FILE": str(workdir / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
            "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}",
        }
    )
    return env


def make_credentials(venv: Path, workdir: Path, home_page: str = "https://lycee-ia.test") -> tuple[str, str]:
    """An LRS account in ``workdir/auth.json``, made by ``ralph auth``; returns (username, password)."""
    (workdir / "app").mkdir(parents=True, exist_ok=True)
    username, password = "lycee-ia", secrets.token_urlsafe(16)
    result = subprocess.run(
        [str(venv / "bin" / "ralph"), "auth", "-u", username, "-p", password, "-s", "all",
         "-A", "lycee-ia-forwarder", home_page, "-w"],
        env=_base_env(venv, workdir), capture_output=True, text=True,
    )
    if result.returncode != 0 or not (workdir / "auth.json").exists():
        raise RalphUnavailable(f"ralph auth failed:\n{result.stdout}\n{result.stderr}")
    return username, password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphServer:
    """Ralph's LRS in its own process; ``kill()`` is a SIGKILL, ``start()`` again resumes on the same files."""

    def __init__(self, venv: Path, workdir: Path, credentials: tuple[str, str], port: int | None = None) -> None:
        self.venv, self.workdir, self.credentials = venv, workdir, credentials
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        (workdir / "data").mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RalphServer":
        log = open(self.workdir / "ralph.log", "ab")
        self.process = subprocess.Popen(
            [str(_python(self.venv)), "-I", str(Path(__file__).with_name("ralph_lrs.py")), "127.0.0.1", str(self.port)],
            env=_base_env(self.venv, self.workdir), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise RalphUnavailable(f"Ralph exited: {(self.workdir / 'ralph.log').read_text()[-3000:]}")
            try:
                self.get("/__heartbeat__")
                return self
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.kill()
                    raise RalphUnavailable(f"Ralph did not answer: {(self.workdir / 'ralph.log').read_text()[-3000:]}")
                time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def _request(self, url: str) -> urllib.request.Request:
        request = urllib.request.Request(url)
        token = base64.b64encode(":".join(self.credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("X-Experience-API-Version", "1.0.3")
        return request

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self._request(self.url + path), timeout=30) as response:
            body = response.read()
            return json.loads(body) if body else {}

    def statements(self) -> list[dict]:
        """Every statement Ralph holds, read back through ``GET /xAPI/statements`` (following ``more``)."""
        found: list[dict] = []
        path = "/xAPI/statements?limit=1000"
        while path:
            page = self.get(path)
            found.extend(page.get("statements", []))
            path = page.get("more") or ""
            if path.startswith("http"):
                path = path.split(str(self.port), 1)[1]
        return found


def validate_with_ralph(venv: Path, statements: list[dict]) -> list[dict]:
    """Validate statements with Ralph's own pydantic model of xAPI (in Ralph's venv); return the errors."""
    script = (
        "import json, sys\n"
        "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
        "errors = []\n"
        "for line in sys.stdin:\n"
        "    statement = json.loads(line)\n"
        "    try:\n"
        "        BaseXapiStatement.model_validate(statement)\n"
        "    except Exception as error:\n"
        "        errors.append({'id': statement.get('id'), 'error': str(error)})\n"
        "print(json.dumps(errors))\n"
    )
    result = subprocess.run(
        [str(_python(venv)), "-c", script],
        input="".join(json.dumps(s) + "\n" for s in statements),
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RalphUnavailable(f"validation script failed:\n{result.stderr}")
    return json.loads(result.stdout)


class FaultProxy:
    """A TCP relay in front of Ralph, one HTTP request per connection.

    ``plan(n)`` says what to do with the n-th request (from 1): ``"pass"``,
    ``"error"`` (answer 503 without telling Ralph), ``"drop"`` (close without
    answering, Ralph never sees it), or ``"store-then-kill"`` (Ralph gets the
    whole batch and answers, then ``on_kill()`` runs, typically a SIGKILL of
    Ralph, and the answer is lost), or ``"slow"`` (nothing happens until
    ``slow_release`` is set, long after the client gave up; then Ralph gets
    the request, and ``slow_done`` is set once it answered).
    """

    def __init__(self, upstream_port: int, plan: Callable[[int], str], on_kill: Callable[[], None] | None = None) -> None:
        self.upstream_port, self.plan, self.on_kill = upstream_port, plan, on_kill
        self.count = 0
        self.log: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.slow_release = threading.Event()
        self.slow_done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _upstream(self, request: bytes) -> bytes:
        head, _, body = request.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
        request = b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as upstream:
            upstream.sendall(request)
            answer = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    return answer
                answer += chunk

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = self._read_request(client)
            with self._lock:
                self.count += 1
                action = self.plan(self.count)
                self.log.append(action)
            try:
                if action == "error":
                    client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                elif action == "drop":
                    return
                elif action == "slow":
                    self.slow_release.wait()
                    try:
                        self._upstream(request)
                    finally:
                        self.slow_done.set()
                elif action == "store-then-kill":
                    self._upstream(request)
                    if self.on_kill:
                        self.on_kill()
                    return
                else:
                    client.sendall(self._upstream(request))
            except OSError:
                return  # Ralph is down: the client sees a closed connection
