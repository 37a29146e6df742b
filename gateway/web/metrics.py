"""`GET /metrics`: Prometheus text, for the operator's scraper only (a token or an allow-listed address).

Two sources: the counters and histograms events move (gateway.telemetry.metrics), added up over every process
when PROMETHEUS_MULTIPROC_DIR is set (gunicorn), and figures counted here at each scrape from the database and
Redis (StoreCollector), which every process would otherwise report once each.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.pipeline.replay import depth
from gateway.telemetry import heartbeat, metrics
from store import gauges

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
WEBHOOK_BLUEPRINTS = frozenset({"sms", "voice", "receipts"})
LOOPBACK = ("127.0.0.1/32", "::1/128")


class StoreCollector:
    """Figures read at scrape time; a source that does not answer is left out and counted in
    declgate_scrape_errors, so a database outage does not take the other metrics with it."""

    def __init__(self, rt) -> None:
        self.rt = rt

    def collect(self):
        errors = GaugeMetricFamily("declgate_scrape_errors", "Sources this scrape could not read", labels=["source"])
        for source, read in (("database", self._database), ("redis", self._redis), ("spool", self._spool)):
            try:
                yield from read()
            except Exception as exc:  # noqa: BLE001 - reported as a metric, and the other sources still are
                log.warning("metrics: cannot read the %s (%s)", source, type(exc).__name__)
                errors.add_metric([source], 1)
        yield errors

    def _database(self):
        with self.rt.sessions() as session:
            count, age = gauges.waiting(session)
            reviews = gauges.review_queue(session)
            channels = gauges.declarations_by_channel(session)
            outbound = gauges.outbound_by_status(session)
        yield GaugeMetricFamily("declgate_inbound_waiting", "Inbound messages no worker has handled yet", value=count)
        yield GaugeMetricFamily("declgate_inbound_oldest_waiting_seconds",
                                "Age of the oldest inbound message no worker has handled (0: none waits)",
                                value=age or 0.0)
        review = GaugeMetricFamily("declgate_review_queue", "Open items in the officers' queue", labels=["reason"])
        for reason, n in sorted(reviews.items(), key=lambda item: str(item[0])):
            review.add_metric([reason or "none"], n)
        yield review
        declared = CounterMetricFamily("declgate_declarations", "Declarations stored, by channel", labels=["channel"])
        for channel, n in sorted(channels.items()):
            declared.add_metric([channel], n)
        yield declared
        sms = GaugeMetricFamily("declgate_outbound_last_day", "SMS recorded in the last 24 h, by status",
                                labels=["status"])
        for status, n in sorted(outbound.items()):
            sms.add_metric([status], n)
        yield sms

    def _redis(self):
        rt = self.rt
        yield GaugeMetricFamily("declgate_queue_jobs", "Jobs waiting in the RQ queue", value=rt.queue.count)
        yield GaugeMetricFamily("declgate_queue_failed_jobs", "Jobs in RQ's failed registry",
                                value=rt.queue.failed_job_registry.count)
        age = heartbeat.last_seen_age(rt.redis, rt.settings.queue_name)
        yield GaugeMetricFamily("declgate_worker_last_seen_seconds",
                                "Seconds since any worker's sweep last stamped its heartbeat (-1: never)",
                                value=-1 if age is None else age)

    def _spool(self):
        found = depth(self.rt)
        yield GaugeMetricFamily("declgate_spool_entries", "Messages waiting in the outage spool", value=found.entries)
        yield GaugeMetricFamily("declgate_spool_oldest_seconds", "Age of the oldest spooled message (0: none)",
                                value=found.oldest_age or 0.0)


def allowed(settings, remote_addr: str | None, authorization: str | None) -> bool:
    """A request bearing METRICS_TOKEN, or from an address METRICS_ALLOW lists (the demo: loopback)."""
    token = settings.metrics_token
    if token and authorization and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    networks = settings.metrics_allow or (LOOPBACK if settings.demo else ())
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


@bp.get("/metrics")
def scrape() -> Response:
    """Every metric in Prometheus's text format; 404 to anyone else (it is not there for them)."""
    rt = current_app.extensions["declgate"]
    if not allowed(rt.settings, request.remote_addr, request.headers.get("Authorization")):
        abort(404)
    events = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        events = CollectorRegistry()
        multiprocess.MultiProcessCollector(events)
    scraped = CollectorRegistry()
    scraped.register(StoreCollector(rt))
    return Response(generate_latest(events) + generate_latest(scraped), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve /metrics and count every webhook answered (in this process: no round trip on the webhook's path)."""
    app.register_blueprint(bp)

    @app.after_request
    def count_webhook(response: Response) -> Response:
        if request.blueprint in WEBHOOK_BLUEPRINTS:
            route = request.url_rule.rule if request.url_rule is not None else "other"
            metrics.WEBHOOKS.labels(route=route, outcome=str(response.status_code)).inc()
            if response.status_code == 403:  # the only 403 a webhook answers: gateway.webhooks.signature
                metrics.SIGNATURE_FAILURES.labels(route=route).inc()
        return response
