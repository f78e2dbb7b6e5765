"""End-to-end fixtures: a real `creditline serve` on a free port over a seeded SQLite database, and
headless Chromium driven by Playwright (helpers and the reasons in browser_helpers.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Platform,
    free_port,
    require_browser,
    seed,
    wait_until_up,
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    require_browser()
    folder = tmp_path_factory.mktemp("e2e")
    url, applicant, code, env = seed(folder)
    port = free_port()
    base = f"http://localhost:{port}"
    command = [str(Path(sys.executable).with_name("creditline")), "serve", "--db", url, "--host", "127.0.0.1",
               "--port", str(port), "--origins", base, "--no-access-log"]  # fmt: skip
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/ready", server, folder / "server.log")
        yield Platform(base, url, applicant, code)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def chromium(served: Platform) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
