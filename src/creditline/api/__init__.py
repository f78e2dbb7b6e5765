"""The HTTP API (FastAPI): `create_app(settings)` builds it; `creditline serve` runs it under uvicorn."""

from creditline.api.app import create_app

__all__ = ["create_app"]
