"""Paying start-up costs at start-up, not on a visitor's request.

FastAPI (0.16x) builds an included router's routes — their pydantic adapters, dependency trees and
response fields — the first time a request walks them. With ~90 routes under /v1 and the web pages
mounted behind them, the first request to a console page paid 0.2–0.5 s of CPU (measured in
bench/bench_web.py: the dashboard's first request 400–830 ms, its handler ~10 ms). `prepare_routes`
walks every route once with a path none of them takes, so the building happens before the server
answers (`creditline serve`) or while /ready still says warming up (the console's warm-up thread).

In a served worker (`start_warm_up`, from `server.build`) a thread builds the origination deciders
(PD model, fraud indexes, strategies: a second or two on the first application otherwise) while
/ready says warming up, and, once every warm-up is done (the console's too), moves what start-up
allocated into the interpreter's permanent generation (`gc.freeze`): ~300,000 objects (modules,
models, route tables) a full collection would otherwise walk every time, stopping the worker for
~145 ms and with it every request it holds — the long tail of the HTTP benchmarks' latency.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Mapping
from typing import Any

from starlette.routing import Mount

NO_SUCH_PATH = "/.warm-up/no-such-route"


def prepare_routes(app: Any) -> int:
    """Match a path no route takes against every route of `app` and of the apps mounted in it (so
    each builds its lazy state); returns how many routes were walked (0 when `app` was walked before:
    `creditline serve` walks it before answering, and the console's warm-up thread would again)."""
    state = getattr(app, "state", None)
    if getattr(state, "routes_prepared", False):
        return 0
    walked = 0
    for route in getattr(getattr(app, "router", None), "routes", ()):
        scope = {"type": "http", "method": "GET", "path": NO_SUCH_PATH, "root_path": "", "headers": [],
                 "query_string": b"", "path_params": {}}  # fmt: skip
        route.matches(scope)
        walked += 1
        if isinstance(route, Mount):
            walked += prepare_routes(route.app)
    if state is not None:
        state.routes_prepared = True
    return walked


def start_warm_up(app: Any) -> None:
    """Build the origination deciders in the background (/ready waits for them under "origination"),
    then freeze start-up's objects once every registered warm-up is done."""
    warming = app.state.warming  # the console registers its own warm-ups here (creditline.web.site)
    done = warming["origination"] = threading.Event()
    threading.Thread(target=_warm, args=(app.state.runtime, warming, done), name="api-warm", daemon=True).start()


def _warm(runtime: Any, warming: Mapping[str, threading.Event], done: threading.Event) -> None:
    from creditline.app.apply import prepare_deciders

    try:
        prepare_deciders(runtime.engine, runtime.origination)
    except Exception:  # the first application builds them instead, and shows what fails
        logging.getLogger(__name__).exception("the origination deciders could not be prepared at start-up")
    finally:
        done.set()
    freeze_when_warm(warming)


def freeze_when_warm(warming: Mapping[str, threading.Event]) -> None:
    """Once every warm-up has finished, keep the cyclic garbage collector off what start-up built."""
    for done in warming.values():
        done.wait()
    gc.collect()
    gc.freeze()
