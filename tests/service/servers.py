"""Run the real service in uvicorn subprocesses, for crash and multi-instance tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

KEY = "hk_test_key_for_the_subprocess_tests_000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn <target> --factory`` on a free port, logging to ``log_path``: the service's own app
    factory unless ``target`` (``module:function``) names another."""

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        log_level: str = "info",
        target: str = "routing.service.app:app_from_env",
        cwd: Path | None = None,
        **env: str,
    ) -> None:
        self.log_level = log_level
        self.target = target
        self.cwd = cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._env = {
            **os.environ,
            "HANDOFF_DATABASE_URL": database_url,
            "HANDOFF_BOOTSTRAP_TENANT": "acme",
            "HANDOFF_BOOTSTRAP_API_KEY": KEY,
            "HANDOFF_TICK_INTERVAL_S": "0.2",
            # the tests' escalations carry fixed times (2026-01-01T09:00Z); this server runs on
            # the real clock, so it takes created_at from a century either way
            "HANDOFF_LIMITS__CREATED_AT_PAST_S": str(100 * 365 * 86_400),
            "HANDOFF_LIMITS__CREATED_AT_FUTURE_S": str(100 * 365 * 86_400),
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment the server runs with (for a companion process on the same database)."""
        return dict(self._env)

    def start(self, timeout_s: float = 30.0) -> Server:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", self.target, "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", self.log_level],
                env=self._env, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd,
            )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become ready: {self.log_path.read_text()}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


HEADERS = {"Authorization": f"Bearer {KEY}"}
