"""Prometheus metrics: request counts and latency histograms by route template and status.

Labels use the route template (`/v1/loans/{loan_id}`), never the raw path, so ids cannot blow up
the series count; unmatched paths share one label. With several uvicorn workers, `creditline
serve` sets PROMETHEUS_MULTIPROC_DIR and each scrape sums every worker's files.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

UNMATCHED = "<unmatched>"
BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "creditline_http_requests", "HTTP requests served", ("method", "route", "status"), registry=self.registry
        )
        self.latency = Histogram(
            "creditline_http_request_duration_seconds", "Time to serve a request", ("method", "route", "status"),
            buckets=BUCKETS_S, registry=self.registry,
        )  # fmt: skip

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        code = str(status)
        self.requests.labels(method, route, code).inc()
        self.latency.labels(method, route, code).observe(seconds)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
