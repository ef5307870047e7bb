"""The one way personal data leaves the append-only audit log (docs/security.md, "Erasure and
retention").

audit_logs stays append-only for everyone: app_user has no UPDATE or DELETE privilege on it
(core.0002), its partitions are locked (RLS forced, no policy), and the owner is subject to the
forced policies too, which until now let it INSERT (the audit trigger) and SELECT only. The
new UPDATE policy lets the owner rewrite rows only while `app.actor` is `system:audit_scrub`,
and only the two SECURITY DEFINER functions below set that actor, around their one UPDATE:

* audit_logs_erase_user(target): an account's erasure. Empties old_data and new_data, keeps
  only the column names in `changes`, clears ip_address and user_agent, of every row made by
  the user (user_id) or about them (their users and profiles rows); then appends one row that
  records the erasure itself, with no personal data. Refused (42501) unless the context is the
  user's own (app.user_id = target acting as user:<target>), a system actor (command:,
  system:) or an active superuser.
* audit_logs_scrub_expired(cutoff, batch_size, after_timestamp, after_id): the retention job
  (scrub_audit_pii). The same scrub for one batch of rows older than `cutoff`, walked in
  ("timestamp", id) order from a keyset; system actors only.

Both are owned by the owner (who runs this migration), pin their search_path, and are
executable by app_user only (not PUBLIC). They switch the actor back before returning, so the
rest of the caller's transaction acts as before.

audit_logs_of_current_user(after_id, max_rows) is the personal-data export's reader: a user
may not read audit_logs (staff and system actors only), so it acts as system:audit_export for
its one statement and answers only rows made by or about app.user_id.

jsonb_replace_strings(data, targets, replacement) is the erasure's generic scrub of the JSON a
notification carries about someone (names, e-mail addresses: any string value).
"""

from django.conf import settings
from django.db import migrations
from psycopg import sql

FORWARD = """
CREATE FUNCTION audit_erase_values(changes jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE WHEN changes IS NULL THEN NULL ELSE coalesce(
            (SELECT jsonb_object_agg(key, '{"old": "********", "new": "********"}'::jsonb)
             FROM jsonb_each(changes)),
            '{}'::jsonb) END
    $$;

CREATE POLICY audit_logs_scrub ON audit_logs FOR UPDATE
    USING ((SELECT app_setting('app.actor')) = 'system:audit_scrub')
    WITH CHECK ((SELECT app_setting('app.actor')) = 'system:audit_scrub');

CREATE FUNCTION audit_logs_erase_user(target bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
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
$$;

CREATE FUNCTION audit_logs_scrub_expired(
    cutoff timestamptz, batch_size integer,
    after_timestamp timestamptz DEFAULT '-infinity', after_id bigint DEFAULT 0
) RETURNS TABLE (scrubbed bigint, seen bigint, last_timestamp timestamptz, last_id bigint)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
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
$$;

CREATE FUNCTION audit_logs_of_current_user(after_id bigint, max_rows integer)
RETURNS TABLE (id bigint, "timestamp" timestamptz, table_name varchar, record_id bigint,
               action varchar, actor varchar, by_you boolean, old_data jsonb, new_data jsonb,
               changes jsonb, ip_address inet, user_agent text)
    LANGUAGE sql STABLE SET app.actor = 'system:audit_export'
    AS $$
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
    $$;

CREATE FUNCTION jsonb_replace_strings(data jsonb, targets text[], replacement text)
RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
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
$$;

COMMENT ON FUNCTION audit_erase_values(jsonb) IS
    'An audit row''s `changes` without its values: the column names stay, each old and new value masked.';
COMMENT ON POLICY audit_logs_scrub ON audit_logs IS
    'The owner rewrites audit rows only as system:audit_scrub, which only audit_logs_erase_user and audit_logs_scrub_expired set: the one exception to append-only.';
COMMENT ON FUNCTION audit_logs_erase_user(bigint) IS
    'Erasure of an account: scrubs the values, IP and user agent of the audit rows made by or about the user, then records the erasure (no personal data). The user themself, a system actor or a superuser only.';
COMMENT ON FUNCTION audit_logs_scrub_expired(timestamptz, integer, timestamptz, bigint) IS
    'Retention (scrub_audit_pii): scrubs the values, IP and user agent of one batch of audit rows older than the cut-off, after the keyset (timestamp, id); returns how many changed, how many were read, and the next keyset. System actors only.';
COMMENT ON FUNCTION audit_logs_of_current_user(bigint, integer) IS
    'The personal-data export: the audit rows made by or about app.user_id (IP and user agent of their own actions only), after an id, at most max_rows, as system:audit_export.';
COMMENT ON FUNCTION jsonb_replace_strings(jsonb, text[], text) IS
    'Replaces, at any depth, every JSON string equal (case aside) to one of targets: an erased person''s name or e-mail address in a notification''s data.';
"""

REVERSE = """
DROP FUNCTION jsonb_replace_strings(jsonb, text[], text);
DROP FUNCTION audit_logs_of_current_user(bigint, integer);
DROP FUNCTION audit_logs_scrub_expired(timestamptz, integer, timestamptz, bigint);
DROP FUNCTION audit_logs_erase_user(bigint);
DROP POLICY audit_logs_scrub ON audit_logs;
DROP FUNCTION audit_erase_values(jsonb);
"""

SCRUBBERS = (
    "audit_logs_erase_user(bigint)",
    "audit_logs_scrub_expired(timestamptz, integer, timestamptz, bigint)",
    "audit_logs_of_current_user(bigint, integer)",
)


def grant_to_the_runtime_role_only(apps, schema_editor):
    role = sql.Identifier(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        for function in SCRUBBERS:
            cursor.execute(sql.SQL(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC"))
            cursor.execute(
                sql.SQL(f"GRANT EXECUTE ON FUNCTION {function} TO {{role}}").format(role=role)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_field_labels"),
        ("accounts", "0012_field_labels"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunPython(grant_to_the_runtime_role_only, migrations.RunPython.noop),
    ]
