"""Serving the demo: `creditline serve` as a child process on loopback, until Ctrl-C.

The server runs in a process of its own (a clean interpreter, not the one that trained and
simulated) with its output in the demo folder's `server.log`, so the terminal keeps the accounts
and URLs. WebAuthn relying-party ids are host names, never IP addresses: the server listens on
127.0.0.1 but its relying party is `localhost` and its one origin `http://localhost:PORT`, the
address every printed URL uses.

Ctrl-C in a terminal reaches both processes; a SIGTERM or SIGHUP sent to the demo alone is passed
on, so the server never outlives the demo.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from creditline.demo.layout import DemoInvalid

HOST = "127.0.0.1"
START_S_MAX = 180.0  # a cold start on a loaded 2-core machine imports for a while
STOP_S_MAX = 15.0
STOPPING_ALONE_S = 2.0
POLL_S = 0.25


def origin(port: int) -> str:
    return f"http://localhost:{port}"


def require_free_port(port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind((HOST, port))
        except OSError:
            raise DemoInvalid(f"{HOST}:{port} is in use (a server still running?); stop it or choose another",
                              field="port") from None  # fmt: skip


def serve_command(db_url: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "creditline.cli.main", "serve", "--db", db_url, "--host", HOST, "--port", str(port),
        "--rp-id", "localhost", "--origins", origin(port), "--env", "development", "--no-migrate", "--no-access-log",
    ]  # fmt: skip


def serve(
    command: list[str], env: dict[str, str], log_path: Path, port: int, on_ready: Callable[[], None]
) -> None:
    """Run the server until it stops or the demo is interrupted; `on_ready` once /ready answers (migrated and warmed up)."""
    with log_path.open("ab") as log, _forwarded_stops():
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
        try:
            _wait_until_ready(server, port, log_path)
            on_ready()
            server.wait()
            if server.returncode not in (0, -signal.SIGINT, -signal.SIGTERM):
                raise DemoInvalid(
                    f"the server stopped with exit code {server.returncode}: {_last_line(log_path)}"
                )
        except KeyboardInterrupt:
            pass
        finally:
            _stop(server)


def _wait_until_ready(server: subprocess.Popen, port: int, log_path: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + START_S_MAX
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise DemoInvalid(f"the server did not start: {_last_line(log_path)} (log: {log_path})")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(POLL_S)
    raise DemoInvalid(f"the server did not answer /ready within {START_S_MAX:.0f} s (log: {log_path})")


def _stop(server: subprocess.Popen) -> None:
    """Let a server that got the terminal's Ctrl-C finish on its own; otherwise ask it, then insist."""
    try:
        try:
            server.wait(timeout=STOPPING_ALONE_S)
        except subprocess.TimeoutExpired:
            server.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
            server.wait(timeout=STOP_S_MAX)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # slow to stop, or a second Ctrl-C
        server.kill()
        server.wait()


@contextmanager
def _forwarded_stops() -> Iterator[None]:
    """SIGTERM and SIGHUP end the demo like Ctrl-C does (and so stop the server)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _last_line(log_path: Path) -> str:
    try:
        lines = [
            line
            for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        ]
    except OSError:
        return "no log"
    return lines[-1][:300] if lines else "no output"
