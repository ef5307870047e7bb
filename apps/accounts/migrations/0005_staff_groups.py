from django.contrib.auth.management import create_permissions
from django.db import migrations

from apps.accounts.groups import MODERATORS, SUPPORT, ensure_staff_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make sure the
    # ones these groups need exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_staff_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


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
