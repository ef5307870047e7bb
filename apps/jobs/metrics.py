"""The job queue on /metrics: how many jobs wait, run, failed — read at scrape time in one query."""

from django.db import DatabaseError, connection
from prometheus_client.core import GaugeMetricFamily

from apps.core.context import DbContext, db_context

STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborting", "aborted")

# One pass over the jobs table; the ages are those of the oldest job still waiting to be
# picked up (due now) and of the oldest failure, in seconds.
QUEUE_SQL = """
    SELECT status::text, count(*),
           count(*) FILTER (WHERE status = 'todo' AND attempts > 0),
           extract(epoch FROM now() - min(scheduled_at) FILTER (
               WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))
    FROM procrastinate_jobs GROUP BY status
"""
OLDEST_TODO_SQL = """
    SELECT extract(epoch FROM now() - min(coalesce(e.at, now())))
    FROM procrastinate_jobs j
    LEFT JOIN LATERAL (SELECT max(at) AS at FROM procrastinate_events
                       WHERE job_id = j.id AND type IN ('deferred', 'deferred_for_retry')) e ON true
    WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
"""


def read_queue() -> dict[str, int] | None:
    """{state: count, "retrying": n}, or None when the database does not answer."""
    try:
        # The jobs table answers system actors only (row-level security).
        with db_context(DbContext.system("metrics")), connection.cursor() as cursor:
            cursor.execute(QUEUE_SQL)
            rows = cursor.fetchall()
    except DatabaseError:
        return None
    counts = dict.fromkeys(STATES, 0)
    counts["retrying"] = 0
    for state, count, retrying, _age in rows:
        counts[state] = count
        counts["retrying"] += retrying
    return counts


class JobQueueCollector:
    def collect(self):
        counts = read_queue()
        if counts is None:
            return
        jobs = GaugeMetricFamily(
            "havre_jobs", "Jobs in the queue (procrastinate_jobs), by state.", labels=["state"]
        )
        for state in STATES:
            jobs.add_metric([state], counts[state])
        yield jobs
        retrying = GaugeMetricFamily(
            "havre_jobs_retrying",
            "Jobs waiting for another attempt after a failure (state todo, attempts > 0).",
        )
        retrying.add_metric([], counts["retrying"])
        yield retrying
