"""Running `creditline` commands as child processes, the way a person would, and reading their JSON.

The report and the securitisation steps go through the real commands (`report portfolio`, `abs
run`, `abs report`) rather than through their modules: the demo then shows exactly what those
commands do, and the files it leaves can be produced again by hand with the printed command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from creditline.errors import DomainError

COMMAND_S_MAX = 900.0
EXIT_USAGE = 2


class CommandRefused(DomainError):
    """The command refused its input (exit code 2): its one-line reason is the message."""

    code = "command_refused"


def creditline(*args: str) -> str:
    """Run `creditline ARGS…`; its stdout, or `CommandRefused` with its error line."""
    command = [sys.executable, "-m", "creditline.cli.main", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_S_MAX, check=False)
    if done.returncode == EXIT_USAGE:
        reason = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "refused")
        raise CommandRefused(f"creditline {args[0]} {args[1]}: {reason.removeprefix('error: ')}")
    if done.returncode != 0:
        raise RuntimeError(
            f"`creditline {' '.join(args)}` failed with exit code {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return done.stdout


def creditline_json(*args: str) -> Any:
    return json.loads(creditline(*args, "--json"))


def shown(*args: str) -> str:
    """The command as a person would type it (for the output and the manifest)."""
    return " ".join(["creditline", *(f'"{a}"' if " " in a else a for a in args)])
