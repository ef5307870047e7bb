"""API tokens of our own (api_tokens) replace DRF's authtoken.

authtoken_token kept the keys in plain text, one per user, with no expiry and no row-level
security: any app_user transaction could read every key. Here:

1. api_tokens: a SHA-256 digest of each key (never the key), several per user, an expiry.
2. The keys of authtoken_token move in, hashed, so clients logged in before keep working
   (their expiry starts now); then authtoken_token, authtoken's migration rows and its
   content types (with their permissions) go.
   A database that never had authtoken (created after this change) skips this step.
3. Row-level security (forced): a user reads and deletes their own tokens; creating and
   touching them is the authentication actor's (system:auth), like every look-up by digest.
   Creation and revocation are audited, the digest masked; uses (last_used_at) are not history.
4. Staff groups rebuilt: both view tokens, Support may revoke them.

Not reversible to plain keys: going back drops api_tokens, and everyone logs in again.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from apps.accounts.groups import ensure_staff_groups_in_migration

MOVE_AUTHTOKEN_KEYS = """
INSERT INTO api_tokens (user_id, name, prefix, digest, created_at, last_used_at, expires_at)
SELECT user_id, 'Token from before ' || to_char(now(), 'YYYY-MM-DD'), left(key, 8),
       encode(sha256(convert_to(key, 'UTF8')), 'hex'), created, NULL, now() + %s
FROM authtoken_token
"""

ROW_LEVEL_SECURITY = """
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_privileged ON api_tokens
    USING ((SELECT app_is_privileged())) WITH CHECK ((SELECT app_is_privileged()));
CREATE POLICY api_tokens_owner_read ON api_tokens FOR SELECT
    USING (user_id = (SELECT app_user_id()));
CREATE POLICY api_tokens_owner_revoke ON api_tokens FOR DELETE
    USING (user_id = (SELECT app_user_id()));

CREATE TRIGGER api_tokens_audit_insert AFTER INSERT ON api_tokens
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_capture('{digest}');
CREATE TRIGGER api_tokens_audit_delete AFTER DELETE ON api_tokens
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_capture('{digest}');

COMMENT ON TABLE api_tokens IS
    'API keys, one per device and login. Only a SHA-256 digest of each key is stored.';
COMMENT ON COLUMN api_tokens.digest IS
    'hex SHA-256 of the key; the key (hvr_...) itself is shown once, at login, and never stored';
COMMENT ON COLUMN api_tokens.prefix IS 'first characters of the key, not secret: for display';
COMMENT ON COLUMN api_tokens.expires_at IS
    'sliding: last use + API_TOKEN_TTL, written at most once per API_TOKEN_TOUCH_INTERVAL';
COMMENT ON POLICY api_tokens_privileged ON api_tokens IS
    'staff (admin: list, revoke) and system actors (system:auth issues, looks up, touches)';
COMMENT ON POLICY api_tokens_owner_read ON api_tokens IS 'a user lists their own tokens';
COMMENT ON POLICY api_tokens_owner_revoke ON api_tokens IS 'a user revokes their own tokens';
COMMENT ON TRIGGER api_tokens_audit_insert ON api_tokens IS 'audit: a token issued';
COMMENT ON TRIGGER api_tokens_audit_delete ON api_tokens IS 'audit: a token revoked';
"""

REVERSE_ROW_LEVEL_SECURITY = """
DROP TRIGGER api_tokens_audit_insert ON api_tokens;
DROP TRIGGER api_tokens_audit_delete ON api_tokens;
DROP POLICY api_tokens_privileged ON api_tokens;
DROP POLICY api_tokens_owner_read ON api_tokens;
DROP POLICY api_tokens_owner_revoke ON api_tokens;
ALTER TABLE api_tokens NO FORCE ROW LEVEL SECURITY;
ALTER TABLE api_tokens DISABLE ROW LEVEL SECURITY;
"""


def move_authtoken_keys(apps, schema_editor):
    """Before row-level security is on: the owner's INSERT needs no context."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(MOVE_AUTHTOKEN_KEYS, [settings.API_TOKEN_TTL])
        cursor.execute("DROP TABLE authtoken_token")
        # authtoken is no longer installed: its history goes with its table.
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")
    # ...and its content types with their permissions (what remove_stale_contenttypes
    # --include-stale-apps would do), through the ORM so that every reference cascades.
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_privileged_columns"),
        ("core", "0002_runtime_role_and_audit_functions"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("prefix", models.CharField(help_text="Not secret.", max_length=12)),
                ("digest", models.CharField(help_text="SHA-256 of the key (hex).", max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(), editable=False
                    ),
                ),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField()),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "db_table": "api_tokens",
                "ordering": ["-created_at", "-id"],
                "permissions": [("revoke_apitoken", "Can revoke API tokens")],
                "indexes": [
                    models.Index(
                        fields=["user", "-created_at"], name="api_tokens_user_created_idx"
                    ),
                    models.Index(fields=["expires_at"], name="api_tokens_expires_at_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("digest",), name="api_tokens_digest_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("digest__regex", "^[0-9a-f]{64}$")),
                        name="api_tokens_digest_sha256",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("created_at"))),
                        name="api_tokens_expire_after_creation",
                    ),
                ],
            },
        ),
        migrations.RunPython(move_authtoken_keys, migrations.RunPython.noop),
        migrations.RunSQL(ROW_LEVEL_SECURITY, REVERSE_ROW_LEVEL_SECURITY),
        # Staff groups: everyone views tokens, Support revokes them (apps/accounts/groups.py).
        migrations.RunPython(
            lambda apps, schema_editor: ensure_staff_groups_in_migration(apps),
            migrations.RunPython.noop,
        ),
    ]
