"""A gunicorn for a benchmark: a free port, started in its own session, waited for, stopped, its workers' memory."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port: int, *, seconds: float = 30) -> None:
    """Return once something accepts connections on the port, or after `seconds` (the first request then fails)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's children: its workers."""
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in children]


@contextlib.contextmanager
def gunicorn(args: list[str], *, port: int, env: dict, seconds: float = 30, **popen) -> Iterator[subprocess.Popen]:
    """`python -m gunicorn ARGS` from the project root, answering on `port` inside the block, stopped after it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *args], cwd=ROOT, env=env, start_new_session=True, **popen
    )
    try:
        wait_until_listening(port, seconds=seconds)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
