"""Prometheus metrics of the HTTP API: request counts and latency per route template, method and status.

Each app gets its own registry (tests build several apps in one process); labels use the route template
(``/api/v1/pagu/{kode_satker}``), never the raw path, so the number of series stays bounded.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401 - re-exported for the route

# Seconds; from a health probe (~1 ms) to a large batch upload (tens of seconds).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("hai_http_requests", "HTTP requests handled by the HAI API",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("hai_http_request_duration_seconds", "Time to answer an HTTP request (s)",
                                 ("method", "route", "status"), buckets=BUCKETS, registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
