"""The job queue's rules: procrastinate's tables (created by its own migrations, as the owner)
answer system actors only — the worker, `Task.defer` acting as system:jobs, the metrics scrape —
and, for reading, staff holding procrastinate.view_procrastinatejob (the admin). A user's
request context sees and changes no job, whatever it runs.

Row-level security is enabled, not forced: the owner runs procrastinate's own migrations and
its referential actions; app_user, which the application and the worker act as, owns nothing.
The privileges app_user holds on the tables come from the schema's default privileges
(SELECT, INSERT, UPDATE, DELETE): procrastinate's functions are SECURITY INVOKER and the worker
also reads and deletes jobs with plain SQL, so the policies, not the grants, draw the line."""

import django.db.models.deletion
from django.db import migrations, models

from apps.core.db.comments import comment_on

QUEUE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
)
STAFF_READABLE = ("procrastinate_jobs", "procrastinate_events", "job_failures")

SQL = [
    *(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY" for table in QUEUE_TABLES),
    "ALTER TABLE job_failures ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE job_failures FORCE ROW LEVEL SECURITY",
    *(
        f"CREATE POLICY {table}_system ON {table} USING ((SELECT app_is_system_actor())) "
        "WITH CHECK ((SELECT app_is_system_actor()))"
        for table in (*QUEUE_TABLES, "job_failures")
    ),
    *(
        f"CREATE POLICY {table}_staff_read ON {table} FOR SELECT "
        "USING ((SELECT app_has_permission('procrastinate.view_procrastinatejob')))"
        for table in STAFF_READABLE
    ),
    # /metrics counts the jobs still open or failed at every scrape: an index-only scan of
    # these, however many succeeded jobs the table keeps.
    "CREATE INDEX procrastinate_jobs_open_status_idx ON procrastinate_jobs (status, attempts) "
    "WHERE status IN ('todo', 'doing', 'failed')",
    # A job's failure goes with it when procrastinate deletes the job.
    "ALTER TABLE job_failures ADD CONSTRAINT job_failures_job_id_fkey FOREIGN KEY (job_id) "
    "REFERENCES procrastinate_jobs (id) ON DELETE CASCADE",
]
REVERSE = [
    "DROP INDEX procrastinate_jobs_open_status_idx",
    "ALTER TABLE job_failures DROP CONSTRAINT job_failures_job_id_fkey",
    *(f"DROP POLICY {table}_staff_read ON {table}" for table in STAFF_READABLE),
    *(f"DROP POLICY {table}_system ON {table}" for table in (*QUEUE_TABLES, "job_failures")),
    *(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY" for table in QUEUE_TABLES),
]

PROCRASTINATE = "procrastinate (the job queue, apps/jobs): "
COMMENTS = {
    **{
        f"POLICY {table}_system ON {table}": (
            "System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage "
            "the job queue; user contexts see and change none of it."
        )
        for table in (*QUEUE_TABLES, "job_failures")
    },
    **{
        f"POLICY {table}_staff_read ON {table}": (
            "Staff holding procrastinate.view_procrastinatejob read the queue (the admin)."
        )
        for table in STAFF_READABLE
    },
    "FUNCTION procrastinate_cancel_job_v1(bigint, boolean, boolean)": PROCRASTINATE
    + "cancels a waiting job, or asks a running one to abort.",
    "FUNCTION procrastinate_defer_jobs_v1(procrastinate_job_to_defer_v1[])": PROCRASTINATE
    + "inserts jobs (Task.defer), in the caller's transaction.",
    "FUNCTION procrastinate_defer_periodic_job_v2(character varying, character varying, "
    "character varying, character varying, integer, character varying, bigint, jsonb)": (
        PROCRASTINATE + "defers a periodic task's job once per due time."
    ),
    "FUNCTION procrastinate_fetch_job_v2(character varying[], bigint)": PROCRASTINATE
    + "a worker takes the next due job (FOR UPDATE SKIP LOCKED: one worker per job).",
    "FUNCTION procrastinate_finish_job_v1(bigint, procrastinate_job_status, boolean)": (
        PROCRASTINATE + "marks a running job succeeded, failed or aborted."
    ),
    "FUNCTION procrastinate_notify_queue_abort_job_v1()": PROCRASTINATE
    + "trigger function: NOTIFY the workers that a job is to be aborted.",
    "FUNCTION procrastinate_notify_queue_job_inserted_v1()": PROCRASTINATE
    + "trigger function: NOTIFY the workers listening on a queue that a job is due.",
    "FUNCTION procrastinate_prune_stalled_workers_v1(double precision)": PROCRASTINATE
    + "forgets workers whose heartbeat stopped.",
    "FUNCTION procrastinate_register_worker_v1()": PROCRASTINATE
    + "records a starting worker (its heartbeat row).",
    "FUNCTION procrastinate_retry_job_v1(bigint, timestamp with time zone, integer, "
    "character varying, character varying)": PROCRASTINATE
    + "schedules another attempt of a running job (older signature).",
    "FUNCTION procrastinate_retry_job_v2(bigint, timestamp with time zone, integer, "
    "character varying, character varying)": PROCRASTINATE
    + "schedules another attempt of a running or failed job (backoff, the admin's retry).",
    "FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1()": PROCRASTINATE
    + "trigger function: records an abort_requested event.",
    "FUNCTION procrastinate_trigger_function_scheduled_events_v1()": PROCRASTINATE
    + "trigger function: records a scheduled event for a job deferred to later.",
    "FUNCTION procrastinate_trigger_function_status_events_insert_v1()": PROCRASTINATE
    + "trigger function: records a deferred event for a new job.",
    "FUNCTION procrastinate_trigger_function_status_events_update_v1()": PROCRASTINATE
    + "trigger function: records an event for each change of a job's status.",
    "FUNCTION procrastinate_unlink_periodic_defers_v1()": PROCRASTINATE
    + "trigger function: unlinks a deleted job from its periodic defer.",
    "FUNCTION procrastinate_unregister_worker_v1(bigint)": PROCRASTINATE
    + "removes a stopping worker's heartbeat row.",
    "FUNCTION procrastinate_update_heartbeat_v1(bigint)": PROCRASTINATE
    + "a worker's heartbeat (stalled workers' jobs are retried).",
    "TRIGGER procrastinate_trigger_delete_jobs_v1 ON procrastinate_jobs": PROCRASTINATE
    + "unlinks a deleted job from its periodic defer.",
    "TRIGGER procrastinate_jobs_notify_queue_job_inserted_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "wakes the workers when a due job is inserted."
    ),
    "TRIGGER procrastinate_jobs_notify_queue_job_aborted_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "tells the workers a job is to be aborted."
    ),
    "TRIGGER procrastinate_trigger_status_events_insert_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "records a new job's deferred event."
    ),
    "TRIGGER procrastinate_trigger_scheduled_events_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "records a scheduled event for a job deferred to later."
    ),
    "TRIGGER procrastinate_trigger_abort_requested_events_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "records an abort request."
    ),
    "TRIGGER procrastinate_trigger_status_events_update_v1 ON procrastinate_jobs": (
        PROCRASTINATE + "records each change of a job's status (the admin's history)."
    ),
}


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("procrastinate", "0041_post_retry_failed_job"),
        ("core", "0009_session_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobFailure",
            fields=[
                (
                    "job",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="failure",
                        serialize=False,
                        to="procrastinate.procrastinatejob",
                    ),
                ),
                (
                    "attempts",
                    models.PositiveIntegerField(help_text="Attempts made when it failed last."),
                ),
                ("error", models.TextField()),
                ("failed_at", models.DateTimeField()),
            ],
            options={"db_table": "job_failures"},
        ),
        migrations.RunSQL(SQL, REVERSE),
        comment_on(COMMENTS),
    ]
