"""users.email becomes a privileged column: an address is changed by the e-mail change service
(`system:email`, once the new address confirmed it), staff holding accounts.change_user (the
admin), or a maintenance actor (commands, erasure) — never by a user's own context, whose
row-level security otherwise lets them update their row. `system:email` is a narrow actor
like `system:auth` and `system:password`: it may change the e-mail and nothing else.

Restates users_guard_privileged_columns(), its UPDATE trigger (WHEN names email too) and
app_may_grant_permissions() whole (from accounts.0006)."""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION users_guard_privileged_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
    -- system:auth, system:password and system:email are narrow actors: they may touch their
    -- own columns only.
    maintainer boolean := app_is_system_actor()
                          AND actor NOT IN ('system:auth', 'system:password', 'system:email');
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF (NEW.is_staff OR NEW.is_superuser) AND NOT (maintainer OR app_is_superuser()) THEN
            PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.is_superuser THEN 'is_superuser'
                                                     ELSE 'is_staff' END,
                                      'only a superuser creates a staff account');
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.is_staff, NEW.is_superuser) IS DISTINCT FROM (OLD.is_staff, OLD.is_superuser)
       AND NOT (maintainer OR app_is_superuser()) THEN
        PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.is_staff IS DISTINCT FROM OLD.is_staff
                                                 THEN 'is_staff' ELSE 'is_superuser' END,
                                  'only a superuser grants or removes staff status');
    END IF;
    IF NEW.is_active IS DISTINCT FROM OLD.is_active
       AND NOT (maintainer OR app_has_permission('accounts.moderate_user')
                OR app_has_permission('accounts.change_user')) THEN
        PERFORM app_refuse_column(TG_RELID, 'is_active',
                                  'needs staff with accounts.moderate_user or accounts.change_user');
    END IF;
    IF (NEW.role, NEW.tenant_id) IS DISTINCT FROM (OLD.role, OLD.tenant_id)
       AND NOT (maintainer OR app_has_permission('accounts.change_user')) THEN
        PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.role IS DISTINCT FROM OLD.role
                                                 THEN 'role' ELSE 'tenant_id' END,
                                  'needs staff with accounts.change_user');
    END IF;
    IF NEW.password IS DISTINCT FROM OLD.password
       AND NOT (actor IN ('system:password', 'system:auth') OR actor LIKE 'command:%') THEN
        PERFORM app_refuse_column(TG_RELID, 'password',
                                  'only the password services (system:password) change it');
    END IF;
    IF NEW.last_login_at IS DISTINCT FROM OLD.last_login_at AND actor <> 'system:auth' THEN
        PERFORM app_refuse_column(TG_RELID, 'last_login_at',
                                  'only the login (system:auth) records it');
    END IF;
    IF NEW.email IS DISTINCT FROM OLD.email
       AND NOT (actor = 'system:email' OR maintainer
                OR app_has_permission('accounts.change_user')) THEN
        PERFORM app_refuse_column(TG_RELID, 'email',
                                  'only a confirmed e-mail change (system:email) or staff with '
                                  'accounts.change_user change it');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION users_guard_privileged_columns() IS
    'BEFORE INSERT/UPDATE on users: refuses (42501) changes of is_staff, is_superuser, '
    'is_active, role, tenant_id, password, last_login and email by an actor not entitled to '
    'them (see the migrations accounts.0006 and 0016, and docs/security.md).';

DROP TRIGGER users_guard_privileged_columns_update ON users;
CREATE TRIGGER users_guard_privileged_columns_update
    BEFORE UPDATE ON users
    FOR EACH ROW WHEN (
        OLD.is_staff IS DISTINCT FROM NEW.is_staff
        OR OLD.is_superuser IS DISTINCT FROM NEW.is_superuser
        OR OLD.is_active IS DISTINCT FROM NEW.is_active
        OR OLD.role IS DISTINCT FROM NEW.role
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
        OR OLD.password IS DISTINCT FROM NEW.password
        OR OLD.last_login_at IS DISTINCT FROM NEW.last_login_at
        OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_guard_privileged_columns();
COMMENT ON TRIGGER users_guard_privileged_columns_update ON users IS
    'Only entitled actors change the privileged columns (the function says who).';

CREATE OR REPLACE FUNCTION app_may_grant_permissions() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_is_superuser()
              OR (app_is_system_actor()
                  AND app_setting('app.actor')
                      NOT IN ('system:auth', 'system:password', 'system:email')) $$;
COMMENT ON FUNCTION app_may_grant_permissions() IS
    'True for an active superuser or a maintenance actor (a command, a system purpose other '
    'than auth/password/email): who may write users_groups and users_user_permissions.';
"""

# accounts.0006's definitions, whole.
REVERSE = """
CREATE OR REPLACE FUNCTION users_guard_privileged_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
    -- system:auth and system:password are narrow actors: they may touch their own columns only.
    maintainer boolean := app_is_system_actor()
                          AND actor NOT IN ('system:auth', 'system:password');
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF (NEW.is_staff OR NEW.is_superuser) AND NOT (maintainer OR app_is_superuser()) THEN
            PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.is_superuser THEN 'is_superuser'
                                                     ELSE 'is_staff' END,
                                      'only a superuser creates a staff account');
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.is_staff, NEW.is_superuser) IS DISTINCT FROM (OLD.is_staff, OLD.is_superuser)
       AND NOT (maintainer OR app_is_superuser()) THEN
        PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.is_staff IS DISTINCT FROM OLD.is_staff
                                                 THEN 'is_staff' ELSE 'is_superuser' END,
                                  'only a superuser grants or removes staff status');
    END IF;
    IF NEW.is_active IS DISTINCT FROM OLD.is_active
       AND NOT (maintainer OR app_has_permission('accounts.moderate_user')
                OR app_has_permission('accounts.change_user')) THEN
        PERFORM app_refuse_column(TG_RELID, 'is_active',
                                  'needs staff with accounts.moderate_user or accounts.change_user');
    END IF;
    IF (NEW.role, NEW.tenant_id) IS DISTINCT FROM (OLD.role, OLD.tenant_id)
       AND NOT (maintainer OR app_has_permission('accounts.change_user')) THEN
        PERFORM app_refuse_column(TG_RELID, CASE WHEN NEW.role IS DISTINCT FROM OLD.role
                                                 THEN 'role' ELSE 'tenant_id' END,
                                  'needs staff with accounts.change_user');
    END IF;
    IF NEW.password IS DISTINCT FROM OLD.password
       AND NOT (actor IN ('system:password', 'system:auth') OR actor LIKE 'command:%') THEN
        PERFORM app_refuse_column(TG_RELID, 'password',
                                  'only the password services (system:password) change it');
    END IF;
    IF NEW.last_login_at IS DISTINCT FROM OLD.last_login_at AND actor <> 'system:auth' THEN
        PERFORM app_refuse_column(TG_RELID, 'last_login_at',
                                  'only the login (system:auth) records it');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION users_guard_privileged_columns() IS
    'BEFORE INSERT/UPDATE on users: refuses (42501) changes of is_staff, is_superuser, '
    'is_active, role, tenant_id, password and last_login by an actor not entitled to them '
    '(see the migration accounts.0006 and docs/security.md).';

DROP TRIGGER users_guard_privileged_columns_update ON users;
CREATE TRIGGER users_guard_privileged_columns_update
    BEFORE UPDATE ON users
    FOR EACH ROW WHEN (
        OLD.is_staff IS DISTINCT FROM NEW.is_staff
        OR OLD.is_superuser IS DISTINCT FROM NEW.is_superuser
        OR OLD.is_active IS DISTINCT FROM NEW.is_active
        OR OLD.role IS DISTINCT FROM NEW.role
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
        OR OLD.password IS DISTINCT FROM NEW.password
        OR OLD.last_login_at IS DISTINCT FROM NEW.last_login_at)
    EXECUTE FUNCTION users_guard_privileged_columns();
COMMENT ON TRIGGER users_guard_privileged_columns_update ON users IS
    'Only entitled actors change the privileged columns (the function says who).';

CREATE OR REPLACE FUNCTION app_may_grant_permissions() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_is_superuser()
              OR (app_is_system_actor()
                  AND app_setting('app.actor') NOT IN ('system:auth', 'system:password')) $$;
COMMENT ON FUNCTION app_may_grant_permissions() IS
    'True for an active superuser or a maintenance actor (a command, a system purpose other '
    'than auth/password): who may write users_groups and users_user_permissions.';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_preferences_notifications_shape"),
    ]

    operations = [migrations.RunSQL(GUARD, REVERSE)]
