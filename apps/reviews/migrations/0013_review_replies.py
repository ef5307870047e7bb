"""Replies: the reviewed party answers a published review once; staff hide a reply
as they hide a review."""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

SQL = """
ALTER TABLE review_replies ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_replies FORCE ROW LEVEL SECURITY;
CREATE POLICY review_replies_staff_and_system ON review_replies
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
COMMENT ON POLICY review_replies_staff_and_system ON review_replies IS
    'Staff and system actors (moderation) manage every reply.';
-- The reviews subquery runs under reviews' own policies: the reviewed party sees the review
-- only once it is published, so a reply cannot come earlier, nor from anyone else.
CREATE POLICY review_replies_author_write ON review_replies FOR INSERT
    WITH CHECK (author_id = (SELECT app_user_id()) AND tenant_id = (SELECT app_tenant_id())
                AND EXISTS (SELECT 1 FROM reviews r
                            WHERE r.id = review_id AND r.subject_id = (SELECT app_user_id())));
COMMENT ON POLICY review_replies_author_write ON review_replies IS
    'The reviewed party replies to a review they may read (published); once (unique review_id), never edited.';
CREATE POLICY review_replies_author_read ON review_replies FOR SELECT
    USING (author_id = (SELECT app_user_id()));
COMMENT ON POLICY review_replies_author_read ON review_replies IS
    'Its author reads their reply, hidden or not.';
CREATE POLICY review_replies_public_read ON review_replies FOR SELECT
    USING (NOT is_hidden AND EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_id));
COMMENT ON POLICY review_replies_public_read ON review_replies IS
    'A visible reply is read by whoever may read its review.';

-- Moderation columns: the same guard as reviews' (it names the table it runs on).
CREATE TRIGGER review_replies_guard_moderation_columns BEFORE INSERT ON review_replies
    FOR EACH ROW
    WHEN (NEW.is_hidden OR NEW.hidden_reason <> '' OR NEW.hidden_at IS NOT NULL
          OR NEW.hidden_by_id IS NOT NULL)
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER review_replies_guard_moderation_columns ON review_replies IS
    'A reply is written unmoderated; only moderators create a hidden one.';
CREATE TRIGGER review_replies_guard_moderation_columns_update BEFORE UPDATE ON review_replies
    FOR EACH ROW
    WHEN (OLD.is_hidden IS DISTINCT FROM NEW.is_hidden
          OR OLD.hidden_reason IS DISTINCT FROM NEW.hidden_reason
          OR OLD.hidden_at IS DISTINCT FROM NEW.hidden_at
          OR OLD.hidden_by_id IS DISTINCT FROM NEW.hidden_by_id)
    EXECUTE FUNCTION reviews_guard_moderation_columns();
COMMENT ON TRIGGER review_replies_guard_moderation_columns_update ON review_replies IS
    'Only moderators and system actors hide or unhide a reply.';

SELECT audit_enable('review_replies');
COMMENT ON TRIGGER review_replies_audit_insert ON review_replies IS
    'Audit trail: records in audit_logs every row an INSERT adds to review_replies, with who and from where.';
COMMENT ON TRIGGER review_replies_audit_update ON review_replies IS
    'Audit trail: records in audit_logs every row an UPDATE changes in review_replies, with who and from where.';
COMMENT ON TRIGGER review_replies_audit_delete ON review_replies IS
    'Audit trail: records in audit_logs every row a DELETE removes from review_replies, with who and from where.';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("reviews", "0012_guest_rating"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewReply",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        editable=False,
                        verbose_name="created at",
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        auto_now=True,
                        db_default=django.db.models.functions.datetime.Now(),
                        verbose_name="updated at",
                    ),
                ),
                ("body", models.TextField(verbose_name="reply")),
                (
                    "is_hidden",
                    models.BooleanField(db_default=False, default=False, verbose_name="hidden"),
                ),
                (
                    "hidden_reason",
                    models.TextField(
                        blank=True, db_default="", default="", verbose_name="hidden reason"
                    ),
                ),
                (
                    "hidden_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="hidden at"),
                ),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="author",
                    ),
                ),
                (
                    "hidden_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="hidden by",
                    ),
                ),
                (
                    "review",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reply",
                        to="reviews.review",
                        verbose_name="review",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.tenant",
                        verbose_name="tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "reply",
                "verbose_name_plural": "replies",
                "db_table": "review_replies",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_hidden", False),
                            models.Q(("hidden_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="review_replies_hidden_needs_reason",
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.LessThanOrEqual(
                            django.db.models.functions.text.Length("body"), 2000
                        ),
                        name="review_replies_body_max_2000",
                    ),
                ],
            },
        ),
        migrations.RunSQL(SQL, migrations.RunSQL.noop),
    ]
