"""Real processes for the fault tests: the server served by ``lycee-ia serve``, and a
TCP proxy that drops, cuts or holds connections at chosen points."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.sync.support import LYCEE_IA, ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, dialect: str, folder: Path, courses: Path, port: int) -> dict[str, str]:
    """How the server process is configured: server mode on PostgreSQL; on the SQLite
    run, a laptop-mode instance playing the server side (LYCEE_IA_SYNC_ROLE=server)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_") and k != "DATABASE_URL"}
    env.update({"PORT": str(port), "LYCEE_IA_COURSES_DIR": str(courses), "DATABASE_URL": database_url})
    # These tests replay hundreds of syncs in seconds, far above what one laptop
    # may push a minute; the limits themselves: tests/security/test_push_quota.py.
    env["LYCEE_IA_SYNC_PUSHES_PER_MINUTE"] = "100000"
    folder.mkdir(parents=True, exist_ok=True)
    if dialect == "postgresql":
        env.update(
            {
                "LYCEE_IA_MODE": "server",
                "SECRET_KEY": "server-process-" + secrets.token_hex(24),
                "LYCEE_IA_HOST": "127.0.0.1",
                "LYCEE_IA_SECURE_COOKIES": "0",
                "LYCEE_IA_TRUSTED_PROXIES": "0",
            }
        )
    else:
        env.update({"LYCEE_IA_MODE": "laptop", "LYCEE_IA_SYNC_ROLE": "server", "LYCEE_IA_DATA_DIR": str(folder)})
    return env


class ServerProcess:
    """``lycee-ia serve`` in its own process; SIGKILL and restart on demand."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen([*LYCEE_IA, "serve", "--threads", "4"], env=self.env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        handle.close()
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start ({self.process.returncode}):\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/sante", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever it was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _read_request(sock: socket.socket) -> bytes:
    """One HTTP request (head and Content-Length body) from a client socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
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
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


class FaultProxy:
    """A TCP proxy in front of the server. ``choose()`` picks what happens to each connection:

    - ``pass``: forward the request and the answer;
    - ``drop``: close before the server sees anything;
    - ``cut``: forward the request, let the server answer (it has committed), then close
      without giving the answer to the laptop;
    - ``kill``: forward the request, then SIGKILL the server while it works on it;
    - ``hold``: like ``cut``, but first wait until ``release`` is set (``held`` is set
      when the answer is in hand), so a test can kill the laptop at that point;
    - ``delay``: a slow answer: the server has answered (``held`` is set), and the
      answer reaches the laptop only once ``release`` is set.
    """

    def __init__(self, target_port: int, on_kill: Callable[[], None] | None = None) -> None:
        self.target_port = target_port
        self.on_kill = on_kill
        self.choose: Callable[[bytes], str] = lambda request: "pass"
        self.log: list[tuple[str, str]] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = _read_request(client)
            if not request:
                return
            mode = self.choose(request)
            line = request.split(b"\r\n", 1)[0].decode(errors="replace")
            self.log.append((mode, line))
            if mode == "drop":
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            except OSError:
                return  # the server is down: the laptop sees a closed connection
            with upstream:
                upstream.sendall(request)
                if mode == "kill":
                    time.sleep(0.005)
                    if self.on_kill:
                        self.on_kill()
                    return
                answer = _read_all(upstream)
            if mode == "cut":
                return
            if mode in ("hold", "delay"):
                self.held.set()
                self.release.wait(timeout=60)
                if mode == "hold":
                    return
            try:
                client.sendall(answer)
            except OSError:
                pass

    def close(self) -> None:
        self._stop = True
        self.listener.close()
