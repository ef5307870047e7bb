from django.db import migrations

SQL = """
-- messages: only the sender and the recipient see a message (staff too, for moderation);
-- a soft-deleted message is gone for them; only its sender creates it.
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY messages_privileged ON messages
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY messages_parties_read ON messages FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id()) AND deleted_at IS NULL
           AND (sender_id = (SELECT app_user_id()) OR recipient_id = (SELECT app_user_id())));
CREATE POLICY messages_send ON messages FOR INSERT
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND sender_id = (SELECT app_user_id()));
CREATE POLICY messages_parties_update ON messages FOR UPDATE
    USING (tenant_id = (SELECT app_tenant_id()) AND deleted_at IS NULL
           AND (sender_id = (SELECT app_user_id()) OR recipient_id = (SELECT app_user_id())))
    WITH CHECK (tenant_id = (SELECT app_tenant_id())
           AND (sender_id = (SELECT app_user_id()) OR recipient_id = (SELECT app_user_id())));

SELECT audit_enable('messages');
"""

REVERSE = """
DROP TRIGGER messages_audit_insert ON messages;
DROP TRIGGER messages_audit_update ON messages;
DROP TRIGGER messages_audit_delete ON messages;
DROP POLICY messages_privileged ON messages;
DROP POLICY messages_parties_read ON messages;
DROP POLICY messages_send ON messages;
DROP POLICY messages_parties_update ON messages;
ALTER TABLE messages DISABLE ROW LEVEL SECURITY;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("core", "0002_runtime_role_and_audit_functions"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
