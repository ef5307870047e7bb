"""notifications: a row is read by its recipient only; services write it as a system actor
(notify acts as system:notify, the send job as system:job:send_notification). Forced, like
every table of ours."""

from django.db import migrations

from apps.core.db.comments import comment_on

SQL = """
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_recipient_read ON notifications FOR SELECT
    USING (recipient_id = (SELECT app_user_id()));
CREATE POLICY notifications_system ON notifications
    USING ((SELECT app_is_system_actor())) WITH CHECK ((SELECT app_is_system_actor()));
"""

REVERSE = """
DROP POLICY notifications_recipient_read ON notifications;
DROP POLICY notifications_system ON notifications;
ALTER TABLE notifications NO FORCE ROW LEVEL SECURITY;
ALTER TABLE notifications DISABLE ROW LEVEL SECURITY;
"""

COMMENTS = {
    "POLICY notifications_recipient_read ON notifications": (
        "A notification is read by its recipient only."
    ),
    "POLICY notifications_system ON notifications": (
        "System actors write notifications (notify as system:notify, in the event's "
        "transaction) and send them (the send job); no user writes one."
    ),
    "TABLE notifications": (
        "One thing a user is told, once: unique per (event_key, recipient); sent_at is set by "
        "the send job."
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("core", "0009_session_security"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE), comment_on(COMMENTS)]
