"""The runtime role, its grants, the request-context readers and the audit machinery.

The application acts as `settings.DATABASE_APP_ROLE` (app_user): no superuser, no BYPASSRLS,
owns nothing. It gets DML on the tables (row-level security then decides which rows), read-only
access to django_migrations, listing_versions and audit_logs (both written only by SECURITY
DEFINER triggers, so the application can neither forge nor erase history).

On a managed database without CREATEROLE, create the role beforehand (see docs/security.md);
this migration then only checks it and grants.
"""

from django.conf import settings
from django.db import migrations
from psycopg import sql

CONTEXT_FUNCTIONS = """
-- Transaction-local request context (apps/core/context.py writes it). Missing or empty = none.
CREATE FUNCTION app_setting(name text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting(name, true), '') $$;

CREATE FUNCTION app_user_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_setting('app.user_id')::bigint $$;

CREATE FUNCTION app_tenant_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_setting('app.tenant_id')::bigint $$;

-- Staff, and the system's own actors (management commands, authentication look-ups).
CREATE FUNCTION app_is_privileged() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT coalesce(app_setting('app.is_staff') = 'on', false)
            OR coalesce(split_part(app_setting('app.actor'), ':', 1) IN ('command', 'system'), false)
    $$;
"""

AUDIT_FUNCTIONS = """
-- Replaces the values of secret keys (password hashes...) by a mask.
CREATE FUNCTION audit_mask(data jsonb, masked text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE WHEN data IS NULL THEN NULL ELSE
            (data - masked) || coalesce(
                (SELECT jsonb_object_agg(k, to_jsonb('********'::text))
                 FROM unnest(masked) AS k WHERE data ? k),
                '{}'::jsonb)
        END
    $$;

-- Only the columns whose value changed, as {"column": {"old": ..., "new": ...}}.
CREATE FUNCTION audit_diff(old_data jsonb, new_data jsonb, masked text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT coalesce(jsonb_object_agg(
            n.key,
            CASE WHEN n.key = ANY (masked)
                THEN '{"old": "********", "new": "********"}'::jsonb
                ELSE jsonb_build_object('old', old_data -> n.key, 'new', n.value)
            END), '{}'::jsonb)
        FROM jsonb_each(new_data) AS n
        WHERE n.key <> 'updated_at' AND (old_data -> n.key) IS DISTINCT FROM n.value
    $$;

-- Statement-level trigger with transition tables: one INSERT ... SELECT per statement, so a
-- bulk UPDATE of 100,000 rows costs one pass, not 100,000 function calls. Runs as the owner
-- (SECURITY DEFINER): the runtime role itself has no write access to audit_logs.
-- TG_ARGV[0]: columns to mask. Generated search vectors are left out of the history.
CREATE FUNCTION audit_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
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
        SELECT TG_TABLE_NAME, (r.data ->> 'id')::bigint, 'CREATE', audit_mask(r.data, masked),
               who, actor, agent, ip, request
        FROM (SELECT to_jsonb(n) - 'search_vector' AS data FROM new_rows AS n) AS r;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_logs (table_name, record_id, action, old_data, new_data, changes,
                                user_id, actor, user_agent, ip_address, request_id)
        SELECT TG_TABLE_NAME, (d.new_data ->> 'id')::bigint, 'UPDATE',
               audit_mask(d.old_data, masked), audit_mask(d.new_data, masked), d.changes,
               who, actor, agent, ip, request
        FROM (
            SELECT o.data AS old_data, n.data AS new_data,
                   audit_diff(o.data, n.data, masked) AS changes
            FROM (SELECT to_jsonb(x) - 'search_vector' AS data FROM old_rows AS x) AS o
            JOIN (SELECT to_jsonb(y) - 'search_vector' AS data FROM new_rows AS y) AS n
              ON (o.data -> 'id') = (n.data -> 'id')
        ) AS d
        WHERE d.changes <> '{}'::jsonb;
    ELSE
        INSERT INTO audit_logs (table_name, record_id, action, old_data,
                                user_id, actor, user_agent, ip_address, request_id)
        SELECT TG_TABLE_NAME, (r.data ->> 'id')::bigint, 'DELETE', audit_mask(r.data, masked),
               who, actor, agent, ip, request
        FROM (SELECT to_jsonb(o) - 'search_vector' AS data FROM old_rows AS o) AS r;
    END IF;
    RETURN NULL;
END;
$$;

-- Attaches the three audit triggers to a table (idempotent).
CREATE FUNCTION audit_enable(target regclass, masked text[] DEFAULT '{}') RETURNS void
    LANGUAGE plpgsql AS $$
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
$$;

-- audit_logs itself: staff read it (through RLS), triggers write it, nobody rewrites it.
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_logs_staff_read ON audit_logs FOR SELECT USING ((SELECT app_is_privileged()));
CREATE POLICY audit_logs_append ON audit_logs FOR INSERT WITH CHECK (true);

-- Partitions are reached through the parent only: with RLS on and no policy, a partition
-- addressed directly shows and accepts nothing.
CREATE OR REPLACE FUNCTION audit_logs_lock_partition(part regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', part);
END;
$$;
SELECT audit_logs_lock_partition(inhrelid::regclass)
FROM pg_inherits WHERE inhparent = 'audit_logs'::regclass;

-- New monthly partitions are locked the same way.
CREATE OR REPLACE FUNCTION audit_logs_ensure_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
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
$$;
"""

DROP = """
DROP FUNCTION audit_logs_lock_partition(regclass);
DROP POLICY audit_logs_append ON audit_logs;
DROP POLICY audit_logs_staff_read ON audit_logs;
ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs DISABLE ROW LEVEL SECURITY;
DROP FUNCTION audit_enable(regclass, text[]);
DROP FUNCTION audit_capture();
DROP FUNCTION audit_diff(jsonb, jsonb, text[]);
DROP FUNCTION audit_mask(jsonb, text[]);
DROP FUNCTION app_is_privileged();
DROP FUNCTION app_tenant_id();
DROP FUNCTION app_user_id();
DROP FUNCTION app_setting(text);
"""


def create_role_and_grant(apps, schema_editor):
    role = sql.Identifier(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            [settings.DATABASE_APP_ROLE],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                sql.SQL(
                    "CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                ).format(role)
            )
        elif any(row):
            raise RuntimeError(
                f"Role {settings.DATABASE_APP_ROLE!r} is a superuser or BYPASSRLS: row-level "
                "security would not apply to it. Use a plain role."
            )
        # The owner must be able to SET ROLE to it (superusers always can).
        cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        )
        if not cursor.fetchone()[0]:
            cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
        for statement in (
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
            # Tables created by later migrations (run by this same owner) get the same rights.
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {role}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_logs FROM {role}",
        ):
            cursor.execute(sql.SQL(statement).format(role=role))


def revoke(apps, schema_editor):
    role = sql.Identifier(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        for statement in (
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {role}",
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
            "REVOKE USAGE ON SCHEMA public FROM {role}",
        ):
            cursor.execute(sql.SQL(statement).format(role=role))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0002_default_tenant"),
        ("listings", "0002_category_tree_guard"),
        ("bookings", "0001_initial"),
        ("reviews", "0002_listing_rating_trigger"),
        ("messaging", "0001_initial"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunSQL(CONTEXT_FUNCTIONS + AUDIT_FUNCTIONS, DROP),
        migrations.RunPython(create_role_and_grant, revoke),
    ]
