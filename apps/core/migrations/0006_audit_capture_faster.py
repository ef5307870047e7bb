"""A cheaper audit trigger for bulk updates (same rows written).

Measured on 20,000 listings updated in one statement: 5.6 s of trigger time before. The
transition tables were each turned into jsonb and then joined on a jsonb key (no index, a
hash of whole documents), and every row's jsonb was copied twice more to mask nothing. Now the
rows are joined on their id first, each side is turned into jsonb once (a materialized CTE:
the planner would otherwise repeat to_jsonb for every reference), and masking is skipped when
no column is masked.
"""

from django.db import migrations

FASTER = """
CREATE OR REPLACE FUNCTION audit_mask(data jsonb, masked text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE WHEN data IS NULL OR cardinality(masked) = 0 THEN data ELSE
            (data - masked) || coalesce(
                (SELECT jsonb_object_agg(k, to_jsonb('********'::text))
                 FROM unnest(masked) AS k WHERE data ? k),
                '{}'::jsonb)
        END
    $$;

CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
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
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0005_pg_stat_statements")]

    # Going back keeps these functions: they write exactly the rows the previous ones did.
    operations = [migrations.RunSQL(FASTER, migrations.RunSQL.noop)]
