"""Prometheus metrics of the pipeline (one registry per process, exposed on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter("monitor_polls", "Feed polls by result (200, 304, unchanged, error).", ["result"], registry=REGISTRY)
ITEMS = Counter("monitor_items", "Stored items by verdict (new, update, repeat, irrelevant).", ["verdict"],
                registry=REGISTRY)
EXTRACTION_FAILURES = Counter("monitor_extraction_failures", "Article pages that fell back to the feed teaser.",
                              registry=REGISTRY)
DEFERRED_PAGES = Counter("monitor_deferred_pages", "Article pages that failed for now, deferred to a later poll.",
                         registry=REGISTRY)
NOTIFICATIONS = Counter("monitor_notifications", "Digest deliveries by channel and result.", ["channel", "result"],
                        registry=REGISTRY)
CYCLE_SECONDS = Histogram("monitor_poll_cycle_seconds", "Duration of one daemon cycle (poll, digests, deliveries).",
                          buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600), registry=REGISTRY)
DUE_FEEDS = Gauge("monitor_due_feeds", "Feeds whose next poll time has come (queue depth).", registry=REGISTRY)
PENDING_DELIVERIES = Gauge("monitor_pending_deliveries", "Digest deliveries still owed.", registry=REGISTRY)
