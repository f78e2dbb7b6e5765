"""`creditline serve` as a child process the proofs can start, stop and SIGKILL.

The server runs in a process group of its own (`start_new_session`), so killing the group takes
uvicorn's workers with it, the way a machine losing power would; `stop` is the polite SIGTERM.
Rate limits are lifted for the load (the server's defaults would refuse a bank test's clients).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STARTUP_S_MAX = 120
STOP_S_MAX = 20
ORIGIN = "http://localhost"  # passkeys are bound to a host name, not an address


def creditline_command() -> str:
    return str(Path(sys.executable).with_name("creditline"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    base: str  # http://127.0.0.1:PORT
    log: Path  # stdout and stderr of the server (its JSON access log)
    port: int

    def alive(self) -> bool:
        return self.process.poll() is None


def start(db_url: str, folder: Path, *, workers: int = 1, port: int | None = None, env: dict[str, str] | None = None,
          migrate: bool = False, name: str = "server", options: tuple[str, ...] = ("--origins", ORIGIN)) -> Served:  # fmt: skip
    """Serve `db_url` (already initialised unless `migrate`) and wait until /ready answers."""
    port = port or free_port()
    log = folder / f"{name}.log"
    command = [creditline_command(), "serve", "--db", db_url, "--port", str(port), "--workers", str(workers),
               *options, *([] if migrate else ["--no-migrate"])]  # fmt: skip
    environment = os.environ | {"CREDITLINE_RATE_PER_S": "1000000", "CREDITLINE_RATE_BURST": "1000000"} | (env or {})
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    served = Served(process, f"http://127.0.0.1:{port}", log, port)
    wait_ready(served)
    return served


def wait_ready(served: Served, timeout_s: float = STARTUP_S_MAX) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not served.alive():
            raise RuntimeError(f"creditline serve exited {served.process.returncode}: {tail(served.log)}")
        try:
            if httpx.get(f"{served.base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    kill(served)
    raise RuntimeError(f"creditline serve was not ready in {timeout_s} s: {tail(served.log)}")


def kill(served: Served) -> None:
    """SIGKILL the server's process group: no shutdown hook, no flush, no goodbye."""
    _signal_group(served.process, signal.SIGKILL)
    served.process.wait()


def stop(served: Served) -> None:
    _signal_group(served.process, signal.SIGTERM)
    try:
        served.process.wait(timeout=STOP_S_MAX)
    except subprocess.TimeoutExpired:
        kill(served)


def _signal_group(process: subprocess.Popen, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, number)  # the group this process leads (start_new_session)


def tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""
