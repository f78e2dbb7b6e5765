"""Fixtures for the web tests: one site (API + pages) per module on SQLite, built once because the
origination deciders (PD model, fraud indexes) take seconds; each test keeps to its own borrowers."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from web_flows import make_site

    folder = tmp_path_factory.mktemp("web")
    app, engine = make_site(f"sqlite:///{folder / 'web.sqlite'}")
    yield app, engine
    engine.dispose()
