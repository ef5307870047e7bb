"""What each of messaging's triggers and policies is for (COMMENT ON, nothing else)."""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

COMMENTS = {
    "POLICY messages_send ON messages": "A user sends messages as themselves in their tenant.",
    "POLICY messages_parties_read ON messages": (
        "A message's sender and recipient read it until its deletion takes effect."
    ),
    "POLICY messages_parties_update ON messages": (
        "A message's sender and recipient update it while it is not deleted."
    ),
    "POLICY messages_staff_and_system ON messages": (
        "Staff and system actors (moderation, purge) manage every message."
    ),
    **audit_trigger_comments("messages"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_privileged_columns"),
        ("core", "0008_object_comments"),
    ]

    operations = [comment_on(COMMENTS)]
