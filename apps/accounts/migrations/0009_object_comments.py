"""What each of accounts' triggers and policies is for (COMMENT ON, nothing else)."""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

COMMENTS = {
    "POLICY tenants_read ON tenants": "Anyone reads tenants, to resolve a request's tenant.",
    "POLICY tenants_staff_and_system ON tenants": "Staff and system actors manage tenants.",
    "POLICY users_same_tenant_read ON users": "A user sees the users of their own tenant.",
    "POLICY users_self ON users": "A user reads and changes their own row.",
    "POLICY users_sign_up ON users": (
        "Registration inserts a user in the request's tenant, never staff or superuser."
    ),
    "POLICY users_staff_and_system ON users": (
        "Staff and system actors (authentication, commands) manage every user."
    ),
    "POLICY profiles_read_with_user ON profiles": "A profile is visible wherever its user is.",
    "POLICY profiles_self ON profiles": "A user reads and changes their own profile.",
    "POLICY profiles_sign_up ON profiles": "Registration creates the profile of a visible user.",
    "POLICY profiles_staff_and_system ON profiles": (
        "Staff and system actors manage every profile."
    ),
    "POLICY users_groups_read ON users_groups": (
        "A user reads their own group memberships; staff and system actors read all."
    ),
    "POLICY users_groups_grant ON users_groups": (
        "Only superusers and maintenance actors add or remove group memberships."
    ),
    "POLICY users_user_permissions_read ON users_user_permissions": (
        "A user reads their own permission grants; staff and system actors read all."
    ),
    "POLICY users_user_permissions_grant ON users_user_permissions": (
        "Only superusers and maintenance actors grant or revoke a user's permissions."
    ),
    "POLICY auth_group_permissions_read ON auth_group_permissions": (
        "Anyone reads which permissions a group carries (app_has_permission joins it)."
    ),
    "POLICY auth_group_permissions_change ON auth_group_permissions": (
        "Superusers, maintenance actors and staff with auth.change_group change what a group may do."
    ),
    **audit_trigger_comments("tenants", "users", "profiles"),
}


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_date_bounds"), ("core", "0008_object_comments")]

    operations = [comment_on(COMMENTS)]
