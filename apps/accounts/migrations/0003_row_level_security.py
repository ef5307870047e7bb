from django.db import migrations

# users: tenant isolation; a user reads the users of their tenant (names on listings and
# messages), writes only themself; staff and system actors everything. Authentication
# look-ups run as the system actor "system:auth" (apps/accounts/backends.py).
SQL = """
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_privileged ON users
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY users_same_tenant_read ON users FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id()));
CREATE POLICY users_self ON users
    USING (id = (SELECT app_user_id())) WITH CHECK (id = (SELECT app_user_id()));
-- Sign-up: an anonymous visitor creates an account in the tenant the request resolved.
CREATE POLICY users_sign_up ON users FOR INSERT
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND NOT is_staff AND NOT is_superuser);

ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY profiles_privileged ON profiles
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY profiles_visible_user_read ON profiles FOR SELECT
    USING (EXISTS (SELECT 1 FROM users u WHERE u.id = user_id));
CREATE POLICY profiles_self ON profiles
    USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY profiles_sign_up ON profiles FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM users u WHERE u.id = user_id));

-- Tenants are public reference data (resolving X-Tenant or the host name needs them);
-- only staff and system actors change them.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_read ON tenants FOR SELECT USING (true);
CREATE POLICY tenants_privileged ON tenants
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));

SELECT audit_enable('users', '{password}');
SELECT audit_enable('profiles');
SELECT audit_enable('tenants');
"""

REVERSE = """
DROP TRIGGER users_audit_insert ON users;
DROP TRIGGER users_audit_update ON users;
DROP TRIGGER users_audit_delete ON users;
DROP TRIGGER profiles_audit_insert ON profiles;
DROP TRIGGER profiles_audit_update ON profiles;
DROP TRIGGER profiles_audit_delete ON profiles;
DROP TRIGGER tenants_audit_insert ON tenants;
DROP TRIGGER tenants_audit_update ON tenants;
DROP TRIGGER tenants_audit_delete ON tenants;
DROP POLICY users_privileged ON users;
DROP POLICY users_same_tenant_read ON users;
DROP POLICY users_self ON users;
DROP POLICY users_sign_up ON users;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
DROP POLICY profiles_privileged ON profiles;
DROP POLICY profiles_visible_user_read ON profiles;
DROP POLICY profiles_self ON profiles;
DROP POLICY profiles_sign_up ON profiles;
ALTER TABLE profiles DISABLE ROW LEVEL SECURITY;
DROP POLICY tenants_read ON tenants;
DROP POLICY tenants_privileged ON tenants;
ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_default_tenant"),
        ("core", "0002_runtime_role_and_audit_functions"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
