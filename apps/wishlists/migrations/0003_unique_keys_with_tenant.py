"""wishlists: tenant_id joins wishlists_owner_name_unique, which was per tenant already.

(owner_id, lower(name)) becomes (owner_id, lower(name), tenant_id): a wishlist's tenant is its
owner's, so the key allows nothing new; the name stays (the service answers 409 by it), the
leading columns too. Citus needs the distribution column in every unique key
(docs/scaling.md, `dbinfo shard-readiness`).
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_email_change_guard"),
        ("wishlists", "0002_wishlists_sql"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="wishlist",
            name="wishlists_owner_name_unique",
        ),
        migrations.AddConstraint(
            model_name="wishlist",
            constraint=models.UniqueConstraint(
                models.F("owner"),
                django.db.models.functions.text.Lower("name"),
                models.F("tenant"),
                name="wishlists_owner_name_unique",
                violation_error_code="wishlist_name_taken",
                violation_error_message="You already have a wishlist of this name.",
            ),
        ),
    ]
