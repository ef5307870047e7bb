"""What the privileged-column guards ask about the actor (docs/security.md, "Privileged columns").

The request context tells PostgreSQL who acts (app.user_id, app.is_staff, app.actor). Whether a
staff user holds a Django permission is read from Django's own tables, by the database, only
when a guarded column actually changes: a non-staff request costs nothing (app.is_staff is not
`on`), a staff request no query beyond Django's own, and a permission revoked in the admin
applies to the very next statement, with nothing copied into the context to go stale.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION app_is_system_actor() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(split_part(app_setting('app.actor'), ':', 1) IN ('command', 'system'),
                          false) $$;
COMMENT ON FUNCTION app_is_system_actor() IS
    'True when app.actor names a management command (command:<name>) or a system purpose '
    '(system:<purpose>), i.e. code of the application acting on no user''s behalf.';

-- One indexed look-up of the acting user's row and permissions, evaluated only for staff.
CREATE FUNCTION app_has_permission(permission text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
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
    $$;
COMMENT ON FUNCTION app_has_permission(text) IS
    'Django''s user.has_perm(''app_label.codename'') for the acting user, answered from Django''s '
    'tables: true for an active staff user who is a superuser or holds the permission directly '
    'or through a group. False, without reading anything, when the context is not staff.';

CREATE FUNCTION app_is_superuser() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT CASE WHEN coalesce(app_setting('app.is_staff') = 'on', false) THEN EXISTS (
            SELECT 1 FROM users u
            WHERE u.id = app_user_id() AND u.is_active AND u.is_staff AND u.is_superuser)
        ELSE false END
    $$;
COMMENT ON FUNCTION app_is_superuser() IS
    'True when the acting user is an active staff superuser (read from the users table).';

-- SECURITY INVOKER on purpose: current_user is the caller's role, the table owner only inside
-- a SECURITY DEFINER function of the owner's (the rating trigger), a referential action, or a
-- migration/maintenance session. The runtime role can never become the owner in production
-- (a login role with no membership in it).
CREATE FUNCTION app_runs_as_owner(target regclass) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
        SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                       WHERE c.oid = target AND r.rolname = current_user)
    $$;
COMMENT ON FUNCTION app_runs_as_owner(regclass) IS
    'True when the current role owns the table: a SECURITY DEFINER function of the schema owner '
    '(e.g. listings_refresh_rating), a referential action, or a migration. Never the runtime role.';

CREATE FUNCTION app_refuse_column(target regclass, column_name text, rule text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'permission denied to change %.%: %', target, column_name, rule
        USING ERRCODE = 'insufficient_privilege',
              TABLE = (SELECT relname FROM pg_class WHERE oid = target),
              COLUMN = column_name,
              CONSTRAINT = (SELECT relname FROM pg_class WHERE oid = target)
                           || '_privileged_columns';
END;
$$;
COMMENT ON FUNCTION app_refuse_column(regclass, text, text) IS
    'Raises SQLSTATE 42501 (insufficient_privilege) naming the table, the column and the rule '
    '(constraint <table>_privileged_columns): the API answers 403 naming the field.';

-- The guards compare OLD and NEW as jsonb only once something changed (their WHEN clauses).
CREATE FUNCTION app_first_changed_column(old_row jsonb, new_row jsonb, columns text[])
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT c FROM unnest(columns) WITH ORDINALITY AS x(c, n)
        WHERE (old_row -> c) IS DISTINCT FROM (new_row -> c)
        ORDER BY n LIMIT 1
    $$;
COMMENT ON FUNCTION app_first_changed_column(jsonb, jsonb, text[]) IS
    'The first of `columns` whose value differs between two rows (as jsonb), or NULL.';
"""

REVERSE = """
DROP FUNCTION app_first_changed_column(jsonb, jsonb, text[]);
DROP FUNCTION app_refuse_column(regclass, text, text);
DROP FUNCTION app_runs_as_owner(regclass);
DROP FUNCTION app_is_superuser();
DROP FUNCTION app_has_permission(text);
DROP FUNCTION app_is_system_actor();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_audit_capture_faster"),
        ("accounts", "0005_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
