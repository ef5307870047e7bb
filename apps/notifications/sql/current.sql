-- The current definition of the notifications app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] notifications_guard_recipient_update() — BEFORE UPDATE on notifications: refuses (42501, naming the column) a change of any column but read_at by a non-system actor.
CREATE OR REPLACE FUNCTION public.notifications_guard_recipient_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    changed text;
BEGIN
    IF NOT (SELECT app_is_system_actor()) THEN
        SELECT n.key INTO changed
        FROM jsonb_each(to_jsonb(NEW)) AS n
        WHERE n.key <> 'read_at' AND n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key
        ORDER BY n.key LIMIT 1;
        IF changed IS NOT NULL THEN
            PERFORM app_refuse_column(
                TG_RELID, changed, 'a recipient changes read_at only');
        END IF;
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION notifications_guard_recipient_update() IS 'BEFORE UPDATE on notifications: refuses (42501, naming the column) a change of any column but read_at by a non-system actor.';

-- [row level security] notification_email_windows — row-level security enabled, forced on the owner too
ALTER TABLE notification_email_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_email_windows FORCE ROW LEVEL SECURITY;

-- [row level security] notifications — row-level security enabled, forced on the owner too
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;

-- [policy] notification_email_windows_system ON notification_email_windows — Written and read by system actors only (notify, the digest job).
CREATE POLICY notification_email_windows_system ON notification_email_windows
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY notification_email_windows_system ON notification_email_windows IS 'Written and read by system actors only (notify, the digest job).';

-- [policy] notifications_recipient_mark_read ON notifications — The recipient updates their own notifications (and they stay theirs); which columns: trigger notifications_guard_recipient_update (read_at only).
CREATE POLICY notifications_recipient_mark_read ON notifications
    FOR UPDATE TO public
    USING (recipient_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (recipient_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY notifications_recipient_mark_read ON notifications IS 'The recipient updates their own notifications (and they stay theirs); which columns: trigger notifications_guard_recipient_update (read_at only).';

-- [policy] notifications_recipient_read ON notifications — A notification is read by its recipient only.
CREATE POLICY notifications_recipient_read ON notifications
    FOR SELECT TO public
    USING (recipient_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY notifications_recipient_read ON notifications IS 'A notification is read by its recipient only.';

-- [policy] notifications_staff_read ON notifications — Staff holding notifications.view_notification read every notification (the read-only admin).
CREATE POLICY notifications_staff_read ON notifications
    FOR SELECT TO public
    USING (( SELECT app_has_permission('notifications.view_notification'::text) AS app_has_permission));
COMMENT ON POLICY notifications_staff_read ON notifications IS 'Staff holding notifications.view_notification read every notification (the read-only admin).';

-- [policy] notifications_system ON notifications — System actors write notifications (notify as system:notify, in the event's transaction) and send them (the send job); no user writes one.
CREATE POLICY notifications_system ON notifications
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY notifications_system ON notifications IS 'System actors write notifications (notify as system:notify, in the event''s transaction) and send them (the send job); no user writes one.';

-- [trigger] notifications_guard_recipient_update ON notifications — A recipient marks notifications read or unread; everything else is the system's.
CREATE TRIGGER notifications_guard_recipient_update BEFORE UPDATE ON public.notifications
    FOR EACH ROW
    EXECUTE FUNCTION notifications_guard_recipient_update();
COMMENT ON TRIGGER notifications_guard_recipient_update ON notifications IS 'A recipient marks notifications read or unread; everything else is the system''s.';

-- [grant] ON SEQUENCE notification_email_windows_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE notification_email_windows_id_seq TO app_user;

-- [grant] ON SEQUENCE notifications_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE notifications_id_seq TO app_user;

-- [grant] ON TABLE notification_email_windows — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE notification_email_windows TO app_user;

-- [grant] ON TABLE notifications — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE notifications TO app_user;
