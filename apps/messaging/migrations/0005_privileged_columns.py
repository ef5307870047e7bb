"""messages: what was sent, by whom, to whom, never changes.

Both parties may update a message (read, archived, reported, soft-deleted: row-level
security); subject, content, attachments, sender_id, recipient_id and tenant_id are frozen at
INSERT for every actor of the runtime role, staff and system actors included. No code path
needs otherwise: moderation flags a message (is_spam), erasure deletes it
(purge_soft_deleted). A redaction ordered by law is a maintenance task for the owner role,
audited as db:<role>.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION messages_guard_sent_columns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;
COMMENT ON FUNCTION messages_guard_sent_columns() IS
    'BEFORE UPDATE on messages: refuses (42501) any change of subject, content, attachments, '
    'sender_id, recipient_id or tenant_id once sent, except by the owner role (maintenance).';

CREATE TRIGGER messages_guard_sent_columns
    BEFORE UPDATE ON messages
    FOR EACH ROW WHEN (
        OLD.subject IS DISTINCT FROM NEW.subject OR OLD.content IS DISTINCT FROM NEW.content
        OR OLD.attachments IS DISTINCT FROM NEW.attachments
        OR OLD.sender_id IS DISTINCT FROM NEW.sender_id
        OR OLD.recipient_id IS DISTINCT FROM NEW.recipient_id
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION messages_guard_sent_columns();
COMMENT ON TRIGGER messages_guard_sent_columns ON messages IS
    'A sent message''s words, parties and tenant are frozen.';
"""

REVERSE = """
DROP TRIGGER messages_guard_sent_columns ON messages;
DROP FUNCTION messages_guard_sent_columns();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_moderation_permissions"),
        ("core", "0007_permission_context"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
