-- The current definition of the accounts app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] user_search_ids(words text[], max_rows integer) — Ids of the users whose e-mail address or name contains every word (case-insensitive; a word of one or two characters: starts with it), newest first, at most max_rows (capped at 100,000). Staff and system actors only (app_is_privileged()); anyone else gets insufficient_privilege.
CREATE OR REPLACE FUNCTION public.user_search_ids(words text[], max_rows integer)
 RETURNS SETOF bigint
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER ROWS 100
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    IF NOT app_is_privileged() THEN
        RAISE EXCEPTION 'user_search_ids() answers staff and system actors only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY EXECUTE user_search_query(words, max_rows);
END;
$function$;
COMMENT ON FUNCTION user_search_ids(words text[], max_rows integer) IS 'Ids of the users whose e-mail address or name contains every word (case-insensitive; a word of one or two characters: starts with it), newest first, at most max_rows (capped at 100,000). Staff and system actors only (app_is_privileged()); anyone else gets insufficient_privilege.';

-- [function] user_search_query(words text[], max_rows integer) — The SELECT that user_search_ids() runs for these words (to read its plan with EXPLAIN).
CREATE OR REPLACE FUNCTION public.user_search_query(words text[], max_rows integer)
 RETURNS text
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'public', 'pg_temp'
AS $function$
DECLARE
    statement text := 'SELECT user_id FROM user_search WHERE true';
    word text;
    pattern text;
BEGIN
    IF cardinality(words) > 10 THEN
        RAISE EXCEPTION 'a user search takes at most 10 words'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    FOREACH word IN ARRAY coalesce(words, '{}') LOOP
        IF length(word) > 255 THEN
            -- Longer than any e-mail address or name: nothing matches.
            RETURN 'SELECT NULL::bigint AS user_id WHERE false';
        END IF;
        pattern := replace(replace(replace(upper(word), '\', '\\'), '%', '\%'), '_', '\_');
        -- Trigrams need three characters: a shorter word matches the start of the e-mail
        -- address or of the name (prefix indexes), a longer one anywhere in them.
        pattern := CASE WHEN length(word) < 3 THEN pattern || '%' ELSE '%' || pattern || '%' END;
        -- Literal patterns (not parameters): the planner sees each one and chooses between
        -- the trigram indexes (a rare word) and the newest-first walk (a common one).
        statement := statement || format(' AND (email_key LIKE %1$L OR name_key LIKE %1$L)', pattern);
    END LOOP;
    RETURN statement || format(' ORDER BY created_at DESC, user_id DESC LIMIT %s',
                           least(greatest(coalesce(max_rows, 0), 0), 100000));
END;
$function$;
COMMENT ON FUNCTION user_search_query(words text[], max_rows integer) IS 'The SELECT that user_search_ids() runs for these words (to read its plan with EXPLAIN).';

-- [function] user_search_sync() — Trigger: copies the searchable columns of new and changed users into user_search (deletions cascade through its foreign key).
CREATE OR REPLACE FUNCTION public.user_search_sync()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO user_search (user_id, created_at, email_key, name_key)
        SELECT n.id, n.created_at, n.email_key, upper(n.name) FROM new_rows n;
    ELSE
        INSERT INTO user_search (user_id, created_at, email_key, name_key)
        VALUES (NEW.id, NEW.created_at, NEW.email_key, upper(NEW.name))
        ON CONFLICT (user_id) DO UPDATE
            SET created_at = EXCLUDED.created_at,
                email_key = EXCLUDED.email_key,
                name_key = EXCLUDED.name_key;
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION user_search_sync() IS 'Trigger: copies the searchable columns of new and changed users into user_search (deletions cascade through its foreign key).';

-- [function] users_date_of_birth_in_past() — Refuses the row: its date of birth is today or later (trigger of the same name).
CREATE OR REPLACE FUNCTION public.users_date_of_birth_in_past()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    RAISE EXCEPTION 'date_of_birth % is not in the past', NEW.date_of_birth
        USING ERRCODE = 'check_violation', CONSTRAINT = 'users_date_of_birth_in_past',
              TABLE = 'users', COLUMN = 'date_of_birth';
END;
$function$;
COMMENT ON FUNCTION users_date_of_birth_in_past() IS 'Refuses the row: its date of birth is today or later (trigger of the same name).';

-- [function] users_guard_email_verified() — BEFORE INSERT/UPDATE on users: refuses (42501) email_verified_at to anyone but the e-mail verification (system:email_verification) and commands, and clears it when the address changes (accounts.0013, docs/security.md).
CREATE OR REPLACE FUNCTION public.users_guard_email_verified()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NOT ((app_is_system_actor() AND actor NOT IN ('system:auth', 'system:password'))
                OR app_is_superuser()) THEN
            PERFORM app_refuse_column(TG_RELID, 'email_verified_at',
                                      'a new account starts unverified');
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.email_verified_at IS NOT DISTINCT FROM OLD.email_verified_at THEN
        -- Only the address changed (the trigger's WHEN): a new address is not proven yet.
        NEW.email_verified_at := NULL;
        RETURN NEW;
    END IF;
    IF NOT (actor = 'system:email_verification' OR actor LIKE 'command:%') THEN
        PERFORM app_refuse_column(TG_RELID, 'email_verified_at',
                                  'only the e-mail verification (system:email_verification) '
                                  'sets it');
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION users_guard_email_verified() IS 'BEFORE INSERT/UPDATE on users: refuses (42501) email_verified_at to anyone but the e-mail verification (system:email_verification) and commands, and clears it when the address changes (accounts.0013, docs/security.md).';

-- [function] users_guard_privileged_columns() — BEFORE INSERT/UPDATE on users: refuses (42501) changes of is_staff, is_superuser, is_active, role, tenant_id, password, last_login and email by an actor not entitled to them (see the migrations accounts.0006 and 0016, and docs/security.md).
CREATE OR REPLACE FUNCTION public.users_guard_privileged_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;
COMMENT ON FUNCTION users_guard_privileged_columns() IS 'BEFORE INSERT/UPDATE on users: refuses (42501) changes of is_staff, is_superuser, is_active, role, tenant_id, password, last_login and email by an actor not entitled to them (see the migrations accounts.0006 and 0016, and docs/security.md).';

-- [view] user_search_source — The rows user_search must hold (backfills, bulk loads, consistency checks). Reads users with its owner's rights: no privilege for the runtime role.
CREATE OR REPLACE VIEW user_search_source AS
SELECT users.id AS user_id,
    users.created_at,
    users.email_key,
    upper(users.name::text) AS name_key
   FROM users;
COMMENT ON VIEW user_search_source IS 'The rows user_search must hold (backfills, bulk loads, consistency checks). Reads users with its owner''s rights: no privilege for the runtime role.';

-- [row level security] api_tokens — row-level security enabled, forced on the owner too
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;

-- [row level security] profiles — row-level security enabled, forced on the owner too
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE profiles FORCE ROW LEVEL SECURITY;

-- [row level security] tenants — row-level security enabled, forced on the owner too
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;

-- [row level security] users — row-level security enabled, forced on the owner too
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

-- [row level security] users_groups — row-level security enabled, forced on the owner too
ALTER TABLE users_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE users_groups FORCE ROW LEVEL SECURITY;

-- [row level security] users_user_permissions — row-level security enabled, forced on the owner too
ALTER TABLE users_user_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE users_user_permissions FORCE ROW LEVEL SECURITY;

-- [policy] api_tokens_owner_read ON api_tokens — a user lists their own tokens
CREATE POLICY api_tokens_owner_read ON api_tokens
    FOR SELECT TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY api_tokens_owner_read ON api_tokens IS 'a user lists their own tokens';

-- [policy] api_tokens_owner_revoke ON api_tokens — a user revokes their own tokens
CREATE POLICY api_tokens_owner_revoke ON api_tokens
    FOR DELETE TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY api_tokens_owner_revoke ON api_tokens IS 'a user revokes their own tokens';

-- [policy] api_tokens_privileged ON api_tokens — staff (admin: list, revoke) and system actors (system:auth issues, looks up, touches)
CREATE POLICY api_tokens_privileged ON api_tokens
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY api_tokens_privileged ON api_tokens IS 'staff (admin: list, revoke) and system actors (system:auth issues, looks up, touches)';

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

-- [policy] users_groups_grant ON users_groups — Only superusers and maintenance actors add or remove group memberships.
CREATE POLICY users_groups_grant ON users_groups
    FOR ALL TO public
    USING (( SELECT app_may_grant_permissions() AS app_may_grant_permissions))
    WITH CHECK (( SELECT app_may_grant_permissions() AS app_may_grant_permissions));
COMMENT ON POLICY users_groups_grant ON users_groups IS 'Only superusers and maintenance actors add or remove group memberships.';

-- [policy] users_groups_read ON users_groups — A user reads their own group memberships; staff and system actors read all.
CREATE POLICY users_groups_read ON users_groups
    FOR SELECT TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)) OR ( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY users_groups_read ON users_groups IS 'A user reads their own group memberships; staff and system actors read all.';

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

-- [policy] users_user_permissions_grant ON users_user_permissions — Only superusers and maintenance actors grant or revoke a user's permissions.
CREATE POLICY users_user_permissions_grant ON users_user_permissions
    FOR ALL TO public
    USING (( SELECT app_may_grant_permissions() AS app_may_grant_permissions))
    WITH CHECK (( SELECT app_may_grant_permissions() AS app_may_grant_permissions));
COMMENT ON POLICY users_user_permissions_grant ON users_user_permissions IS 'Only superusers and maintenance actors grant or revoke a user''s permissions.';

-- [policy] users_user_permissions_read ON users_user_permissions — A user reads their own permission grants; staff and system actors read all.
CREATE POLICY users_user_permissions_read ON users_user_permissions
    FOR SELECT TO public
    USING (user_id = (( SELECT app_user_id() AS app_user_id)) OR ( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY users_user_permissions_read ON users_user_permissions IS 'A user reads their own permission grants; staff and system actors read all.';

-- [trigger] api_tokens_audit_delete ON api_tokens — audit: a token revoked
CREATE TRIGGER api_tokens_audit_delete AFTER DELETE ON public.api_tokens
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{digest}');
COMMENT ON TRIGGER api_tokens_audit_delete ON api_tokens IS 'audit: a token revoked';

-- [trigger] api_tokens_audit_insert ON api_tokens — audit: a token issued
CREATE TRIGGER api_tokens_audit_insert AFTER INSERT ON public.api_tokens
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{digest}');
COMMENT ON TRIGGER api_tokens_audit_insert ON api_tokens IS 'audit: a token issued';

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

-- [trigger] users_date_of_birth_in_past ON users — A date of birth written is in the past (CHECK users_date_of_birth_since_1900: from 1900).
CREATE TRIGGER users_date_of_birth_in_past BEFORE INSERT OR UPDATE OF date_of_birth ON public.users
    FOR EACH ROW
    WHEN ( (new.date_of_birth >= CURRENT_DATE))
    EXECUTE FUNCTION users_date_of_birth_in_past();
COMMENT ON TRIGGER users_date_of_birth_in_past ON users IS 'A date of birth written is in the past (CHECK users_date_of_birth_since_1900: from 1900).';

-- [trigger] users_guard_email_verified ON users — An account is created verified only by maintenance actors (seed, tests) or superusers.
CREATE TRIGGER users_guard_email_verified BEFORE INSERT ON public.users
    FOR EACH ROW
    WHEN ( (new.email_verified_at IS NOT NULL))
    EXECUTE FUNCTION users_guard_email_verified();
COMMENT ON TRIGGER users_guard_email_verified ON users IS 'An account is created verified only by maintenance actors (seed, tests) or superusers.';

-- [trigger] users_guard_email_verified_update ON users — Only the e-mail verification sets email_verified_at; a new address clears it.
CREATE TRIGGER users_guard_email_verified_update BEFORE UPDATE ON public.users
    FOR EACH ROW
    WHEN ( ((old.email_verified_at IS DISTINCT FROM new.email_verified_at) OR (upper((old.email)::text) IS DISTINCT FROM upper((new.email)::text))))
    EXECUTE FUNCTION users_guard_email_verified();
COMMENT ON TRIGGER users_guard_email_verified_update ON users IS 'Only the e-mail verification sets email_verified_at; a new address clears it.';

-- [trigger] users_guard_privileged_columns ON users — Staff accounts are created by superusers or maintenance actors only.
CREATE TRIGGER users_guard_privileged_columns BEFORE INSERT ON public.users
    FOR EACH ROW
    WHEN ( (new.is_staff OR new.is_superuser))
    EXECUTE FUNCTION users_guard_privileged_columns();
COMMENT ON TRIGGER users_guard_privileged_columns ON users IS 'Staff accounts are created by superusers or maintenance actors only.';

-- [trigger] users_guard_privileged_columns_update ON users — Only entitled actors change the privileged columns (the function says who).
CREATE TRIGGER users_guard_privileged_columns_update BEFORE UPDATE ON public.users
    FOR EACH ROW
    WHEN ( ((old.is_staff IS DISTINCT FROM new.is_staff) OR (old.is_superuser IS DISTINCT FROM new.is_superuser) OR (old.is_active IS DISTINCT FROM new.is_active) OR ((old.role)::text IS DISTINCT FROM (new.role)::text) OR (old.tenant_id IS DISTINCT FROM new.tenant_id) OR ((old.password)::text IS DISTINCT FROM (new.password)::text) OR (old.last_login_at IS DISTINCT FROM new.last_login_at) OR ((old.email)::text IS DISTINCT FROM (new.email)::text)))
    EXECUTE FUNCTION users_guard_privileged_columns();
COMMENT ON TRIGGER users_guard_privileged_columns_update ON users IS 'Only entitled actors change the privileged columns (the function says who).';

-- [trigger] users_search_insert ON users — Copies new users into user_search, the staff's search projection (one pass a statement).
CREATE TRIGGER users_search_insert AFTER INSERT ON public.users
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION user_search_sync();
COMMENT ON TRIGGER users_search_insert ON users IS 'Copies new users into user_search, the staff''s search projection (one pass a statement).';

-- [trigger] users_search_update ON users — Keeps user_search in step when a user's e-mail, name or creation time changes.
CREATE TRIGGER users_search_update AFTER UPDATE OF email, name, created_at ON public.users
    FOR EACH ROW
    WHEN ( (((old.email)::text IS DISTINCT FROM (new.email)::text) OR ((old.name)::text IS DISTINCT FROM (new.name)::text) OR (old.created_at IS DISTINCT FROM new.created_at)))
    EXECUTE FUNCTION user_search_sync();
COMMENT ON TRIGGER users_search_update ON users IS 'Keeps user_search in step when a user''s e-mail, name or creation time changes.';

-- [grant] ON FUNCTION user_search_ids(words text[], max_rows integer) — app_user's privileges
GRANT EXECUTE ON FUNCTION user_search_ids(words text[], max_rows integer) TO app_user;
REVOKE EXECUTE ON FUNCTION user_search_ids(words text[], max_rows integer) FROM PUBLIC;

-- [grant] ON FUNCTION user_search_query(words text[], max_rows integer) — app_user's privileges
REVOKE EXECUTE ON FUNCTION user_search_query(words text[], max_rows integer) FROM PUBLIC;

-- [grant] ON FUNCTION user_search_sync() — app_user's privileges
REVOKE EXECUTE ON FUNCTION user_search_sync() FROM PUBLIC;

-- [grant] ON SEQUENCE api_tokens_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE api_tokens_id_seq TO app_user;

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

-- [grant] ON TABLE api_tokens — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE api_tokens TO app_user;

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
