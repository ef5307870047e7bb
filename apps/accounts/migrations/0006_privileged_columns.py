"""users: who may change the columns that grant power or identity (docs/security.md).

Row-level security lets a user update their own row; this trigger decides which columns:
- is_staff, is_superuser: superusers only (a staff member cannot promote anyone, themself
  included), or a maintenance actor (a command, the test suite's arrangement);
- is_active: staff holding accounts.moderate_user or accounts.change_user;
- role, tenant_id: staff holding accounts.change_user;
- password: the password services (system:password), the login's automatic re-hash
  (system:auth) and management commands (createsuperuser, seed);
- last_login: the login itself (system:auth) only.
A sign-up INSERT stays open (the users_sign_up policy keeps it non-staff, in the request's
tenant); an INSERT of a staff account needs a superuser or a maintenance actor.

The group and permission grants that app_has_permission() reads get row-level security too:
otherwise any staff member's SQL could add themself to a group.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION users_guard_privileged_columns() RETURNS trigger
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

CREATE TRIGGER users_guard_privileged_columns
    BEFORE INSERT ON users
    FOR EACH ROW WHEN (NEW.is_staff OR NEW.is_superuser)
    EXECUTE FUNCTION users_guard_privileged_columns();
COMMENT ON TRIGGER users_guard_privileged_columns ON users IS
    'Staff accounts are created by superusers or maintenance actors only.';

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

-- The grants app_has_permission() reads: a user reads their own (Django's has_perm), staff and
-- system actors all; only superusers and maintenance actors grant them (a staff member cannot
-- add themself to a group), group definitions only staff holding auth.change_group.
CREATE FUNCTION app_may_grant_permissions() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_is_superuser()
              OR (app_is_system_actor()
                  AND app_setting('app.actor') NOT IN ('system:auth', 'system:password')) $$;
COMMENT ON FUNCTION app_may_grant_permissions() IS
    'True for an active superuser or a maintenance actor (a command, a system purpose other '
    'than auth/password): who may write users_groups and users_user_permissions.';

ALTER TABLE users_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE users_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY users_groups_read ON users_groups FOR SELECT
    USING (user_id = (SELECT app_user_id()) OR (SELECT app_is_privileged()));
CREATE POLICY users_groups_grant ON users_groups
    USING ((SELECT app_may_grant_permissions())) WITH CHECK ((SELECT app_may_grant_permissions()));

ALTER TABLE users_user_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE users_user_permissions FORCE ROW LEVEL SECURITY;
CREATE POLICY users_user_permissions_read ON users_user_permissions FOR SELECT
    USING (user_id = (SELECT app_user_id()) OR (SELECT app_is_privileged()));
CREATE POLICY users_user_permissions_grant ON users_user_permissions
    USING ((SELECT app_may_grant_permissions())) WITH CHECK ((SELECT app_may_grant_permissions()));

ALTER TABLE auth_group_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_group_permissions FORCE ROW LEVEL SECURITY;
CREATE POLICY auth_group_permissions_read ON auth_group_permissions FOR SELECT USING (true);
CREATE POLICY auth_group_permissions_change ON auth_group_permissions
    USING ((SELECT app_may_grant_permissions() OR app_has_permission('auth.change_group')))
    WITH CHECK ((SELECT app_may_grant_permissions() OR app_has_permission('auth.change_group')));
"""

REVERSE = """
DROP POLICY auth_group_permissions_change ON auth_group_permissions;
DROP POLICY auth_group_permissions_read ON auth_group_permissions;
ALTER TABLE auth_group_permissions DISABLE ROW LEVEL SECURITY;
DROP POLICY users_user_permissions_grant ON users_user_permissions;
DROP POLICY users_user_permissions_read ON users_user_permissions;
ALTER TABLE users_user_permissions DISABLE ROW LEVEL SECURITY;
DROP POLICY users_groups_grant ON users_groups;
DROP POLICY users_groups_read ON users_groups;
ALTER TABLE users_groups DISABLE ROW LEVEL SECURITY;
DROP FUNCTION app_may_grant_permissions();
DROP TRIGGER users_guard_privileged_columns_update ON users;
DROP TRIGGER users_guard_privileged_columns ON users;
DROP FUNCTION users_guard_privileged_columns();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_staff_groups"),
        ("core", "0007_permission_context"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
