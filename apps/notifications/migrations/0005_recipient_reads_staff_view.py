"""notifications: the recipient marks their own rows read (read_at) and changes nothing else;
staff holding notifications.view_notification read every row (the admin); the e-mail windows
of batched kinds answer system actors only.

The UPDATE policy draws the row line (only one's own rows, and they stay one's own); the
trigger draws the column line (a non-system actor changes read_at only), whatever the path:
ORM, bulk update or raw SQL. No policy lets a user INSERT or DELETE."""

from django.db import migrations

from apps.core.db.comments import comment_on

SQL = """
CREATE POLICY notifications_recipient_mark_read ON notifications FOR UPDATE
    USING (recipient_id = (SELECT app_user_id()))
    WITH CHECK (recipient_id = (SELECT app_user_id()));
CREATE POLICY notifications_staff_read ON notifications FOR SELECT
    USING ((SELECT app_has_permission('notifications.view_notification')));

CREATE FUNCTION notifications_guard_recipient_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;

CREATE TRIGGER notifications_guard_recipient_update
    BEFORE UPDATE ON notifications
    FOR EACH ROW
    EXECUTE FUNCTION notifications_guard_recipient_update();

ALTER TABLE notification_email_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_email_windows FORCE ROW LEVEL SECURITY;
CREATE POLICY notification_email_windows_system ON notification_email_windows
    USING ((SELECT app_is_system_actor())) WITH CHECK ((SELECT app_is_system_actor()));
"""

REVERSE = """
DROP POLICY notification_email_windows_system ON notification_email_windows;
ALTER TABLE notification_email_windows NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notification_email_windows DISABLE ROW LEVEL SECURITY;
DROP TRIGGER notifications_guard_recipient_update ON notifications;
DROP FUNCTION notifications_guard_recipient_update();
DROP POLICY notifications_staff_read ON notifications;
DROP POLICY notifications_recipient_mark_read ON notifications;
"""

COMMENTS = {
    "POLICY notifications_recipient_mark_read ON notifications": (
        "The recipient updates their own notifications (and they stay theirs); which columns: "
        "trigger notifications_guard_recipient_update (read_at only)."
    ),
    "POLICY notifications_staff_read ON notifications": (
        "Staff holding notifications.view_notification read every notification (the "
        "read-only admin)."
    ),
    "FUNCTION notifications_guard_recipient_update()": (
        "BEFORE UPDATE on notifications: refuses (42501, naming the column) a change of any "
        "column but read_at by a non-system actor."
    ),
    "TRIGGER notifications_guard_recipient_update ON notifications": (
        "A recipient marks notifications read or unread; everything else is the system's."
    ),
    "TABLE notification_email_windows": (
        "When a recipient was last e-mailed about a batch (a conversation): a batched kind's "
        "next e-mail waits for opened_at + its window (one digest)."
    ),
    "POLICY notification_email_windows_system ON notification_email_windows": (
        "Written and read by system actors only (notify, the digest job)."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_inbox_and_batches"),
        ("core", "0009_session_security"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE), comment_on(COMMENTS)]
