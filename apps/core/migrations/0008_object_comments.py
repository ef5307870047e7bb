"""What each of core's functions, triggers and policies is for (COMMENT ON, nothing else)."""

from django.db import migrations

from apps.core.db.comments import comment_on

COMMENTS = {
    "FUNCTION app_setting(name text)": (
        "Reads one transaction-local request setting (app.*), NULL when missing or empty."
    ),
    "FUNCTION app_user_id()": "The acting user's id from the request context, NULL for anonymous.",
    "FUNCTION app_tenant_id()": "The request's tenant id, which tenant-scoped policies compare with.",
    "FUNCTION app_is_privileged()": (
        "True for active staff and for system actors (command:, system:), whom the "
        "*_staff_and_system policies let through."
    ),
    "FUNCTION audit_mask(data jsonb, masked text[])": (
        "Hides the values of secret keys (password hashes) in a row before it is audited."
    ),
    "FUNCTION audit_diff(old_data jsonb, new_data jsonb, masked text[])": (
        "The columns an UPDATE changed, as old and new values, for an audit row."
    ),
    "FUNCTION audit_capture()": (
        "Audit trigger: writes one audit_logs row per affected row and statement, as the owner, "
        "so that the application can neither forge nor skip its history."
    ),
    "FUNCTION audit_enable(target regclass, masked text[])": (
        "Attaches the three audit triggers to a table (used by migrations, idempotent)."
    ),
    "FUNCTION audit_logs_lock_partition(part regclass)": (
        "Enables and forces row-level security on an audit_logs partition, so that it is "
        "reachable through the parent only."
    ),
    "FUNCTION audit_logs_ensure_partition(day date)": (
        "Creates the monthly audit_logs partition holding a day, moving its rows out of the "
        "default partition."
    ),
    "POLICY audit_logs_staff_read ON audit_logs": "Staff and system actors read the audit trail.",
    "POLICY audit_logs_append ON audit_logs": (
        "The audit trigger (as the owner) appends rows; nobody may change them."
    ),
    "POLICY idempotency_keys_own ON idempotency_keys": (
        "A user sees and records only their own idempotency keys."
    ),
    "POLICY idempotency_keys_staff_and_system ON idempotency_keys": (
        "Staff and system actors (the purge command) manage every idempotency key."
    ),
}


class Migration(migrations.Migration):
    dependencies = [("core", "0007_permission_context")]

    operations = [comment_on(COMMENTS)]
