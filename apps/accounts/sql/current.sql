-- The current definition of the accounts app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [row level security] profiles — row-level security enabled, forced on the owner too
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE profiles FORCE ROW LEVEL SECURITY;

-- [row level security] tenants — row-level security enabled, forced on the owner too
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;

-- [row level security] users — row-level security enabled, forced on the owner too
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

-- [policy] profiles_read_with_user ON profiles — A profile is visible wherever its user is.
CREATE POLICY profiles_read_with_user ON profiles
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM users u
  WHERE u.id = profiles.user_id)));
COMMENT ON POLICY profiles_read_with_user ON profiles IS 'A profile is visible wherever its user is.';

-- [policy] profiles_self ON profiles — A user reads and changes their own profile.
CREATE POLICY profiles_self ON profiles
    FOR ALL TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (user_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY profiles_self ON profiles IS 'A user reads and changes their own profile.';

-- [policy] profiles_sign_up ON profiles — Registration creates the profile of a visible user.
CREATE POLICY profiles_sign_up ON profiles
    FOR INSERT TO public
    WITH CHECK ((EXISTS ( SELECT 1
   FROM users u
  WHERE u.id = profiles.user_id)));
COMMENT ON POLICY profiles_sign_up ON profiles IS 'Registration creates the profile of a visible user.';

-- [policy] profiles_staff_and_system ON profiles — Staff and system actors manage every profile.
CREATE POLICY profiles_staff_and_system ON profiles
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY profiles_staff_and_system ON profiles IS 'Staff and system actors manage every profile.';

-- [policy] tenants_read ON tenants — Anyone reads tenants, to resolve a request's tenant.
CREATE POLICY tenants_read ON tenants
    FOR SELECT TO public
    USING (true);
COMMENT ON POLICY tenants_read ON tenants IS 'Anyone reads tenants, to resolve a request''s tenant.';

-- [policy] tenants_staff_and_system ON tenants — Staff and system actors manage tenants.
CREATE POLICY tenants_staff_and_system ON tenants
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY tenants_staff_and_system ON tenants IS 'Staff and system actors manage tenants.';

-- [policy] users_same_tenant_read ON users — A user sees the users of their own tenant.
CREATE POLICY users_same_tenant_read ON users
    FOR SELECT TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id)));
COMMENT ON POLICY users_same_tenant_read ON users IS 'A user sees the users of their own tenant.';

-- [policy] users_self ON users — A user reads and changes their own row.
CREATE POLICY users_self ON users
    FOR ALL TO public
    USING (id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY users_self ON users IS 'A user reads and changes their own row.';

-- [policy] users_sign_up ON users — Registration inserts a user in the request's tenant, never staff or superuser.
CREATE POLICY users_sign_up ON users
    FOR INSERT TO public
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND NOT is_staff
        AND NOT is_superuser);
COMMENT ON POLICY users_sign_up ON users IS 'Registration inserts a user in the request''s tenant, never staff or superuser.';

-- [policy] users_staff_and_system ON users — Staff and system actors (authentication, commands) manage every user.
CREATE POLICY users_staff_and_system ON users
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY users_staff_and_system ON users IS 'Staff and system actors (authentication, commands) manage every user.';

-- [trigger] profiles_audit_delete ON profiles — Audit trail: records in audit_logs every row a DELETE removes from profiles, with who and from where.
CREATE TRIGGER profiles_audit_delete AFTER DELETE ON public.profiles
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER profiles_audit_delete ON profiles IS 'Audit trail: records in audit_logs every row a DELETE removes from profiles, with who and from where.';

-- [trigger] profiles_audit_insert ON profiles — Audit trail: records in audit_logs every row an INSERT adds to profiles, with who and from where.
CREATE TRIGGER profiles_audit_insert AFTER INSERT ON public.profiles
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER profiles_audit_insert ON profiles IS 'Audit trail: records in audit_logs every row an INSERT adds to profiles, with who and from where.';

-- [trigger] profiles_audit_update ON profiles — Audit trail: records in audit_logs every row an UPDATE changes in profiles, with who and from where.
CREATE TRIGGER profiles_audit_update AFTER UPDATE ON public.profiles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER profiles_audit_update ON profiles IS 'Audit trail: records in audit_logs every row an UPDATE changes in profiles, with who and from where.';

-- [trigger] tenants_audit_delete ON tenants — Audit trail: records in audit_logs every row a DELETE removes from tenants, with who and from where.
CREATE TRIGGER tenants_audit_delete AFTER DELETE ON public.tenants
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tenants_audit_delete ON tenants IS 'Audit trail: records in audit_logs every row a DELETE removes from tenants, with who and from where.';

-- [trigger] tenants_audit_insert ON tenants — Audit trail: records in audit_logs every row an INSERT adds to tenants, with who and from where.
CREATE TRIGGER tenants_audit_insert AFTER INSERT ON public.tenants
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tenants_audit_insert ON tenants IS 'Audit trail: records in audit_logs every row an INSERT adds to tenants, with who and from where.';

-- [trigger] tenants_audit_update ON tenants — Audit trail: records in audit_logs every row an UPDATE changes in tenants, with who and from where.
CREATE TRIGGER tenants_audit_update AFTER UPDATE ON public.tenants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tenants_audit_update ON tenants IS 'Audit trail: records in audit_logs every row an UPDATE changes in tenants, with who and from where.';

-- [trigger] users_audit_delete ON users — Audit trail: records in audit_logs every row a DELETE removes from users, with who and from where.
CREATE TRIGGER users_audit_delete AFTER DELETE ON public.users
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{password}');
COMMENT ON TRIGGER users_audit_delete ON users IS 'Audit trail: records in audit_logs every row a DELETE removes from users, with who and from where.';

-- [trigger] users_audit_insert ON users — Audit trail: records in audit_logs every row an INSERT adds to users, with who and from where.
CREATE TRIGGER users_audit_insert AFTER INSERT ON public.users
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{password}');
COMMENT ON TRIGGER users_audit_insert ON users IS 'Audit trail: records in audit_logs every row an INSERT adds to users, with who and from where.';

-- [trigger] users_audit_update ON users — Audit trail: records in audit_logs every row an UPDATE changes in users, with who and from where.
CREATE TRIGGER users_audit_update AFTER UPDATE ON public.users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{password}');
COMMENT ON TRIGGER users_audit_update ON users IS 'Audit trail: records in audit_logs every row an UPDATE changes in users, with who and from where.';

-- [grant] ON SEQUENCE profiles_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE profiles_id_seq TO app_user;

-- [grant] ON SEQUENCE tenants_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE tenants_id_seq TO app_user;

-- [grant] ON SEQUENCE users_groups_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE users_groups_id_seq TO app_user;

-- [grant] ON SEQUENCE users_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE users_id_seq TO app_user;

-- [grant] ON SEQUENCE users_user_permissions_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE users_user_permissions_id_seq TO app_user;

-- [grant] ON TABLE profiles — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE profiles TO app_user;

-- [grant] ON TABLE tenants — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE tenants TO app_user;

-- [grant] ON TABLE users — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE users TO app_user;

-- [grant] ON TABLE users_groups — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE users_groups TO app_user;

-- [grant] ON TABLE users_user_permissions — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE users_user_permissions TO app_user;
