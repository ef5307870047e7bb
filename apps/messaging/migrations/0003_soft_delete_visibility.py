from django.db import migrations

# PostgreSQL checks the new row of an UPDATE against the SELECT policies too. A party who
# soft-deletes a message would therefore be refused by a read policy that hides deleted rows.
# The read policy hides rows deleted *before* this transaction began (deleted_at < now()):
# the deleting transaction (which stamps deleted_at with now()) still sees its row until it
# commits, everyone else never sees it again.
SQL = """
DROP POLICY messages_parties_read ON messages;
CREATE POLICY messages_parties_read ON messages FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id())
           AND (deleted_at IS NULL OR deleted_at >= now())
           AND (sender_id = (SELECT app_user_id()) OR recipient_id = (SELECT app_user_id())));
"""

REVERSE = """
DROP POLICY messages_parties_read ON messages;
CREATE POLICY messages_parties_read ON messages FOR SELECT
    USING (tenant_id = (SELECT app_tenant_id()) AND deleted_at IS NULL
           AND (sender_id = (SELECT app_user_id()) OR recipient_id = (SELECT app_user_id())));
"""


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_row_level_security")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
