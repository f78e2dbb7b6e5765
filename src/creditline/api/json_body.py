"""JSON request bodies decoded strictly: a key given twice in one object is refused, not last-wins.

`{"amount": "10.00", "amount": "10000.00"}` is ambiguous input on a money request — which did the
client mean, and which did a proxy, a log or a signature check read? Every API router's routes decode
their JSON bodies with `StrictJsonRoute`, and `problems` answers 422 naming the key. The check is the
decoder's object hook, so the body is still parsed once: 4-5 µs more on an application's 0.8 KB
(9 µs against json.loads' 5).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} appears more than once in one JSON object")
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen.add(key)
    raise AssertionError("a dict shorter than its pairs has a repeated key")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique)


def loads_strict(body: bytes) -> Any:
    """`json.loads` (the same encodings and errors) refusing a repeated key with `DuplicateKey`."""
    return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


class _StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body is decoded by `loads_strict` (FastAPI turns its `DuplicateKey` into
    a 400 caused by it, which `problems` answers as 422 naming the key)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJsonRequest(request.scope, request.receive))

        return strict
