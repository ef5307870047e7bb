-- The current definition of the messaging app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] messages_guard_sent_columns() — BEFORE UPDATE on messages: refuses (42501) any change of subject, content, attachments, sender_id, recipient_id or tenant_id once sent, except by the owner role (maintenance).
CREATE OR REPLACE FUNCTION public.messages_guard_sent_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF NOT app_runs_as_owner(TG_RELID) THEN
        PERFORM app_refuse_column(
            TG_RELID,
            app_first_changed_column(
                to_jsonb(OLD), to_jsonb(NEW),
                '{content,subject,attachments,sender_id,recipient_id,tenant_id}'),
            'a sent message never changes');
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION messages_guard_sent_columns() IS 'BEFORE UPDATE on messages: refuses (42501) any change of subject, content, attachments, sender_id, recipient_id or tenant_id once sent, except by the owner role (maintenance).';

-- [row level security] messages — row-level security enabled, forced on the owner too
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;

-- [policy] messages_parties_read ON messages — A message's sender and recipient read it until its deletion takes effect.
CREATE POLICY messages_parties_read ON messages
    FOR SELECT TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (deleted_at IS NULL OR deleted_at >= now())
        AND (sender_id = (( SELECT app_user_id() AS app_user_id)) OR recipient_id = (( SELECT app_user_id() AS app_user_id))));
COMMENT ON POLICY messages_parties_read ON messages IS 'A message''s sender and recipient read it until its deletion takes effect.';

-- [policy] messages_parties_update ON messages — A message's sender and recipient update it while it is not deleted.
CREATE POLICY messages_parties_update ON messages
    FOR UPDATE TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND deleted_at IS NULL
        AND (sender_id = (( SELECT app_user_id() AS app_user_id)) OR recipient_id = (( SELECT app_user_id() AS app_user_id))))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND (sender_id = (( SELECT app_user_id() AS app_user_id)) OR recipient_id = (( SELECT app_user_id() AS app_user_id))));
COMMENT ON POLICY messages_parties_update ON messages IS 'A message''s sender and recipient update it while it is not deleted.';

-- [policy] messages_send ON messages — A user sends messages as themselves in their tenant.
CREATE POLICY messages_send ON messages
    FOR INSERT TO public
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND sender_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY messages_send ON messages IS 'A user sends messages as themselves in their tenant.';

-- [policy] messages_staff_and_system ON messages — Staff and system actors (moderation, purge) manage every message.
CREATE POLICY messages_staff_and_system ON messages
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY messages_staff_and_system ON messages IS 'Staff and system actors (moderation, purge) manage every message.';

-- [trigger] messages_audit_delete ON messages — Audit trail: records in audit_logs every row a DELETE removes from messages, with who and from where.
CREATE TRIGGER messages_audit_delete AFTER DELETE ON public.messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER messages_audit_delete ON messages IS 'Audit trail: records in audit_logs every row a DELETE removes from messages, with who and from where.';

-- [trigger] messages_audit_insert ON messages — Audit trail: records in audit_logs every row an INSERT adds to messages, with who and from where.
CREATE TRIGGER messages_audit_insert AFTER INSERT ON public.messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER messages_audit_insert ON messages IS 'Audit trail: records in audit_logs every row an INSERT adds to messages, with who and from where.';

-- [trigger] messages_audit_update ON messages — Audit trail: records in audit_logs every row an UPDATE changes in messages, with who and from where.
CREATE TRIGGER messages_audit_update AFTER UPDATE ON public.messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER messages_audit_update ON messages IS 'Audit trail: records in audit_logs every row an UPDATE changes in messages, with who and from where.';

-- [trigger] messages_guard_sent_columns ON messages — A sent message's words, parties and tenant are frozen.
CREATE TRIGGER messages_guard_sent_columns BEFORE UPDATE ON public.messages
    FOR EACH ROW
    WHEN ( (((old.subject)::text IS DISTINCT FROM (new.subject)::text) OR (old.content IS DISTINCT FROM new.content) OR (old.attachments IS DISTINCT FROM new.attachments) OR (old.sender_id IS DISTINCT FROM new.sender_id) OR (old.recipient_id IS DISTINCT FROM new.recipient_id) OR (old.tenant_id IS DISTINCT FROM new.tenant_id)))
    EXECUTE FUNCTION messages_guard_sent_columns();
COMMENT ON TRIGGER messages_guard_sent_columns ON messages IS 'A sent message''s words, parties and tenant are frozen.';

-- [grant] ON SEQUENCE messages_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE messages_id_seq TO app_user;

-- [grant] ON TABLE messages — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE messages TO app_user;
