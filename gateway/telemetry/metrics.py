"""The gateway's Prometheus metrics that events move: counters and histograms kept in this process.

They cost a webhook no Redis or database round trip (the webhook's cost is benchmarked). Under gunicorn each
process keeps its own: with PROMETHEUS_MULTIPROC_DIR set before the processes start, prometheus_client writes
them to files there and /metrics adds every process up (gateway.web.metrics). Figures read from the database
or Redis (queue depth, review queue, declarations) are counted when /metrics is scraped, not here.
"""
from __future__ import annotations

import datetime as dt

from prometheus_client import Counter, Histogram

WEBHOOKS = Counter("declgate_webhooks", "Webhook requests by route and outcome (the HTTP status answered)",
                   ["route", "outcome"])
SIGNATURE_FAILURES = Counter("declgate_signature_failures", "Webhooks refused for a bad X-Twilio-Signature",
                             ["route"])
JOB_SECONDS = Histogram("declgate_job_duration_seconds", "How long a job ran, by job",
                        ["job"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
REPLY_LATENCY = Histogram("declgate_reply_latency_seconds",
                          "From the inbound webhook to its reply: recorded (the job committed it), queued (Twilio "
                          "took it), delivered (the carrier's receipt)", ["stage"],
                          buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200))
DELIVERY_FAILURES = Counter("declgate_delivery_failures", "SMS that failed or were undelivered, by Twilio ErrorCode",
                            ["error_code"])
RECEIPTS = Counter("declgate_delivery_receipts", "Delivery receipts by the status they carried and what they did",
                   ["status", "outcome"])
CALLS_ENDED = Counter("declgate_calls", "Voice-line calls by the status Twilio's call status callback reported",
                      ["status"])

DRAIN_SECONDS = JOB_SECONDS.labels(job="drain")
PROCESS_SECONDS = JOB_SECONDS.labels(job="process_inbound")
SEND_SECONDS = JOB_SECONDS.labels(job="send_sms")


def reply_latency(stage: str, since: dt.datetime | None, now: dt.datetime) -> None:
    """Observe the time from an inbound message's arrival (stored naive UTC) to `now` for one stage."""
    if since is not None:
        REPLY_LATENCY.labels(stage=stage).observe(max((now - since).total_seconds(), 0.0))


def delivery_failed(error_code: str | None) -> None:
    DELIVERY_FAILURES.labels(error_code=error_code or "none").inc()
