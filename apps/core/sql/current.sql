-- The current definition of the core app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [extension] btree_gist — support for indexing common datatypes in GiST
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- [extension] cube — data type for multidimensional cubes
CREATE EXTENSION IF NOT EXISTS cube;

-- [extension] pg_stat_statements — track planning and execution statistics of all SQL statements executed
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- [extension] pg_trgm — text similarity measurement and index searching based on trigrams
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- [extension] unaccent — text search dictionary that removes accents
CREATE EXTENSION IF NOT EXISTS unaccent;

-- [function] app_first_changed_column(old_row jsonb, new_row jsonb, columns text[]) — The first of `columns` whose value differs between two rows (as jsonb), or NULL.
CREATE OR REPLACE FUNCTION public.app_first_changed_column(old_row jsonb, new_row jsonb, columns text[])
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
        SELECT c FROM unnest(columns) WITH ORDINALITY AS x(c, n)
        WHERE (old_row -> c) IS DISTINCT FROM (new_row -> c)
        ORDER BY n LIMIT 1
    $function$;
COMMENT ON FUNCTION app_first_changed_column(old_row jsonb, new_row jsonb, columns text[]) IS 'The first of `columns` whose value differs between two rows (as jsonb), or NULL.';

-- [function] app_has_permission(permission text) — Django's user.has_perm('app_label.codename') for the acting user, answered from Django's tables: true for an active staff user who is a superuser or holds the permission directly or through a group. False, without reading anything, when the context is not staff.
CREATE OR REPLACE FUNCTION public.app_has_permission(permission text)
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
        SELECT CASE WHEN coalesce(app_setting('app.is_staff') = 'on', false) THEN EXISTS (
            SELECT 1 FROM users u
            WHERE u.id = app_user_id() AND u.is_active AND u.is_staff
              AND (u.is_superuser
                   OR EXISTS (
                       SELECT 1 FROM users_user_permissions up
                       JOIN auth_permission p ON p.id = up.permission_id
                       JOIN django_content_type ct ON ct.id = p.content_type_id
                       WHERE up.user_id = u.id
                         AND ct.app_label = split_part(permission, '.', 1)
                         AND p.codename = split_part(permission, '.', 2))
                   OR EXISTS (
                       SELECT 1 FROM users_groups ug
                       JOIN auth_group_permissions gp ON gp.group_id = ug.group_id
                       JOIN auth_permission p ON p.id = gp.permission_id
                       JOIN django_content_type ct ON ct.id = p.content_type_id
                       WHERE ug.user_id = u.id
                         AND ct.app_label = split_part(permission, '.', 1)
                         AND p.codename = split_part(permission, '.', 2))))
        ELSE false END
    $function$;
COMMENT ON FUNCTION app_has_permission(permission text) IS 'Django''s user.has_perm(''app_label.codename'') for the acting user, answered from Django''s tables: true for an active staff user who is a superuser or holds the permission directly or through a group. False, without reading anything, when the context is not staff.';

-- [function] app_is_privileged() — True for active staff and for system actors (command:, system:), whom the *_staff_and_system policies let through.
CREATE OR REPLACE FUNCTION public.app_is_privileged()
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
        SELECT coalesce(app_setting('app.is_staff') = 'on', false)
            OR coalesce(split_part(app_setting('app.actor'), ':', 1) IN ('command', 'system'), false)
    $function$;
COMMENT ON FUNCTION app_is_privileged() IS 'True for active staff and for system actors (command:, system:), whom the *_staff_and_system policies let through.';

-- [function] app_is_superuser() — True when the acting user is an active staff superuser (read from the users table).
CREATE OR REPLACE FUNCTION public.app_is_superuser()
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$
        SELECT CASE WHEN coalesce(app_setting('app.is_staff') = 'on', false) THEN EXISTS (
            SELECT 1 FROM users u
            WHERE u.id = app_user_id() AND u.is_active AND u.is_staff AND u.is_superuser)
        ELSE false END
    $function$;
COMMENT ON FUNCTION app_is_superuser() IS 'True when the acting user is an active staff superuser (read from the users table).';

-- [function] app_is_system_actor() — True when app.actor names a management command (command:<name>) or a system purpose (system:<purpose>), i.e. code of the application acting on no user's behalf.
CREATE OR REPLACE FUNCTION public.app_is_system_actor()
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT coalesce(split_part(app_setting('app.actor'), ':', 1) IN ('command', 'system'),
                          false) $function$;
COMMENT ON FUNCTION app_is_system_actor() IS 'True when app.actor names a management command (command:<name>) or a system purpose (system:<purpose>), i.e. code of the application acting on no user''s behalf.';

-- [function] app_may_grant_permissions() — True for an active superuser or a maintenance actor (a command, a system purpose other than auth/password/email): who may write users_groups and users_user_permissions.
CREATE OR REPLACE FUNCTION public.app_may_grant_permissions()
 RETURNS boolean
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT app_is_superuser()
              OR (app_is_system_actor()
                  AND app_setting('app.actor')
                      NOT IN ('system:auth', 'system:password', 'system:email')) $function$;
COMMENT ON FUNCTION app_may_grant_permissions() IS 'True for an active superuser or a maintenance actor (a command, a system purpose other than auth/password/email): who may write users_groups and users_user_permissions.';

-- [function] app_refuse_column(target regclass, column_name text, rule text) — Raises SQLSTATE 42501 (insufficient_privilege) naming the table, the column and the rule (constraint <table>_privileged_columns): the API answers 403 naming the field.
CREATE OR REPLACE FUNCTION public.app_refuse_column(target regclass, column_name text, rule text)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    RAISE EXCEPTION 'permission denied to change %.%: %', target, column_name, rule
        USING ERRCODE = 'insufficient_privilege',
              TABLE = (SELECT relname FROM pg_class WHERE oid = target),
              COLUMN = column_name,
              CONSTRAINT = (SELECT relname FROM pg_class WHERE oid = target)
                           || '_privileged_columns';
END;
$function$;
COMMENT ON FUNCTION app_refuse_column(target regclass, column_name text, rule text) IS 'Raises SQLSTATE 42501 (insufficient_privilege) naming the table, the column and the rule (constraint <table>_privileged_columns): the API answers 403 naming the field.';

-- [function] app_runs_as_owner(target regclass) — True when the current role owns the table: a SECURITY DEFINER function of the schema owner (e.g. listings_refresh_rating), a referential action, or a migration. Never the runtime role.
CREATE OR REPLACE FUNCTION public.app_runs_as_owner(target regclass)
 RETURNS boolean
 LANGUAGE sql
 STABLE
AS $function$
        SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                       WHERE c.oid = target AND r.rolname = current_user)
    $function$;
COMMENT ON FUNCTION app_runs_as_owner(target regclass) IS 'True when the current role owns the table: a SECURITY DEFINER function of the schema owner (e.g. listings_refresh_rating), a referential action, or a migration. Never the runtime role.';

-- [function] app_setting(name text) — Reads one transaction-local request setting (app.*), NULL when missing or empty.
CREATE OR REPLACE FUNCTION public.app_setting(name text)
 RETURNS text
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT nullif(current_setting(name, true), '') $function$;
COMMENT ON FUNCTION app_setting(name text) IS 'Reads one transaction-local request setting (app.*), NULL when missing or empty.';

-- [function] app_tenant_id() — The request's tenant id, which tenant-scoped policies compare with.
CREATE OR REPLACE FUNCTION public.app_tenant_id()
 RETURNS bigint
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT app_setting('app.tenant_id')::bigint $function$;
COMMENT ON FUNCTION app_tenant_id() IS 'The request''s tenant id, which tenant-scoped policies compare with.';

-- [function] app_user_id() — The acting user's id from the request context, NULL for anonymous.
CREATE OR REPLACE FUNCTION public.app_user_id()
 RETURNS bigint
 LANGUAGE sql
 STABLE PARALLEL SAFE
AS $function$ SELECT app_setting('app.user_id')::bigint $function$;
COMMENT ON FUNCTION app_user_id() IS 'The acting user''s id from the request context, NULL for anonymous.';

-- [function] audit_capture() — Audit trigger: writes one audit_logs row per affected row and statement, as the owner, so that the application can neither forge nor skip its history.
CREATE OR REPLACE FUNCTION public.audit_capture()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
DECLARE
    masked text[] := coalesce(TG_ARGV[0], '{}')::text[];
    who bigint := app_user_id();
    actor text := coalesce(app_setting('app.actor'), 'db:' || session_user);
    agent text := app_setting('app.user_agent');
    ip inet := app_setting('app.ip')::inet;
    request text := coalesce(app_setting('app.request_id'), '');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_logs (table_name, record_id, action, new_data,
                                user_id, actor, user_agent, ip_address, request_id)
        SELECT TG_TABLE_NAME, n.id, 'CREATE', audit_mask(to_jsonb(n) - 'search_vector', masked),
               who, actor, agent, ip, request
        FROM new_rows AS n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_logs (table_name, record_id, action, old_data, new_data, changes,
                                user_id, actor, user_agent, ip_address, request_id)
        WITH pairs AS MATERIALIZED (
            SELECT n.id, to_jsonb(o) - 'search_vector' AS old_data,
                   to_jsonb(n) - 'search_vector' AS new_data
            FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        ), diffs AS MATERIALIZED (
            SELECT id, old_data, new_data, audit_diff(old_data, new_data, masked) AS changes
            FROM pairs
        )
        SELECT TG_TABLE_NAME, d.id, 'UPDATE',
               audit_mask(d.old_data, masked), audit_mask(d.new_data, masked), d.changes,
               who, actor, agent, ip, request
        FROM diffs AS d
        WHERE d.changes <> '{}'::jsonb;
    ELSE
        INSERT INTO audit_logs (table_name, record_id, action, old_data,
                                user_id, actor, user_agent, ip_address, request_id)
        SELECT TG_TABLE_NAME, o.id, 'DELETE', audit_mask(to_jsonb(o) - 'search_vector', masked),
               who, actor, agent, ip, request
        FROM old_rows AS o;
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION audit_capture() IS 'Audit trigger: writes one audit_logs row per affected row and statement, as the owner, so that the application can neither forge nor skip its history.';

-- [function] audit_diff(old_data jsonb, new_data jsonb, masked text[]) — The columns an UPDATE changed, as old and new values, for an audit row.
CREATE OR REPLACE FUNCTION public.audit_diff(old_data jsonb, new_data jsonb, masked text[])
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
        SELECT coalesce(jsonb_object_agg(
            n.key,
            CASE WHEN n.key = ANY (masked)
                THEN '{"old": "********", "new": "********"}'::jsonb
                ELSE jsonb_build_object('old', old_data -> n.key, 'new', n.value)
            END), '{}'::jsonb)
        FROM jsonb_each(new_data) AS n
        WHERE n.key <> 'updated_at' AND (old_data -> n.key) IS DISTINCT FROM n.value
    $function$;
COMMENT ON FUNCTION audit_diff(old_data jsonb, new_data jsonb, masked text[]) IS 'The columns an UPDATE changed, as old and new values, for an audit row.';

-- [function] audit_enable(target regclass, masked text[]) — Attaches the three audit triggers to a table (used by migrations, idempotent).
CREATE OR REPLACE FUNCTION public.audit_enable(target regclass, masked text[] DEFAULT '{}'::text[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
    tbl text := (SELECT relname FROM pg_class WHERE oid = target);
    args text := quote_literal(masked::text);
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', tbl || '_audit_insert', target);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', tbl || '_audit_update', target);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', tbl || '_audit_delete', target);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(%s)',
                   tbl || '_audit_insert', target, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(%s)',
                   tbl || '_audit_update', target, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_capture(%s)',
                   tbl || '_audit_delete', target, args);
END;
$function$;
COMMENT ON FUNCTION audit_enable(target regclass, masked text[]) IS 'Attaches the three audit triggers to a table (used by migrations, idempotent).';

-- [function] audit_erase_values(changes jsonb) — An audit row's `changes` without its values: the column names stay, each old and new value masked.
CREATE OR REPLACE FUNCTION public.audit_erase_values(changes jsonb)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
        SELECT CASE WHEN changes IS NULL THEN NULL ELSE coalesce(
            (SELECT jsonb_object_agg(key, '{"old": "********", "new": "********"}'::jsonb)
             FROM jsonb_each(changes)),
            '{}'::jsonb) END
    $function$;
COMMENT ON FUNCTION audit_erase_values(changes jsonb) IS 'An audit row''s `changes` without its values: the column names stay, each old and new value masked.';

-- [function] audit_logs_ensure_partition(day date) — Creates the monthly audit_logs partition holding a day, moving its rows out of the default partition.
CREATE OR REPLACE FUNCTION public.audit_logs_ensure_partition(day date)
 RETURNS text
 LANGUAGE plpgsql
AS $function$
DECLARE
    month_start timestamptz := date_trunc('month', day)::timestamp AT TIME ZONE 'UTC';
    month_end timestamptz := (date_trunc('month', day) + interval '1 month')::timestamp
                             AT TIME ZONE 'UTC';
    part text := format('audit_logs_%s', to_char(date_trunc('month', day), 'YYYY_MM'));
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN part;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I (LIKE audit_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part
    );
    -- Rows of that month that fell into the default partition move to their own.
    EXECUTE format(
        'WITH moved AS (DELETE FROM audit_logs_default WHERE "timestamp" >= %L '
        'AND "timestamp" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        month_start, month_end, part
    );
    EXECUTE format(
        'ALTER TABLE audit_logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part, month_start, month_end
    );
    PERFORM audit_logs_lock_partition(part::regclass);
    RETURN part;
END;
$function$;
COMMENT ON FUNCTION audit_logs_ensure_partition(day date) IS 'Creates the monthly audit_logs partition holding a day, moving its rows out of the default partition.';

-- [function] audit_logs_erase_user(target bigint) — Erasure of an account: scrubs the values, IP and user agent of the audit rows made by or about the user, then records the erasure (no personal data). The user themself, a system actor or a superuser only.
CREATE OR REPLACE FUNCTION public.audit_logs_erase_user(target bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
DECLARE
    previous text := coalesce(current_setting('app.actor', true), '');
    caller text := coalesce(app_setting('app.actor'), 'db:' || session_user);
    own boolean := coalesce(app_user_id() = target AND caller = 'user:' || target, false);
    scrubbed bigint;
BEGIN
    IF target IS NULL OR NOT (own OR app_is_system_actor() OR app_is_superuser()) THEN
        RAISE EXCEPTION 'permission denied to erase the audit trail of user %', target
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the user themself, a system actor or a superuser may.';
    END IF;
    PERFORM set_config('app.actor', 'system:audit_scrub', true);
    UPDATE audit_logs
    SET old_data = NULL, new_data = NULL, changes = audit_erase_values(changes),
        ip_address = NULL, user_agent = NULL
    WHERE (user_id = target
           OR (table_name = 'users' AND record_id = target)
           OR (table_name = 'profiles'
               AND record_id IN (SELECT p.id FROM profiles p WHERE p.user_id = target)))
      AND (old_data IS NOT NULL OR new_data IS NOT NULL
           OR ip_address IS NOT NULL OR user_agent IS NOT NULL);
    GET DIAGNOSTICS scrubbed = ROW_COUNT;
    PERFORM set_config('app.actor', previous, true);
    INSERT INTO audit_logs (table_name, record_id, action, changes, user_id, actor, request_id)
    VALUES ('users', target, 'UPDATE', '{"erased": {"old": false, "new": true}}'::jsonb,
            app_user_id(), caller, coalesce(app_setting('app.request_id'), ''));
    RETURN scrubbed;
END;
$function$;
COMMENT ON FUNCTION audit_logs_erase_user(target bigint) IS 'Erasure of an account: scrubs the values, IP and user agent of the audit rows made by or about the user, then records the erasure (no personal data). The user themself, a system actor or a superuser only.';

-- [function] audit_logs_lock_partition(part regclass) — Enables and forces row-level security on an audit_logs partition, so that it is reachable through the parent only.
CREATE OR REPLACE FUNCTION public.audit_logs_lock_partition(part regclass)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', part);
END;
$function$;
COMMENT ON FUNCTION audit_logs_lock_partition(part regclass) IS 'Enables and forces row-level security on an audit_logs partition, so that it is reachable through the parent only.';

-- [function] audit_logs_of_current_user(after_id bigint, max_rows integer) — The personal-data export: the audit rows made by or about app.user_id (IP and user agent of their own actions only), after an id, at most max_rows, as system:audit_export.
CREATE OR REPLACE FUNCTION public.audit_logs_of_current_user(after_id bigint, max_rows integer)
 RETURNS TABLE(id bigint, "timestamp" timestamp with time zone, table_name character varying, record_id bigint, action character varying, actor character varying, by_you boolean, old_data jsonb, new_data jsonb, changes jsonb, ip_address inet, user_agent text)
 LANGUAGE sql
 STABLE
 SET "app.actor" TO 'system:audit_export'
AS $function$
        SELECT a.id, a."timestamp", a.table_name, a.record_id, a.action, a.actor,
               coalesce(a.user_id = app_user_id(), false),
               a.old_data, a.new_data, a.changes,
               CASE WHEN a.user_id = app_user_id() THEN a.ip_address END,
               CASE WHEN a.user_id = app_user_id() THEN a.user_agent END
        FROM audit_logs a
        WHERE app_user_id() IS NOT NULL AND a.id > after_id
          AND (a.user_id = app_user_id()
               OR (a.table_name = 'users' AND a.record_id = app_user_id())
               OR (a.table_name = 'profiles'
                   AND a.record_id IN (SELECT p.id FROM profiles p
                                       WHERE p.user_id = app_user_id())))
        ORDER BY a.id
        LIMIT max_rows
    $function$;
COMMENT ON FUNCTION audit_logs_of_current_user(after_id bigint, max_rows integer) IS 'The personal-data export: the audit rows made by or about app.user_id (IP and user agent of their own actions only), after an id, at most max_rows, as system:audit_export.';

-- [function] audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone, after_id bigint) — Retention (scrub_audit_pii): scrubs the values, IP and user agent of one batch of audit rows older than the cut-off, after the keyset (timestamp, id); returns how many changed, how many were read, and the next keyset. System actors only.
CREATE OR REPLACE FUNCTION public.audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone DEFAULT '-infinity'::timestamp with time zone, after_id bigint DEFAULT 0)
 RETURNS TABLE(scrubbed bigint, seen bigint, last_timestamp timestamp with time zone, last_id bigint)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
DECLARE
    previous text := coalesce(current_setting('app.actor', true), '');
BEGIN
    IF NOT app_is_system_actor() THEN
        RAISE EXCEPTION 'permission denied to scrub the audit log'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The retention job (a command: or system: actor) does it.';
    END IF;
    IF cutoff IS NULL OR cutoff > now() OR batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'a cut-off in the past and a positive batch size are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('app.actor', 'system:audit_scrub', true);
    RETURN QUERY
    WITH batch AS MATERIALIZED (
        SELECT a.id, a."timestamp" FROM audit_logs a
        WHERE a."timestamp" < cutoff AND a."timestamp" >= after_timestamp
          AND (a."timestamp", a.id) > (after_timestamp, after_id)
        ORDER BY a."timestamp", a.id
        LIMIT batch_size
    ), done AS (
        UPDATE audit_logs a
        SET old_data = NULL, new_data = NULL, changes = audit_erase_values(a.changes),
            ip_address = NULL, user_agent = NULL
        FROM batch b
        WHERE a.id = b.id AND a."timestamp" = b."timestamp"
          AND (a.old_data IS NOT NULL OR a.new_data IS NOT NULL
               OR a.ip_address IS NOT NULL OR a.user_agent IS NOT NULL)
        RETURNING 1
    ), last AS (
        SELECT b."timestamp", b.id FROM batch b ORDER BY b."timestamp" DESC, b.id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM done), (SELECT count(*) FROM batch),
           (SELECT l."timestamp" FROM last l), (SELECT l.id FROM last l);
    PERFORM set_config('app.actor', previous, true);
END;
$function$;
COMMENT ON FUNCTION audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone, after_id bigint) IS 'Retention (scrub_audit_pii): scrubs the values, IP and user agent of one batch of audit rows older than the cut-off, after the keyset (timestamp, id); returns how many changed, how many were read, and the next keyset. System actors only.';

-- [function] audit_mask(data jsonb, masked text[]) — Hides the values of secret keys (password hashes) in a row before it is audited.
CREATE OR REPLACE FUNCTION public.audit_mask(data jsonb, masked text[])
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
        SELECT CASE WHEN data IS NULL OR cardinality(masked) = 0 THEN data ELSE
            (data - masked) || coalesce(
                (SELECT jsonb_object_agg(k, to_jsonb('********'::text))
                 FROM unnest(masked) AS k WHERE data ? k),
                '{}'::jsonb)
        END
    $function$;
COMMENT ON FUNCTION audit_mask(data jsonb, masked text[]) IS 'Hides the values of secret keys (password hashes) in a row before it is audited.';

-- [function] jsonb_replace_strings(data jsonb, targets text[], replacement text) — Replaces, at any depth, every JSON string equal (case aside) to one of targets: an erased person's name or e-mail address in a notification's data.
CREATE OR REPLACE FUNCTION public.jsonb_replace_strings(data jsonb, targets text[], replacement text)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE
AS $function$
DECLARE
    result jsonb;
BEGIN
    CASE jsonb_typeof(data)
    WHEN 'string' THEN
        IF lower(data #>> '{}') IN (SELECT lower(t) FROM unnest(targets) AS t) THEN
            RETURN to_jsonb(replacement);
        END IF;
        RETURN data;
    WHEN 'object' THEN
        SELECT coalesce(jsonb_object_agg(e.key,
                                         jsonb_replace_strings(e.value, targets, replacement)),
                        '{}'::jsonb)
        INTO result FROM jsonb_each(data) AS e;
        RETURN result;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(jsonb_replace_strings(e.value, targets, replacement)
                                  ORDER BY e.n), '[]'::jsonb)
        INTO result FROM jsonb_array_elements(data) WITH ORDINALITY AS e(value, n);
        RETURN result;
    ELSE
        RETURN data;
    END CASE;
END;
$function$;
COMMENT ON FUNCTION jsonb_replace_strings(data jsonb, targets text[], replacement text) IS 'Replaces, at any depth, every JSON string equal (case aside) to one of targets: an erased person''s name or e-mail address in a notification''s data.';

-- [function] session_clear_expired() — delete the expired sessions (clearsessions); returns how many
CREATE OR REPLACE FUNCTION public.session_clear_expired()
 RETURNS bigint
 LANGUAGE sql
 SET "app.actor" TO 'system:session'
AS $function$ WITH expired AS (DELETE FROM django_session WHERE expire_date < now() RETURNING 1)
          SELECT count(*) FROM expired $function$;
COMMENT ON FUNCTION session_clear_expired() IS 'delete the expired sessions (clearsessions); returns how many';

-- [function] session_create(key_digest text, new_data text, new_expiry timestamp with time zone) — insert a session; false when the digest is taken (Django then draws another key)
CREATE OR REPLACE FUNCTION public.session_create(key_digest text, new_data text, new_expiry timestamp with time zone)
 RETURNS boolean
 LANGUAGE sql
 SET "app.actor" TO 'system:session'
AS $function$ WITH created AS (
              INSERT INTO django_session (session_key, session_data, expire_date)
              VALUES (key_digest, new_data, new_expiry)
              ON CONFLICT (session_key) DO NOTHING
              RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM created) $function$;
COMMENT ON FUNCTION session_create(key_digest text, new_data text, new_expiry timestamp with time zone) IS 'insert a session; false when the digest is taken (Django then draws another key)';

-- [function] session_delete(key_digest text) — delete a session (log out, key cycled)
CREATE OR REPLACE FUNCTION public.session_delete(key_digest text)
 RETURNS boolean
 LANGUAGE sql
 SET "app.actor" TO 'system:session'
AS $function$ WITH deleted AS (DELETE FROM django_session WHERE session_key = key_digest RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM deleted) $function$;
COMMENT ON FUNCTION session_delete(key_digest text) IS 'delete a session (log out, key cycled)';

-- [function] session_exists(key_digest text) — whether a session (expired or not) has this key digest, as system:session
CREATE OR REPLACE FUNCTION public.session_exists(key_digest text)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET "app.actor" TO 'system:session'
AS $function$ SELECT EXISTS (SELECT 1 FROM django_session WHERE session_key = key_digest) $function$;
COMMENT ON FUNCTION session_exists(key_digest text) IS 'whether a session (expired or not) has this key digest, as system:session';

-- [function] session_load(key_digest text) — the data of the unexpired session with this key digest, as system:session
CREATE OR REPLACE FUNCTION public.session_load(key_digest text)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET "app.actor" TO 'system:session'
AS $function$ SELECT session_data FROM django_session
          WHERE session_key = key_digest AND expire_date > now() $function$;
COMMENT ON FUNCTION session_load(key_digest text) IS 'the data of the unexpired session with this key digest, as system:session';

-- [function] session_update(key_digest text, new_data text, new_expiry timestamp with time zone) — rewrite a session's data and expiry; false when it is gone (deleted meanwhile)
CREATE OR REPLACE FUNCTION public.session_update(key_digest text, new_data text, new_expiry timestamp with time zone)
 RETURNS boolean
 LANGUAGE sql
 SET "app.actor" TO 'system:session'
AS $function$ WITH updated AS (
              UPDATE django_session SET session_data = new_data, expire_date = new_expiry
              WHERE session_key = key_digest
              RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM updated) $function$;
COMMENT ON FUNCTION session_update(key_digest text, new_data text, new_expiry timestamp with time zone) IS 'rewrite a session''s data and expiry; false when it is gone (deleted meanwhile)';

-- [partitioning] audit_logs — audit_logs is partitioned by RANGE ("timestamp")
-- CREATE TABLE audit_logs (…) PARTITION BY RANGE ("timestamp");
-- its other partitions are created at run time (not listed); every one has row-level security enabled and forced: yes

-- [partitioning] audit_logs_default — a partition of audit_logs
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;

-- [row level security] audit_logs — row-level security enabled, forced on the owner too
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;

-- [row level security] audit_logs_default — row-level security enabled, forced on the owner too
ALTER TABLE audit_logs_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs_default FORCE ROW LEVEL SECURITY;

-- [row level security] auth_group_permissions — row-level security enabled, forced on the owner too
ALTER TABLE auth_group_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_group_permissions FORCE ROW LEVEL SECURITY;

-- [row level security] django_session — row-level security enabled, forced on the owner too
ALTER TABLE django_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE django_session FORCE ROW LEVEL SECURITY;

-- [row level security] idempotency_keys — row-level security enabled, forced on the owner too
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;

-- [policy] audit_logs_append ON audit_logs — The audit trigger (as the owner) appends rows; nobody may change them.
CREATE POLICY audit_logs_append ON audit_logs
    FOR INSERT TO public
    WITH CHECK (true);
COMMENT ON POLICY audit_logs_append ON audit_logs IS 'The audit trigger (as the owner) appends rows; nobody may change them.';

-- [policy] audit_logs_scrub ON audit_logs — The owner rewrites audit rows only as system:audit_scrub, which only audit_logs_erase_user and audit_logs_scrub_expired set: the one exception to append-only.
CREATE POLICY audit_logs_scrub ON audit_logs
    FOR UPDATE TO public
    USING ((( SELECT app_setting('app.actor'::text) AS app_setting)) = 'system:audit_scrub'::text)
    WITH CHECK ((( SELECT app_setting('app.actor'::text) AS app_setting)) = 'system:audit_scrub'::text);
COMMENT ON POLICY audit_logs_scrub ON audit_logs IS 'The owner rewrites audit rows only as system:audit_scrub, which only audit_logs_erase_user and audit_logs_scrub_expired set: the one exception to append-only.';

-- [policy] audit_logs_staff_read ON audit_logs — Staff and system actors read the audit trail.
CREATE POLICY audit_logs_staff_read ON audit_logs
    FOR SELECT TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY audit_logs_staff_read ON audit_logs IS 'Staff and system actors read the audit trail.';

-- [policy] auth_group_permissions_change ON auth_group_permissions — Superusers, maintenance actors and staff with auth.change_group change what a group may do.
CREATE POLICY auth_group_permissions_change ON auth_group_permissions
    FOR ALL TO public
    USING (( SELECT app_may_grant_permissions() OR app_has_permission('auth.change_group'::text)))
    WITH CHECK (( SELECT app_may_grant_permissions() OR app_has_permission('auth.change_group'::text)));
COMMENT ON POLICY auth_group_permissions_change ON auth_group_permissions IS 'Superusers, maintenance actors and staff with auth.change_group change what a group may do.';

-- [policy] auth_group_permissions_read ON auth_group_permissions — Anyone reads which permissions a group carries (app_has_permission joins it).
CREATE POLICY auth_group_permissions_read ON auth_group_permissions
    FOR SELECT TO public
    USING (true);
COMMENT ON POLICY auth_group_permissions_read ON auth_group_permissions IS 'Anyone reads which permissions a group carries (app_has_permission joins it).';

-- [policy] django_session_session_actor ON django_session — only the session actor (system:session, the session_* functions) reads and writes sessions
CREATE POLICY django_session_session_actor ON django_session
    FOR ALL TO public
    USING ((( SELECT app_setting('app.actor'::text) AS app_setting)) = 'system:session'::text)
    WITH CHECK ((( SELECT app_setting('app.actor'::text) AS app_setting)) = 'system:session'::text);
COMMENT ON POLICY django_session_session_actor ON django_session IS 'only the session actor (system:session, the session_* functions) reads and writes sessions';

-- [policy] idempotency_keys_own ON idempotency_keys — A user sees and records only their own idempotency keys.
CREATE POLICY idempotency_keys_own ON idempotency_keys
    FOR ALL TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (user_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY idempotency_keys_own ON idempotency_keys IS 'A user sees and records only their own idempotency keys.';

-- [policy] idempotency_keys_staff_and_system ON idempotency_keys — Staff and system actors (the purge command) manage every idempotency key.
CREATE POLICY idempotency_keys_staff_and_system ON idempotency_keys
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY idempotency_keys_staff_and_system ON idempotency_keys IS 'Staff and system actors (the purge command) manage every idempotency key.';

-- [grant] ON FUNCTION app_is_privileged() — app_user's privileges
GRANT EXECUTE ON FUNCTION app_is_privileged() TO app_user;

-- [grant] ON FUNCTION app_setting(name text) — app_user's privileges
GRANT EXECUTE ON FUNCTION app_setting(name text) TO app_user;

-- [grant] ON FUNCTION app_tenant_id() — app_user's privileges
GRANT EXECUTE ON FUNCTION app_tenant_id() TO app_user;

-- [grant] ON FUNCTION app_user_id() — app_user's privileges
GRANT EXECUTE ON FUNCTION app_user_id() TO app_user;

-- [grant] ON FUNCTION audit_capture() — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_capture() TO app_user;

-- [grant] ON FUNCTION audit_diff(old_data jsonb, new_data jsonb, masked text[]) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_diff(old_data jsonb, new_data jsonb, masked text[]) TO app_user;

-- [grant] ON FUNCTION audit_enable(target regclass, masked text[]) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_enable(target regclass, masked text[]) TO app_user;

-- [grant] ON FUNCTION audit_logs_ensure_partition(day date) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_logs_ensure_partition(day date) TO app_user;

-- [grant] ON FUNCTION audit_logs_erase_user(target bigint) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_logs_erase_user(target bigint) TO app_user;
REVOKE EXECUTE ON FUNCTION audit_logs_erase_user(target bigint) FROM PUBLIC;

-- [grant] ON FUNCTION audit_logs_lock_partition(part regclass) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_logs_lock_partition(part regclass) TO app_user;

-- [grant] ON FUNCTION audit_logs_of_current_user(after_id bigint, max_rows integer) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_logs_of_current_user(after_id bigint, max_rows integer) TO app_user;
REVOKE EXECUTE ON FUNCTION audit_logs_of_current_user(after_id bigint, max_rows integer) FROM PUBLIC;

-- [grant] ON FUNCTION audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone, after_id bigint) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone, after_id bigint) TO app_user;
REVOKE EXECUTE ON FUNCTION audit_logs_scrub_expired(cutoff timestamp with time zone, batch_size integer, after_timestamp timestamp with time zone, after_id bigint) FROM PUBLIC;

-- [grant] ON FUNCTION audit_mask(data jsonb, masked text[]) — app_user's privileges
GRANT EXECUTE ON FUNCTION audit_mask(data jsonb, masked text[]) TO app_user;

-- [grant] ON SCHEMA public — app_user's privileges
GRANT USAGE ON SCHEMA public TO app_user;

-- [grant] ON SEQUENCE audit_logs_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE audit_logs_id_seq TO app_user;

-- [grant] ON SEQUENCE auth_group_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE auth_group_id_seq TO app_user;

-- [grant] ON SEQUENCE auth_group_permissions_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE auth_group_permissions_id_seq TO app_user;

-- [grant] ON SEQUENCE auth_permission_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE auth_permission_id_seq TO app_user;

-- [grant] ON SEQUENCE django_admin_log_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE django_admin_log_id_seq TO app_user;

-- [grant] ON SEQUENCE django_content_type_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE django_content_type_id_seq TO app_user;

-- [grant] ON SEQUENCE django_migrations_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE django_migrations_id_seq TO app_user;

-- [grant] ON SEQUENCE idempotency_keys_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE idempotency_keys_id_seq TO app_user;

-- [grant] ON TABLE audit_logs — app_user's privileges
GRANT SELECT ON TABLE audit_logs TO app_user;

-- [grant] ON TABLE audit_logs_default — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE audit_logs_default TO app_user;

-- [grant] ON TABLE auth_group — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE auth_group TO app_user;

-- [grant] ON TABLE auth_group_permissions — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE auth_group_permissions TO app_user;

-- [grant] ON TABLE auth_permission — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE auth_permission TO app_user;

-- [grant] ON TABLE django_admin_log — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE django_admin_log TO app_user;

-- [grant] ON TABLE django_content_type — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE django_content_type TO app_user;

-- [grant] ON TABLE django_migrations — app_user's privileges
GRANT SELECT ON TABLE django_migrations TO app_user;

-- [grant] ON TABLE django_session — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE django_session TO app_user;

-- [grant] ON TABLE idempotency_keys — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE idempotency_keys TO app_user;

-- [default privileges] ON SEQUENCES — what app_user gets on sequences the owner creates from now on
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, USAGE ON SEQUENCES TO app_user;

-- [default privileges] ON TABLES — what app_user gets on tables the owner creates from now on
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_user;
