"""A real laptop instance in its own process: `lycee-ia serve`, killable."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LaptopProcess:
    """`python -m lycee_ia serve` on 127.0.0.1 with its own data folder."""

    def __init__(self, data_dir: Path, courses_dir: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEE_IA_") and k not in ("DATABASE_URL", "SECRET_KEY")}
        self.env.update({"LYCEE_IA_DATA_DIR": str(data_dir), "PORT": str(self.port), "LYCEE_IA_MODE": "laptop"})
        if courses_dir is not None:
            self.env["LYCEE_IA_COURSES_DIR"] = str(courses_dir)
        self.database = data_dir / "lycee-ia.sqlite3"
        self.process: subprocess.Popen | None = None

    def command(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "lycee_ia", *args], env=self.env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "lycee_ia", "serve"], env=self.env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/sante", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError("the server stopped at start")
                time.sleep(0.1)
        raise AssertionError("the server did not answer in 30 s")

    def kill(self) -> None:
        """SIGKILL: the laptop's battery dies; nothing gets to clean up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
