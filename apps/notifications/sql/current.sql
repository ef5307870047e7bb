-- The current definition of the notifications app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [row level security] notifications — row-level security enabled, forced on the owner too
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;

-- [policy] notifications_recipient_read ON notifications — A notification is read by its recipient only.
CREATE POLICY notifications_recipient_read ON notifications
    FOR SELECT TO public
    USING (recipient_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY notifications_recipient_read ON notifications IS 'A notification is read by its recipient only.';

-- [policy] notifications_system ON notifications — System actors write notifications (notify as system:notify, in the event's transaction) and send them (the send job); no user writes one.
CREATE POLICY notifications_system ON notifications
    FOR ALL TO public
    USING (( SELECT app_is_system_actor() AS app_is_system_actor))
    WITH CHECK (( SELECT app_is_system_actor() AS app_is_system_actor));
COMMENT ON POLICY notifications_system ON notifications IS 'System actors write notifications (notify as system:notify, in the event''s transaction) and send them (the send job); no user writes one.';

-- [grant] ON SEQUENCE notifications_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE notifications_id_seq TO app_user;

-- [grant] ON TABLE notifications — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE notifications TO app_user;
