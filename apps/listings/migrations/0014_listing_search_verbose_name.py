"""Admin wording only: "listing search rows" (Django made "listing searchs")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0013_staff_listing_writes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="listingsearch",
            options={"managed": False, "verbose_name": "listing search row"},
        ),
    ]
