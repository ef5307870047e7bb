from django.db import migrations

from apps.accounts.groups import MODERATORS, SUPPORT, ensure_staff_groups_in_migration


def create_groups(apps, schema_editor):
    ensure_staff_groups_in_migration(apps)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[MODERATORS, SUPPORT]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_moderation_permissions"),
        ("listings", "0005_moderation_permissions"),
        ("reviews", "0005_moderation_permissions"),
        ("messaging", "0004_moderation_permissions"),
        ("bookings", "0003_moderation_permissions"),
        ("core", "0002_runtime_role_and_audit_functions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
