-- The current definition of the jobs app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] procrastinate_cancel_job_v1(job_id bigint, abort boolean, delete_job boolean) — procrastinate (the job queue, apps/jobs): cancels a waiting job, or asks a running one to abort.
CREATE OR REPLACE FUNCTION public.procrastinate_cancel_job_v1(job_id bigint, abort boolean, delete_job boolean)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
    _job_id bigint;
BEGIN
    IF delete_job THEN
        DELETE FROM procrastinate_jobs
        WHERE id = job_id AND status = 'todo'
        RETURNING id INTO _job_id;
    END IF;
    IF _job_id IS NULL THEN
        IF abort THEN
            UPDATE procrastinate_jobs
            SET abort_requested = true,
                status = CASE status
                    WHEN 'todo' THEN 'cancelled'::procrastinate_job_status ELSE status
                END
            WHERE id = job_id AND status IN ('todo', 'doing')
            RETURNING id INTO _job_id;
        ELSE
            UPDATE procrastinate_jobs
            SET status = 'cancelled'::procrastinate_job_status
            WHERE id = job_id AND status = 'todo'
            RETURNING id INTO _job_id;
        END IF;
    END IF;
    RETURN _job_id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_cancel_job_v1(job_id bigint, abort boolean, delete_job boolean) IS 'procrastinate (the job queue, apps/jobs): cancels a waiting job, or asks a running one to abort.';

-- [function] procrastinate_defer_jobs_v1(jobs procrastinate_job_to_defer_v1[]) — procrastinate (the job queue, apps/jobs): inserts jobs (Task.defer), in the caller's transaction.
CREATE OR REPLACE FUNCTION public.procrastinate_defer_jobs_v1(jobs procrastinate_job_to_defer_v1[])
 RETURNS bigint[]
 LANGUAGE plpgsql
AS $function$
DECLARE
    job_ids bigint[];
BEGIN
    WITH inserted_jobs AS (
        INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
        SELECT (job).queue_name,
               (job).task_name,
               (job).priority,
               (job).lock,
               (job).queueing_lock,
               (job).args,
               (job).scheduled_at
        FROM unnest(jobs) AS job
        RETURNING id
    )
    SELECT array_agg(id) FROM inserted_jobs INTO job_ids;

    RETURN job_ids;
END;
$function$;
COMMENT ON FUNCTION procrastinate_defer_jobs_v1(jobs procrastinate_job_to_defer_v1[]) IS 'procrastinate (the job queue, apps/jobs): inserts jobs (Task.defer), in the caller''s transaction.';

-- [function] procrastinate_defer_periodic_job_v2(_queue_name character varying, _lock character varying, _queueing_lock character varying, _task_name character varying, _priority integer, _periodic_id character varying, _defer_timestamp bigint, _args jsonb) — procrastinate (the job queue, apps/jobs): defers a periodic task's job once per due time.
CREATE OR REPLACE FUNCTION public.procrastinate_defer_periodic_job_v2(_queue_name character varying, _lock character varying, _queueing_lock character varying, _task_name character varying, _priority integer, _periodic_id character varying, _defer_timestamp bigint, _args jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
	_job_id bigint;
	_defer_id bigint;
BEGIN
    INSERT
        INTO procrastinate_periodic_defers (task_name, periodic_id, defer_timestamp)
        VALUES (_task_name, _periodic_id, _defer_timestamp)
        ON CONFLICT DO NOTHING
        RETURNING id into _defer_id;

    IF _defer_id IS NULL THEN
        RETURN NULL;
    END IF;

    UPDATE procrastinate_periodic_defers
        SET job_id = (
            SELECT COALESCE((
                SELECT unnest(procrastinate_defer_jobs_v1(
                    ARRAY[
                        ROW(
                            _queue_name,
                            _task_name,
                            _priority,
                            _lock,
                            _queueing_lock,
                            _args,
                            NULL::timestamptz
                        )
                    ]::procrastinate_job_to_defer_v1[]
                ))
            ), NULL)
        )
        WHERE id = _defer_id
        RETURNING job_id INTO _job_id;

    DELETE
        FROM procrastinate_periodic_defers
        USING (
            SELECT id
            FROM procrastinate_periodic_defers
            WHERE procrastinate_periodic_defers.task_name = _task_name
            AND procrastinate_periodic_defers.periodic_id = _periodic_id
            AND procrastinate_periodic_defers.defer_timestamp < _defer_timestamp
            ORDER BY id
            FOR UPDATE
        ) to_delete
        WHERE procrastinate_periodic_defers.id = to_delete.id;

    RETURN _job_id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_defer_periodic_job_v2(_queue_name character varying, _lock character varying, _queueing_lock character varying, _task_name character varying, _priority integer, _periodic_id character varying, _defer_timestamp bigint, _args jsonb) IS 'procrastinate (the job queue, apps/jobs): defers a periodic task''s job once per due time.';

-- [function] procrastinate_fetch_job_v2(target_queue_names character varying[], p_worker_id bigint) — procrastinate (the job queue, apps/jobs): a worker takes the next due job (FOR UPDATE SKIP LOCKED: one worker per job).
CREATE OR REPLACE FUNCTION public.procrastinate_fetch_job_v2(target_queue_names character varying[], p_worker_id bigint)
 RETURNS procrastinate_jobs
 LANGUAGE plpgsql
AS $function$
DECLARE
	found_jobs procrastinate_jobs;
BEGIN
    WITH candidate AS (
        SELECT jobs.*
            FROM procrastinate_jobs AS jobs
            WHERE
                -- reject the job if its lock has earlier or higher priority jobs
                NOT EXISTS (
                    SELECT 1
                        FROM procrastinate_jobs AS other_jobs
                        WHERE
                            jobs.lock IS NOT NULL
                            AND other_jobs.lock = jobs.lock
                            AND (
                                -- job with same lock is already running
                                other_jobs.status = 'doing'
                                OR
                                -- job with same lock is waiting and has higher priority (or same priority but was queued first)
                                (
                                    other_jobs.status = 'todo'
                                    AND (
                                        other_jobs.priority > jobs.priority
                                        OR (
                                        other_jobs.priority = jobs.priority
                                        AND other_jobs.id < jobs.id
                                        )
                                    )
                                )
                            )
                )
                AND jobs.status = 'todo'
                AND (target_queue_names IS NULL OR jobs.queue_name = ANY( target_queue_names ))
                AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= now())
            ORDER BY jobs.priority DESC, jobs.id ASC LIMIT 1
            FOR UPDATE OF jobs SKIP LOCKED
    )
    UPDATE procrastinate_jobs
        SET status = 'doing', worker_id = p_worker_id
        FROM candidate
        WHERE procrastinate_jobs.id = candidate.id
        RETURNING procrastinate_jobs.* INTO found_jobs;

 RETURN found_jobs;
END;
$function$;
COMMENT ON FUNCTION procrastinate_fetch_job_v2(target_queue_names character varying[], p_worker_id bigint) IS 'procrastinate (the job queue, apps/jobs): a worker takes the next due job (FOR UPDATE SKIP LOCKED: one worker per job).';

-- [function] procrastinate_finish_job_v1(job_id bigint, end_status procrastinate_job_status, delete_job boolean) — procrastinate (the job queue, apps/jobs): marks a running job succeeded, failed or aborted.
CREATE OR REPLACE FUNCTION public.procrastinate_finish_job_v1(job_id bigint, end_status procrastinate_job_status, delete_job boolean)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    _job_id bigint;
BEGIN
    IF end_status NOT IN ('succeeded', 'failed', 'aborted') THEN
        RAISE 'End status should be either "succeeded", "failed" or "aborted" (job id: %)', job_id;
    END IF;
    IF delete_job THEN
        DELETE FROM procrastinate_jobs
        WHERE id = job_id AND status IN ('todo', 'doing')
        RETURNING id INTO _job_id;
    ELSE
        UPDATE procrastinate_jobs
        SET status = end_status,
            abort_requested = false,
            attempts = CASE status
                WHEN 'doing' THEN attempts + 1 ELSE attempts
            END
        WHERE id = job_id AND status IN ('todo', 'doing')
        RETURNING id INTO _job_id;
    END IF;
    IF _job_id IS NULL THEN
        RAISE 'Job was not found or not in "doing" or "todo" status (job id: %)', job_id;
    END IF;
END;
$function$;
COMMENT ON FUNCTION procrastinate_finish_job_v1(job_id bigint, end_status procrastinate_job_status, delete_job boolean) IS 'procrastinate (the job queue, apps/jobs): marks a running job succeeded, failed or aborted.';

-- [function] procrastinate_notify_queue_abort_job_v1() — procrastinate (the job queue, apps/jobs): trigger function: NOTIFY the workers that a job is to be aborted.
CREATE OR REPLACE FUNCTION public.procrastinate_notify_queue_abort_job_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    payload TEXT;
BEGIN
    SELECT json_build_object('type', 'abort_job_requested', 'job_id', NEW.id)::text INTO payload;
	PERFORM pg_notify('procrastinate_queue_v1#' || NEW.queue_name, payload);
	PERFORM pg_notify('procrastinate_any_queue_v1', payload);
	RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_notify_queue_abort_job_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: NOTIFY the workers that a job is to be aborted.';

-- [function] procrastinate_notify_queue_job_inserted_v1() — procrastinate (the job queue, apps/jobs): trigger function: NOTIFY the workers listening on a queue that a job is due.
CREATE OR REPLACE FUNCTION public.procrastinate_notify_queue_job_inserted_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    payload TEXT;
BEGIN
    SELECT json_build_object('type', 'job_inserted', 'job_id', NEW.id)::text INTO payload;
	PERFORM pg_notify('procrastinate_queue_v1#' || NEW.queue_name, payload);
	PERFORM pg_notify('procrastinate_any_queue_v1', payload);
	RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_notify_queue_job_inserted_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: NOTIFY the workers listening on a queue that a job is due.';

-- [function] procrastinate_prune_stalled_workers_v1(seconds_since_heartbeat double precision) — procrastinate (the job queue, apps/jobs): forgets workers whose heartbeat stopped.
CREATE OR REPLACE FUNCTION public.procrastinate_prune_stalled_workers_v1(seconds_since_heartbeat double precision)
 RETURNS TABLE(worker_id bigint)
 LANGUAGE plpgsql
AS $function$
BEGIN
    RETURN QUERY
    DELETE FROM procrastinate_workers
    WHERE last_heartbeat < NOW() - (seconds_since_heartbeat || 'SECOND')::INTERVAL
    RETURNING procrastinate_workers.id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_prune_stalled_workers_v1(seconds_since_heartbeat double precision) IS 'procrastinate (the job queue, apps/jobs): forgets workers whose heartbeat stopped.';

-- [function] procrastinate_register_worker_v1() — procrastinate (the job queue, apps/jobs): records a starting worker (its heartbeat row).
CREATE OR REPLACE FUNCTION public.procrastinate_register_worker_v1()
 RETURNS TABLE(worker_id bigint)
 LANGUAGE plpgsql
AS $function$
BEGIN
    RETURN QUERY
    INSERT INTO procrastinate_workers DEFAULT VALUES
    RETURNING procrastinate_workers.id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_register_worker_v1() IS 'procrastinate (the job queue, apps/jobs): records a starting worker (its heartbeat row).';

-- [function] procrastinate_retry_job_v1(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying) — procrastinate (the job queue, apps/jobs): schedules another attempt of a running job (older signature).
CREATE OR REPLACE FUNCTION public.procrastinate_retry_job_v1(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    _job_id bigint;
    _abort_requested boolean;
BEGIN
    SELECT abort_requested FROM procrastinate_jobs
    WHERE id = job_id AND status = 'doing'
    FOR UPDATE
    INTO _abort_requested;
    IF _abort_requested THEN
        UPDATE procrastinate_jobs
        SET status = 'failed'::procrastinate_job_status
        WHERE id = job_id AND status = 'doing'
        RETURNING id INTO _job_id;
    ELSE
        UPDATE procrastinate_jobs
        SET status = 'todo'::procrastinate_job_status,
            attempts = attempts + 1,
            scheduled_at = retry_at,
            priority = COALESCE(new_priority, priority),
            queue_name = COALESCE(new_queue_name, queue_name),
            lock = COALESCE(new_lock, lock)
        WHERE id = job_id AND status = 'doing'
        RETURNING id INTO _job_id;
    END IF;

    IF _job_id IS NULL THEN
        RAISE 'Job was not found or not in "doing" status (job id: %)', job_id;
    END IF;
END;
$function$;
COMMENT ON FUNCTION procrastinate_retry_job_v1(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying) IS 'procrastinate (the job queue, apps/jobs): schedules another attempt of a running job (older signature).';

-- [function] procrastinate_retry_job_v2(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying) — procrastinate (the job queue, apps/jobs): schedules another attempt of a running or failed job (backoff, the admin's retry).
CREATE OR REPLACE FUNCTION public.procrastinate_retry_job_v2(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    _job_id bigint;
    _abort_requested boolean;
    _current_status procrastinate_job_status;
BEGIN
    SELECT status, abort_requested FROM procrastinate_jobs
    WHERE id = job_id AND status IN ('doing', 'failed')
    FOR UPDATE
    INTO _current_status, _abort_requested;
    IF _current_status = 'doing' AND _abort_requested THEN
        UPDATE procrastinate_jobs
        SET status = 'failed'::procrastinate_job_status
        WHERE id = job_id AND status = 'doing'
        RETURNING id INTO _job_id;
    ELSE
        UPDATE procrastinate_jobs
        SET status = 'todo'::procrastinate_job_status,
            attempts = attempts + 1,
            scheduled_at = retry_at,
            priority = COALESCE(new_priority, priority),
            queue_name = COALESCE(new_queue_name, queue_name),
            lock = COALESCE(new_lock, lock)
        WHERE id = job_id AND status IN ('doing', 'failed')
        RETURNING id INTO _job_id;
    END IF;

    IF _job_id IS NULL THEN
        RAISE 'Job was not found or has an invalid status to retry (job id: %)', job_id;
    END IF;

END;
$function$;
COMMENT ON FUNCTION procrastinate_retry_job_v2(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying) IS 'procrastinate (the job queue, apps/jobs): schedules another attempt of a running or failed job (backoff, the admin''s retry).';

-- [function] procrastinate_trigger_abort_requested_events_procedure_v1() — procrastinate (the job queue, apps/jobs): trigger function: records an abort_requested event.
CREATE OR REPLACE FUNCTION public.procrastinate_trigger_abort_requested_events_procedure_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO procrastinate_events(job_id, type)
        VALUES (NEW.id, 'abort_requested'::procrastinate_job_event_type);
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: records an abort_requested event.';

-- [function] procrastinate_trigger_function_scheduled_events_v1() — procrastinate (the job queue, apps/jobs): trigger function: records a scheduled event for a job deferred to later.
CREATE OR REPLACE FUNCTION public.procrastinate_trigger_function_scheduled_events_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO procrastinate_events(job_id, type, at)
        VALUES (NEW.id, 'scheduled'::procrastinate_job_event_type, NEW.scheduled_at);

	RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_trigger_function_scheduled_events_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: records a scheduled event for a job deferred to later.';

-- [function] procrastinate_trigger_function_status_events_insert_v1() — procrastinate (the job queue, apps/jobs): trigger function: records a deferred event for a new job.
CREATE OR REPLACE FUNCTION public.procrastinate_trigger_function_status_events_insert_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO procrastinate_events(job_id, type)
        VALUES (NEW.id, 'deferred'::procrastinate_job_event_type);
	RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_trigger_function_status_events_insert_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: records a deferred event for a new job.';

-- [function] procrastinate_trigger_function_status_events_update_v1() — procrastinate (the job queue, apps/jobs): trigger function: records an event for each change of a job's status.
CREATE OR REPLACE FUNCTION public.procrastinate_trigger_function_status_events_update_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    WITH t AS (
        SELECT CASE
            WHEN OLD.status = 'todo'::procrastinate_job_status
                AND NEW.status = 'doing'::procrastinate_job_status
                THEN 'started'::procrastinate_job_event_type
            WHEN OLD.status = 'doing'::procrastinate_job_status
                AND NEW.status = 'todo'::procrastinate_job_status
                THEN 'deferred_for_retry'::procrastinate_job_event_type
            WHEN OLD.status = 'doing'::procrastinate_job_status
                AND NEW.status = 'failed'::procrastinate_job_status
                THEN 'failed'::procrastinate_job_event_type
            WHEN OLD.status = 'doing'::procrastinate_job_status
                AND NEW.status = 'succeeded'::procrastinate_job_status
                THEN 'succeeded'::procrastinate_job_event_type
            WHEN OLD.status = 'todo'::procrastinate_job_status
                AND (
                    NEW.status = 'cancelled'::procrastinate_job_status
                    OR NEW.status = 'failed'::procrastinate_job_status
                    OR NEW.status = 'succeeded'::procrastinate_job_status
                )
                THEN 'cancelled'::procrastinate_job_event_type
            WHEN OLD.status = 'doing'::procrastinate_job_status
                AND NEW.status = 'aborted'::procrastinate_job_status
                THEN 'aborted'::procrastinate_job_event_type
            WHEN OLD.status = 'failed'::procrastinate_job_status
                AND NEW.status = 'todo'::procrastinate_job_status
                THEN 'retried'::procrastinate_job_event_type
            ELSE NULL
        END as event_type
    )
    INSERT INTO procrastinate_events(job_id, type)
        SELECT NEW.id, t.event_type
        FROM t
        WHERE t.event_type IS NOT NULL;
	RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION procrastinate_trigger_function_status_events_update_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: records an event for each change of a job''s status.';

-- [function] procrastinate_unlink_periodic_defers_v1() — procrastinate (the job queue, apps/jobs): trigger function: unlinks a deleted job from its periodic defer.
CREATE OR REPLACE FUNCTION public.procrastinate_unlink_periodic_defers_v1()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE procrastinate_periodic_defers
    SET job_id = NULL
    WHERE job_id = OLD.id;
    RETURN OLD;
END;
$function$;
COMMENT ON FUNCTION procrastinate_unlink_periodic_defers_v1() IS 'procrastinate (the job queue, apps/jobs): trigger function: unlinks a deleted job from its periodic defer.';

-- [function] procrastinate_unregister_worker_v1(worker_id bigint) — procrastinate (the job queue, apps/jobs): removes a stopping worker's heartbeat row.
CREATE OR REPLACE FUNCTION public.procrastinate_unregister_worker_v1(worker_id bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    DELETE FROM procrastinate_workers
    WHERE id = worker_id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_unregister_worker_v1(worker_id bigint) IS 'procrastinate (the job queue, apps/jobs): removes a stopping worker''s heartbeat row.';

-- [function] procrastinate_update_heartbeat_v1(worker_id bigint) — procrastinate (the job queue, apps/jobs): a worker's heartbeat (stalled workers' jobs are retried).
CREATE OR REPLACE FUNCTION public.procrastinate_update_heartbeat_v1(worker_id bigint)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE procrastinate_workers
    SET last_heartbeat = NOW()
    WHERE id = worker_id;
END;
$function$;
COMMENT ON FUNCTION procrastinate_update_heartbeat_v1(worker_id bigint) IS 'procrastinate (the job queue, apps/jobs): a worker''s heartbeat (stalled workers'' jobs are retried).';

-- [row level security] job_failures — row-level security enabled, forced on the owner too
ALTER TABLE job_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_failures FORCE ROW LEVEL SECURITY;

-- [row level security] procrastinate_events — row-level security enabled, not forced
ALTER TABLE procrastinate_events ENABLE ROW LEVEL SECURITY;

-- [row level security] procrastinate_jobs — row-level security enabled, not forced
ALTER TABLE procrastinate_jobs ENABLE ROW LEVEL SECURITY;

-- [row level security] procrastinate_periodic_defers — row-level security enabled, not forced
ALTER TABLE procrastinate_periodic_defers ENABLE ROW LEVEL SECURITY;

-- [row level security] procrastinate_workers — row-level security enabled, not forced
ALTER TABLE procrastinate_workers ENABLE ROW LEVEL SECURITY;

-- [policy] job_failures_staff_read ON job_failures — Staff holding procrastinate.view_procrastinatejob read the queue (the admin).
CREATE POLICY job_failures_staff_read ON job_failures
    FOR SELECT TO public
    USING (( SELECT app_has_permission('procrastinate.view_procrastinatejob'::text) AS app_has_permission));
COMMENT ON POLICY job_failures_staff_read ON job_failures IS 'Staff holding procrastinate.view_procrastinatejob read the queue (the admin).';

-- [policy] job_failures_system ON job_failures — System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.
CREATE POLICY job_failures_system ON job_failures
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY job_failures_system ON job_failures IS 'System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.';

-- [policy] procrastinate_events_staff_read ON procrastinate_events — Staff holding procrastinate.view_procrastinatejob read the queue (the admin).
CREATE POLICY procrastinate_events_staff_read ON procrastinate_events
    FOR SELECT TO public
    USING (( SELECT app_has_permission('procrastinate.view_procrastinatejob'::text) AS app_has_permission));
COMMENT ON POLICY procrastinate_events_staff_read ON procrastinate_events IS 'Staff holding procrastinate.view_procrastinatejob read the queue (the admin).';

-- [policy] procrastinate_events_system ON procrastinate_events — System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.
CREATE POLICY procrastinate_events_system ON procrastinate_events
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY procrastinate_events_system ON procrastinate_events IS 'System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.';

-- [policy] procrastinate_jobs_staff_read ON procrastinate_jobs — Staff holding procrastinate.view_procrastinatejob read the queue (the admin).
CREATE POLICY procrastinate_jobs_staff_read ON procrastinate_jobs
    FOR SELECT TO public
    USING (( SELECT app_has_permission('procrastinate.view_procrastinatejob'::text) AS app_has_permission));
COMMENT ON POLICY procrastinate_jobs_staff_read ON procrastinate_jobs IS 'Staff holding procrastinate.view_procrastinatejob read the queue (the admin).';

-- [policy] procrastinate_jobs_system ON procrastinate_jobs — System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.
CREATE POLICY procrastinate_jobs_system ON procrastinate_jobs
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY procrastinate_jobs_system ON procrastinate_jobs IS 'System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.';

-- [policy] procrastinate_periodic_defers_system ON procrastinate_periodic_defers — System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.
CREATE POLICY procrastinate_periodic_defers_system ON procrastinate_periodic_defers
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY procrastinate_periodic_defers_system ON procrastinate_periodic_defers IS 'System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.';

-- [policy] procrastinate_workers_system ON procrastinate_workers — System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.
CREATE POLICY procrastinate_workers_system ON procrastinate_workers
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY procrastinate_workers_system ON procrastinate_workers IS 'System actors (the worker, Task.defer as system:jobs, the metrics scrape) manage the job queue; user contexts see and change none of it.';

-- [trigger] procrastinate_jobs_notify_queue_job_aborted_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): tells the workers a job is to be aborted.
CREATE TRIGGER procrastinate_jobs_notify_queue_job_aborted_v1 AFTER UPDATE OF abort_requested ON public.procrastinate_jobs
    FOR EACH ROW
    WHEN ( ((old.abort_requested = false) AND (new.abort_requested = true) AND (new.status = 'doing'::procrastinate_job_status)))
    EXECUTE FUNCTION procrastinate_notify_queue_abort_job_v1();
COMMENT ON TRIGGER procrastinate_jobs_notify_queue_job_aborted_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): tells the workers a job is to be aborted.';

-- [trigger] procrastinate_jobs_notify_queue_job_inserted_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): wakes the workers when a due job is inserted.
CREATE TRIGGER procrastinate_jobs_notify_queue_job_inserted_v1 AFTER INSERT ON public.procrastinate_jobs
    FOR EACH ROW
    WHEN ( (new.status = 'todo'::procrastinate_job_status))
    EXECUTE FUNCTION procrastinate_notify_queue_job_inserted_v1();
COMMENT ON TRIGGER procrastinate_jobs_notify_queue_job_inserted_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): wakes the workers when a due job is inserted.';

-- [trigger] procrastinate_trigger_abort_requested_events_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): records an abort request.
CREATE TRIGGER procrastinate_trigger_abort_requested_events_v1 AFTER UPDATE OF abort_requested ON public.procrastinate_jobs
    FOR EACH ROW
    WHEN ( (new.abort_requested = true))
    EXECUTE FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1();
COMMENT ON TRIGGER procrastinate_trigger_abort_requested_events_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): records an abort request.';

-- [trigger] procrastinate_trigger_delete_jobs_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): unlinks a deleted job from its periodic defer.
CREATE TRIGGER procrastinate_trigger_delete_jobs_v1 BEFORE DELETE ON public.procrastinate_jobs
    FOR EACH ROW
    EXECUTE FUNCTION procrastinate_unlink_periodic_defers_v1();
COMMENT ON TRIGGER procrastinate_trigger_delete_jobs_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): unlinks a deleted job from its periodic defer.';

-- [trigger] procrastinate_trigger_scheduled_events_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): records a scheduled event for a job deferred to later.
CREATE TRIGGER procrastinate_trigger_scheduled_events_v1 AFTER INSERT OR UPDATE ON public.procrastinate_jobs
    FOR EACH ROW
    WHEN ( ((new.scheduled_at IS NOT NULL) AND (new.status = 'todo'::procrastinate_job_status)))
    EXECUTE FUNCTION procrastinate_trigger_function_scheduled_events_v1();
COMMENT ON TRIGGER procrastinate_trigger_scheduled_events_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): records a scheduled event for a job deferred to later.';

-- [trigger] procrastinate_trigger_status_events_insert_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): records a new job's deferred event.
CREATE TRIGGER procrastinate_trigger_status_events_insert_v1 AFTER INSERT ON public.procrastinate_jobs
    FOR EACH ROW
    WHEN ( (new.status = 'todo'::procrastinate_job_status))
    EXECUTE FUNCTION procrastinate_trigger_function_status_events_insert_v1();
COMMENT ON TRIGGER procrastinate_trigger_status_events_insert_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): records a new job''s deferred event.';

-- [trigger] procrastinate_trigger_status_events_update_v1 ON procrastinate_jobs — procrastinate (the job queue, apps/jobs): records each change of a job's status (the admin's history).
CREATE TRIGGER procrastinate_trigger_status_events_update_v1 AFTER UPDATE OF status ON public.procrastinate_jobs
    FOR EACH ROW
    EXECUTE FUNCTION procrastinate_trigger_function_status_events_update_v1();
COMMENT ON TRIGGER procrastinate_trigger_status_events_update_v1 ON procrastinate_jobs IS 'procrastinate (the job queue, apps/jobs): records each change of a job''s status (the admin''s history).';

-- [grant] ON SEQUENCE procrastinate_events_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE procrastinate_events_id_seq TO app_user;

-- [grant] ON SEQUENCE procrastinate_jobs_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE procrastinate_jobs_id_seq TO app_user;

-- [grant] ON SEQUENCE procrastinate_periodic_defers_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE procrastinate_periodic_defers_id_seq TO app_user;

-- [grant] ON SEQUENCE procrastinate_workers_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE procrastinate_workers_id_seq TO app_user;

-- [grant] ON TABLE job_failures — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE job_failures TO app_user;

-- [grant] ON TABLE procrastinate_events — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE procrastinate_events TO app_user;

-- [grant] ON TABLE procrastinate_jobs — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE procrastinate_jobs TO app_user;

-- [grant] ON TABLE procrastinate_periodic_defers — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE procrastinate_periodic_defers TO app_user;

-- [grant] ON TABLE procrastinate_workers — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE procrastinate_workers TO app_user;
