from django.conf import settings
from django.db import migrations


def create_default_tenant(apps, schema_editor):
    Tenant = apps.get_model("accounts", "Tenant")
    Tenant.objects.get_or_create(
        slug=settings.DEFAULT_TENANT_SLUG, defaults={"name": "Havre", "settings": {}}
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        # Every user and listing belongs to a tenant; single-tenant installs use this one.
        migrations.RunPython(create_default_tenant, migrations.RunPython.noop),
    ]
