"""The job queue on /metrics: how many jobs wait, run and failed, read at scrape time in one
query (an index-only scan of procrastinate_jobs_open_status_idx: the succeeded jobs the table
keeps cost nothing)."""

from django.db import DatabaseError, connection
from prometheus_client.core import GaugeMetricFamily

from apps.core.context import DbContext, db_context

STATES = ("todo", "doing", "failed")

QUEUE_SQL = """
    SELECT status::text, count(*), count(*) FILTER (WHERE attempts > 0)
    FROM procrastinate_jobs
    WHERE status IN ('todo', 'doing', 'failed')
    GROUP BY status
"""


def read_queue() -> dict[str, int] | None:
    """{state: count, "retrying": todo jobs that failed before}, or None when the database does
    not answer (havre_database_up says so)."""
    try:
        # The jobs table answers system actors only (row-level security).
        with db_context(DbContext.system("metrics")), connection.cursor() as cursor:
            cursor.execute(QUEUE_SQL)
            rows = cursor.fetchall()
    except DatabaseError:
        return None
    counts = dict.fromkeys(STATES, 0)
    counts["retrying"] = 0
    for state, count, failed_before in rows:
        counts[state] = count
        if state == "todo":
            counts["retrying"] = failed_before
    return counts


class JobQueueCollector:
    def collect(self):
        counts = read_queue()
        if counts is None:
            return
        jobs = GaugeMetricFamily(
            "havre_jobs",
            "Jobs in the queue by state: todo (waiting or scheduled), doing, failed (out of "
            "attempts: retry them in the admin).",
            labels=["state"],
        )
        for state in STATES:
            jobs.add_metric([state], counts[state])
        yield jobs
        retrying = GaugeMetricFamily(
            "havre_jobs_retrying",
            "Jobs waiting for another attempt after a failure (todo, attempts > 0).",
        )
        retrying.add_metric([], counts["retrying"])
        yield retrying
