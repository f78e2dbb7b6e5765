"""The app as uvicorn loads it in each worker process (`creditline.api.server:build`, factory=True).

`creditline serve` passes its options through `CREDITLINE_*` environment variables, which every
worker reads the same way, so one worker or four build the same app.
"""

from __future__ import annotations

from fastapi import FastAPI


def build() -> FastAPI:
    from creditline.api import create_app
    from creditline.api.middleware import configure_logging
    from creditline.api.settings import from_environment
    from creditline.api.warmup import prepare_routes, start_warm_up

    configure_logging()
    from creditline.store.engine import checkpoint_in_background

    app = create_app(from_environment())
    checkpoint_in_background(app.state.runtime.engine)  # SQLite: no request's commit copies the log
    prepare_routes(app)  # before the worker accepts a connection, not on its first request
    start_warm_up(app)  # the origination deciders, then the GC freeze; /ready waits for them
    return app
